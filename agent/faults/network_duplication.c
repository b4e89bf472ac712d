/* linux-network-duplication: sends NETWORK_PACKET_DUPLICATION_PERCENTAGE % of matching egress packets twice. */
#include "agent/faults/net_common.h"

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct net_shape *s = ctx->state;
        s->sc.dup_pct = 100;
        int r = net_shape_validate(ctx, t, s);
        return r < 0
                   ? r
                   : tun_double(ctx, t, "NETWORK_PACKET_DUPLICATION_PERCENTAGE", 0.0001, 100, &s->sc.dup_pct);
}

const struct fault_ops fault_network_duplication = {
        .name = "linux-network-duplication",
        .state_size = sizeof(struct net_shape),
        .validate = validate,
        .inject = net_shape_inject,
        .revert = net_shape_revert,
        .status = net_shape_status,
};
