/* linux-network-latency: delays matching egress packets by NETWORK_LATENCY ms (+- JITTER ms). */
#include "agent/faults/net_common.h"

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct net_shape *s = ctx->state;
        int64_t latency = 2000, jitter = 0;
        int r = net_shape_validate(ctx, t, s);
        if (r == 0)
                r = tun_ms(ctx, t, "NETWORK_LATENCY", 3600000, &latency);
        if (r == 0)
                r = tun_ms(ctx, t, "JITTER", 3600000, &jitter);
        if (r < 0)
                return r;
        if (latency == 0 && jitter == 0)
                return fault_fail(ctx, "NETWORK_LATENCY: must be more than 0");
        s->sc.latency_ms = (uint32_t)latency;
        s->sc.jitter_ms = (uint32_t)jitter;
        return 0;
}

const struct fault_ops fault_network_latency = {
        .name = "linux-network-latency",
        .state_size = sizeof(struct net_shape),
        .validate = validate,
        .inject = net_shape_inject,
        .revert = net_shape_revert,
        .status = net_shape_status,
};
