/* What the shaping network faults (latency, loss, corruption, duplication) share: the filter, the
 * choice between netem (when the kernel has it) and the NFQUEUE shaper, inject and status. */
#ifndef RIFT_AGENT_NET_COMMON_H
#define RIFT_AGENT_NET_COMMON_H

#include <sys/types.h>

#include "agent/faults/fault.h"
#include "agent/netfilter.h"
#include "agent/shaper.h"

#define NET_DEFAULT_QUEUE 7300 /* NFQUEUE number (queues are per network namespace) */

enum net_backend {
        NET_BACKEND_AUTO,    /* netem if the kernel has it and interfaces are named, else NFQUEUE */
        NET_BACKEND_NETEM,   /* netem only: fail if the kernel lacks it */
        NET_BACKEND_NFQUEUE, /* the userspace shaper only */
        _NET_BACKEND_INVALID,
};

struct net_shape {
        struct nf_filter filter;  /* which packets */
        struct shaper_config sc;  /* what to do to them */
        enum net_backend backend; /* SHAPER tunable */
        bool netem_available;     /* probed at inject */
        bool used_netem;          /* what inject chose */
        pid_t shaper_pid;         /* the NFQUEUE worker */
};

/* Parses the filter and the SHAPER, QUEUE_NUM tunables into s. */
int net_shape_validate(struct fault_ctx *ctx, const cJSON *t, struct net_shape *s);
int net_shape_inject(struct fault_ctx *ctx);
int net_shape_revert(struct fault_ctx *ctx);
int net_shape_status(struct fault_ctx *ctx, cJSON *out);

#endif
