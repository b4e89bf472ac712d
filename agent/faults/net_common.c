/* Shared inject/revert for the shaping network faults. */
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <string.h>

#include "agent/faults/net_common.h"
#include "agent/tc.h"
#include "agent/worker.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

static const char *const backend_names[] = {
        [NET_BACKEND_AUTO] = "auto", [NET_BACKEND_NETEM] = "netem", [NET_BACKEND_NFQUEUE] = "nfqueue"
};

int net_shape_validate(struct fault_ctx *ctx, const cJSON *t, struct net_shape *s)
{
        char backend[16] = "auto";
        int64_t queue = NET_DEFAULT_QUEUE;
        int r = netfilter_parse(ctx, t, ctx->control_plane, &s->filter);
        if (r == 0)
                r = tun_string(ctx, t, "SHAPER", backend, sizeof(backend));
        if (r == 0)
                r = tun_int(ctx, t, "QUEUE_NUM", 0, 65535, &queue);
        if (r < 0)
                return r;
        s->backend = _NET_BACKEND_INVALID;
        for (size_t i = 0; i < ARRAY_SIZE(backend_names); i++)
                if (rift_streq(backend, backend_names[i]))
                        s->backend = (enum net_backend)i;
        if (s->backend == _NET_BACKEND_INVALID)
                return fault_fail(ctx, "SHAPER: \"%s\" is not auto, netem or nfqueue", backend);
        if (s->backend == NET_BACKEND_NETEM && s->filter.n_ifaces == 0)
                return fault_fail(ctx, "NETWORK_INTERFACES: required with SHAPER=netem");
        s->sc.queue = (uint16_t)queue;
        return 0;
}

static int to_matches(const struct nf_target *t, size_t n, struct tc_match *out)
{
        for (size_t i = 0; i < n; i++)
                out[i] = (struct tc_match){ .addr = t[i].addr, .prefix = t[i].prefix, .dport = t[i].port };
        return 0;
}

static int inject_netem(struct fault_ctx *ctx, struct net_shape *s)
{
        struct tc_match incl[RIFT_MAX_FAULT_TARGETS], excl[RIFT_MAX_FAULT_TARGETS + 1];
        struct tc_leaf leaf = { .netem = true,
                                .delay_us = s->sc.latency_ms * 1000u,
                                .jitter_us = s->sc.jitter_ms * 1000u,
                                .loss_pct = s->sc.loss_pct };
        to_matches(s->filter.dst, s->filter.n_dst, incl);
        to_matches(s->filter.excl, s->filter.n_excl, excl);
        size_t n_excl = s->filter.n_excl;
        if (s->filter.whitelist_ssh)
                excl[n_excl++] = (struct tc_match){ .dport = 22 };
        for (size_t i = 0; i < s->filter.n_ifaces; i++) {
                struct undo_entry e = { .kind = UNDO_QDISC,
                                        .handle = TC_RIFT_MAJOR << 16,
                                        .parent = TC_H_ROOT };
                rift_strlcpy(e.name, s->filter.ifaces[i], sizeof(e.name));
                int r = undo_record(ctx->journal, &e, NULL);
                if (r == 0)
                        r = tc_shape(e.name, incl, s->filter.n_dst, excl, n_excl, &leaf);
                if (r < 0)
                        return fault_fail(ctx, "netem on %s: %s", e.name, rift_strerror(r));
                undo_crash_point("after-change");
        }
        return 0;
}

static int inject_nfqueue(struct fault_ctx *ctx, struct net_shape *s)
{
        char action[64];
        s->sc.deadline_mono_ms = ctx->deadline_mono_ms;
        int r = worker_spawn(ctx->journal, NULL, shaper_main, &s->sc, true, &s->shaper_pid);
        if (r < 0)
                return fault_fail(ctx, "starting the NFQUEUE shaper on queue %u: %s", s->sc.queue,
                                  rift_strerror(r));
        snprintf(action, sizeof(action), "NFQUEUE --queue-num %u --queue-bypass", s->sc.queue);
        r = netfilter_install(ctx->journal, &s->filter, action, false);
        if (r < 0)
                return fault_fail(ctx, "installing iptables rules: %s", rift_strerror(r));
        return 0;
}

int net_shape_inject(struct fault_ctx *ctx)
{
        struct net_shape *s = ctx->state;
        bool want_netem = s->backend != NET_BACKEND_NFQUEUE && s->filter.n_ifaces > 0;
        s->netem_available = want_netem && tc_netem_available();
        if (s->backend == NET_BACKEND_NETEM && !s->netem_available)
                return fault_fail(ctx, "SHAPER: netem was asked for but this kernel has no netem qdisc");
        /* netem has no duplicate-only or corrupt-only knob mapped here yet: those use the shaper */
        s->used_netem = s->netem_available && s->sc.corrupt_pct == 0 && s->sc.dup_pct == 0;
        return s->used_netem ? inject_netem(ctx, s) : inject_nfqueue(ctx, s);
}

int net_shape_revert(struct fault_ctx *ctx)
{
        return fault_revert_journal(ctx);
}

int net_shape_status(struct fault_ctx *ctx, cJSON *out)
{
        struct net_shape *s = ctx->state;
        cJSON_AddStringToObject(out, "shaper", s->used_netem ? "netem" : "nfqueue");
        cJSON_AddBoolToObject(out, "netem_available", s->netem_available);
        if (!s->used_netem) {
                cJSON_AddNumberToObject(out, "shaper_pid", s->shaper_pid);
                cJSON_AddNumberToObject(out, "queue", s->sc.queue);
        }
        return 0;
}
