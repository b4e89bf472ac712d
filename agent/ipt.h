/* iptables through the iptables program: only chains the agent names itself, and jump rules into them. */
#ifndef RIFT_AGENT_IPT_H
#define RIFT_AGENT_IPT_H

#define IPT_MAX_ARGS 48 /* words in one rule */

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

#endif
