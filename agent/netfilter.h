/* Network fault targeting: parses Harness's filter tunables and installs the agent's own iptables chain
 * that sends matched packets to an action (NFQUEUE, DROP). Exclusions always come first: the agent's
 * control plane and SSH (22) unless explicitly included, then the user's "!" entries. */
#ifndef RIFT_AGENT_NETFILTER_H
#define RIFT_AGENT_NETFILTER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/faults/fault.h"
#include "lib/limits_rift.h"

#define NETFILTER_MAX_IFACES 8
#define NETFILTER_MAX_RULES  512 /* rules in one chain */

/* An IPv4 network with an optional port. */
struct nf_target {
        uint32_t addr;  /* host order */
        uint8_t prefix; /* CIDR prefix length */
        uint16_t port;  /* 0 = any port */
};

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
 * WHITELIST_SSH, INCLUDE_CONTROL_PLANE; control_plane (host or IPv4, may be NULL) is excluded unless
 * INCLUDE_CONTROL_PLANE is true. */
int netfilter_parse(struct fault_ctx *ctx, const cJSON *t, const char *control_plane, struct nf_filter *ret);
/* Creates chain RIFT-<pid>-O (and -I with ingress) in the filter table, fills it, and jumps to it from
 * OUTPUT (and INPUT), journalling the chains and every jump first, then applying all of it in one
 * iptables-restore (all or nothing). action: "DROP", "NFQUEUE --queue-num 7 --queue-bypass". */
int netfilter_install(struct undo_journal *j, const struct nf_filter *f, const char *action, bool ingress);
/* fault_ops.revert for faults that use netfilter_install: the fault's newest iptables changes go in one
 * iptables-restore (jumps deleted, chains emptied and deleted), marked done; if that batch is refused
 * (something is already gone), and for every other change, the journal replay reverts them one by one,
 * "already gone" counting as success. */
int netfilter_revert(struct fault_ctx *ctx);
struct tc_match;
/* The filter as tc u32 matches: destinations into incl, exclusions (and SSH unless whitelisting is off)
 * into excl (room for RIFT_MAX_FAULT_TARGETS + 1). Source ports cannot be expressed (see validate). */
void netfilter_to_tc(const struct nf_filter *f, struct tc_match *incl, size_t *ret_n_incl,
                     struct tc_match *excl, size_t *ret_n_excl);
/* Parses "10.0.0.1", "10.0.0.0/24", "host.example" (first IPv4), with optional "|port". */
int netfilter_parse_target(const char *s, struct nf_target *ret);

#endif
