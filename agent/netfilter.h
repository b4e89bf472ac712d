/* Network fault targeting: parses Harness's filter tunables and installs the agent's own iptables and
 * ip6tables chains that send matched packets to an action (NFQUEUE, DROP). Exclusions always come first:
 * the agent's control plane (all its addresses) and SSH (22) unless explicitly included, then the user's
 * "!" entries. A family gets rules only when the fault has a destination of that family, or has no
 * destination filter at all (then both families are affected). */
#ifndef RIFT_AGENT_NETFILTER_H
#define RIFT_AGENT_NETFILTER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/faults/fault.h"
#include "lib/limits_rift.h"

#define NETFILTER_MAX_IFACES 8
#define NETFILTER_MAX_RULES  512 /* rules in one chain */

/* An IPv4 or IPv6 network with an optional port. */
struct nf_target {
        int family;       /* AF_INET or AF_INET6 */
        uint8_t addr[16]; /* network byte order; IPv4 in the first 4 bytes */
        uint8_t prefix;   /* CIDR prefix length (32 or 128 for one host) */
        uint16_t port;    /* 0 = any port */
};

/* Families a filter touches (bit mask). */
#define NF_FAMILY_V4 1u
#define NF_FAMILY_V6 2u

struct nf_filter {
        char ifaces[NETFILTER_MAX_IFACES][IFNAMSIZ];   /* NETWORK_INTERFACES (none = all) */
        size_t n_ifaces;                               /* used ifaces */
        struct nf_target dst[RIFT_MAX_FAULT_TARGETS];  /* DESTINATION_HOSTS/IPS (none = any) */
        size_t n_dst;                                  /* used dst */
        struct nf_target excl[RIFT_MAX_FAULT_TARGETS]; /* "!" destinations and the control plane */
        size_t n_excl;                                 /* used excl */
        uint16_t sports[RIFT_MAX_FAULT_TARGETS];       /* SOURCE_PORTS */
        size_t n_sports;                               /* used sports */
        uint16_t dports[RIFT_MAX_FAULT_TARGETS];       /* DESTINATION_PORTS */
        size_t n_dports;                               /* used dports */
        uint16_t excl_ports[RIFT_MAX_FAULT_TARGETS];   /* "!" ports (either direction) */
        size_t n_excl_ports;                           /* used excl_ports */
        bool whitelist_ssh;                            /* WHITELIST_SSH (default true) */
};

/* Reads NETWORK_INTERFACES, DESTINATION_HOSTS, DESTINATION_IPS, SOURCE_PORTS, DESTINATION_PORTS,
 * WHITELIST_SSH, INCLUDE_CONTROL_PLANE; control_plane (host, IPv4 or IPv6, may be NULL; every address it
 * resolves to) is excluded unless INCLUDE_CONTROL_PLANE is true. */
int netfilter_parse(struct fault_ctx *ctx, const cJSON *t, const char *control_plane, struct nf_filter *ret);
/* For each family the filter touches (netfilter_families): creates chain RIFT-<pid>-O (and -I with
 * ingress) in that family's filter table, fills it, and jumps to it from OUTPUT (and INPUT), journalling
 * the chains and every jump first (UNDO_IPT_* for IPv4, UNDO_IP6T_* for IPv6), then applying each family
 * in one iptables-restore / ip6tables-restore (all or nothing per family). action: "DROP",
 * "NFQUEUE --queue-num 7 --queue-bypass". */
int netfilter_install(struct undo_journal *j, const struct nf_filter *f, const char *action, bool ingress);
/* NF_FAMILY_V4 and/or NF_FAMILY_V6: the families of the destinations, both without destinations. */
unsigned netfilter_families(const struct nf_filter *f);
/* fault_ops.revert for faults that use netfilter_install: the fault's newest changes of one family go in
 * one (ip6)iptables-restore (jumps deleted, chains emptied and deleted), marked done; if that batch is refused
 * (something is already gone), and for every other change, the journal replay reverts them one by one,
 * "already gone" counting as success. */
int netfilter_revert(struct fault_ctx *ctx);
/* The batches netfilter_revert starts with, for up to max groups of the newest open (ip6)iptables
 * entries newer than id since (recovery: a killed agent's journal, before its entry-by-entry replay).
 * Stops at the first entry of another kind, or a batch that was refused. */
void netfilter_revert_batches(struct undo_journal *j, uint64_t since, unsigned max);
struct tc_match;
/* The filter as tc u32 matches, IPv4 and IPv6: destinations into incl (room for RIFT_MAX_FAULT_TARGETS;
 * without destinations one "any" per family netfilter_families() names), exclusions of those families
 * (and SSH for each unless whitelisting is off) into excl (room for TC_MAX_EXCLUDES). Source ports and
 * port lists cannot be expressed (callers refuse them or take NFQUEUE). */
void netfilter_to_tc(const struct nf_filter *f, struct tc_match *incl, size_t *ret_n_incl,
                     struct tc_match *excl, size_t *ret_n_excl);
/* Parses one target: "10.0.0.1", "10.0.0.0/24", "2001:db8::10", "fd00::/64", "[2001:db8::10]", or
 * "host.example" (every A and AAAA address), each with an optional "|port" ("[fd00::1]|443",
 * "fd00::/64|443", "10.0.0.1|80": the port always follows "|", never ":"). Brackets hold an IPv6
 * address only, optionally with its "/prefix" after the "]". Fills up to max targets; ret_n gets the
 * count. RIFT_E_INVALID (with a message in err) when malformed or unresolvable, RIFT_E_TOOBIG (with a
 * message) when a host has more than max addresses. */
int netfilter_parse_target(const char *s, struct nf_target *ret, size_t max, size_t *ret_n, char *err,
                           size_t err_size);
/* Writes "ADDR/PREFIX" of t to buf. */
void netfilter_format(const struct nf_target *t, char *buf, size_t size);

#endif
