/* iptables and ip6tables through their programs: only chains the agent names itself, and jump rules into them.
 * A fault's changes go through one iptables-restore batch (all or nothing, one process); the single
 * operations are for crash recovery and for reverting piece by piece what a batch could not. Every child
 * has a deadline (IPT_TIMEOUT_MS). The plain functions are IPv4 (iptables); the _family ones take
 * AF_INET or AF_INET6 (ip6tables, ip6tables-restore). */
#ifndef RIFT_AGENT_IPT_H
#define RIFT_AGENT_IPT_H

#include <stddef.h>

#include "lib/buf.h"

#define IPT_MAX_ARGS   48           /* words in one rule */
#define IPT_MAX_BATCH  (256u << 10) /* bytes of iptables-restore input in one batch */
#define IPT_TIMEOUT_MS 10000        /* an iptables child still running then is killed */

/* Creates chain in table; -EEXIST if it already exists. */
int ipt_chain_create(const char *table, const char *chain);
/* Flushes and deletes chain; a chain that does not exist is success. */
int ipt_chain_delete(const char *table, const char *chain);
/* Appends (or, with insert, puts first) a rule given as space-separated words to chain. */
int ipt_rule_add(const char *table, const char *chain, const char *rule, int insert);
/* Deletes one copy of rule from chain; a rule or chain that does not exist is success. */
int ipt_rule_delete(const char *table, const char *chain, const char *rule);
/* True if chain exists in table. */
int ipt_chain_exists(const char *table, const char *chain);

/* The same for one family (AF_INET: iptables, AF_INET6: ip6tables). */
int ipt_family_chain_delete(int family, const char *table, const char *chain);
int ipt_family_rule_delete(int family, const char *table, const char *chain, const char *rule);
int ipt_family_chain_exists(int family, const char *table, const char *chain);

/* Commands for one table, applied together by one `iptables-restore --noflush` (one nftables
 * transaction: all of them or none). */
struct ipt_batch {
        struct rift_buf text; /* the restore input: "*TABLE\n", then one command a line */
        size_t n;             /* commands added */
        int err;              /* first error while adding (reported by commit) */
        int family;           /* AF_INET (iptables-restore) or AF_INET6 (ip6tables-restore) */
};

/* An IPv4 batch (iptables-restore). */
void ipt_batch_init(struct ipt_batch *b, const char *table);
/* A batch for family: AF_INET or AF_INET6 (ip6tables-restore); another family fails the batch. */
void ipt_batch_init_family(struct ipt_batch *b, int family, const char *table);
/* Frees the text; accepts a batch that was never committed. */
void ipt_batch_free(struct ipt_batch *b);
/* Adds "OP CHAIN [RULE]" (op "-N", "-A", "-I", "-D", "-X", "-F"; rule as space-separated words).
 * Text that iptables-restore would read as more than words (quotes, newlines) is refused; after a
 * refusal the batch stays failed (every later call returns that error, commit runs nothing). */
int ipt_batch_add(struct ipt_batch *b, const char *op, const char *chain, const char *rule);
/* Declares chain (":CHAIN - [0:0]"): creates it, or empties it if it exists. */
int ipt_batch_declare(struct ipt_batch *b, const char *chain);
/* Runs the batch: 0 when every command was applied, -EIO when (ip6)iptables-restore refused it (nothing was
 * applied), another negative errno if it could not run (-ETIMEDOUT past IPT_TIMEOUT_MS). */
int ipt_batch_commit(struct ipt_batch *b);

#endif
