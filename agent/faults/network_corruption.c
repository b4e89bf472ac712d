/* linux-network-corruption: flips one byte after the IP header in NETWORK_PACKET_CORRUPTION_PERCENTAGE % of matching egress packets. */
#include "agent/faults/net_common.h"

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct net_shape *s = ctx->state;
        s->sc.corrupt_pct = 100;
        int r = net_shape_validate(ctx, t, s);
        return r < 0 ? r
                     : tun_double(ctx, t, "NETWORK_PACKET_CORRUPTION_PERCENTAGE", 0.0001, 100,
                                  &s->sc.corrupt_pct);
}

const struct fault_ops fault_network_corruption = {
        .name = "linux-network-corruption",
        .state_size = sizeof(struct net_shape),
        .validate = validate,
        .inject = net_shape_inject,
        .revert = net_shape_revert,
        .status = net_shape_status,
};
