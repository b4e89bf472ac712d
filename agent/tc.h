/* Traffic control through libnl-route: the agent's own htb tree (classes, u32 filters, tbf or netem
 * leaves) on one interface, netem detection, and idempotent deletion. */
#ifndef RIFT_AGENT_TC_H
#define RIFT_AGENT_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits_rift.h"

#define TC_RIFT_MAJOR 0x5254u /* our root qdisc handle is 5254: ("RT") */

/* One IPv4 or IPv6 match steering traffic into (or, for excludes, away from) the shaped class. */
struct tc_match {
        int family;       /* AF_INET or AF_INET6 */
        uint8_t addr[16]; /* destination network, network order (IPv4 in the first 4 bytes) */
        uint8_t prefix;   /* CIDR prefix length (0 = any destination of the family) */
        uint16_t dport;   /* destination port (0 = any); assumes a 20-byte IPv4 header, or an IPv6
                           * header without extension headers */
};

/* Room a caller gives netfilter_to_tc's excludes: the targets plus SSH for each family. */
#define TC_MAX_EXCLUDES (RIFT_MAX_FAULT_TARGETS + 2)

/* The leaf that shapes matched traffic. */
struct tc_leaf {
        bool netem;         /* netem (delay/loss) instead of tbf */
        uint64_t rate_bps;  /* tbf: rate in bits per second */
        uint32_t burst;     /* tbf: bucket size in bytes */
        uint32_t limit;     /* tbf: queue size in bytes */
        uint64_t peak_bps;  /* tbf: peak rate in bits per second (0 = none) */
        uint32_t min_burst; /* tbf: peak bucket (MTU) in bytes */
        uint32_t delay_us;  /* netem: delay */
        uint32_t jitter_us; /* netem: jitter */
        double loss_pct;    /* netem: loss */
};

/* True if this kernel has netem: probed in a throw-away network namespace (never on real interfaces). */
bool tc_netem_available(void);
/* Interface index of name; -ENODEV if none. */
int tc_ifindex(const char *ifname);
/* Kind of the root qdisc of ifname into ret (size >= 16); "" if none. */
int tc_root_kind(const char *ifname, char *ret, size_t size);
/* Builds the agent's tree under root handle TC_RIFT_MAJOR: on ifname. Each family's excludes go first to
 * the pass class, its includes (at least one) to the shaped class with leaf; traffic no include matches
 * (other families too) passes. The caller journals the root qdisc before calling; on failure the caller
 * reverts it. */
int tc_shape(const char *ifname, const struct tc_match *incl, size_t n_incl, const struct tc_match *excl,
             size_t n_excl, const struct tc_leaf *leaf);
/* True if a root qdisc of this kind is the kernel's own default (noqueue, pfifo_fast, mq, or
 * net.core.default_qdisc): deleting our root then brings it back. */
bool tc_kind_is_default(const char *kind);
struct undo_journal;
/* Refuses (-EBUSY, the kind in ret_kind) an interface whose root qdisc is not the default; otherwise
 * journals our root qdisc, then builds the tree with tc_shape(). */
int tc_shape_owned(struct undo_journal *j, const char *ifname, const struct tc_match *incl, size_t n_incl,
                   const struct tc_match *excl, size_t n_excl, const struct tc_leaf *leaf, char *ret_kind,
                   size_t kind_size);
/* Deletes qdisc handle at parent on ifname; a missing interface or qdisc is success. */
int tc_qdisc_delete(const char *ifname, uint32_t handle, uint32_t parent);

#endif
