/* linux-network-partition: drops traffic to and from the matching hosts/ports (iptables DROP in the
 * agent's own chains on OUTPUT and INPUT). The control plane and SSH stay reachable. */
#include "agent/faults/fault.h"
#include "agent/netfilter.h"
#include "lib/error.h"

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        return netfilter_parse(ctx, t, ctx->control_plane, ctx->state);
}

static int inject(struct fault_ctx *ctx)
{
        int r = netfilter_install(ctx->journal, ctx->state, "DROP", true);
        return r < 0 ? fault_fail(ctx, "installing iptables rules: %s", rift_strerror(r)) : 0;
}

const struct fault_ops fault_network_partition = {
        .name = "linux-network-partition",
        .state_size = sizeof(struct nf_filter),
        .validate = validate,
        .inject = inject,
        .revert = netfilter_revert,
};
