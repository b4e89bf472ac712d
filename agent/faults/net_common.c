/* Shared inject/revert for the shaping network faults. */
#include <errno.h>
#include <signal.h>
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

static int inject_netem(struct fault_ctx *ctx, struct net_shape *s)
{
        struct tc_match incl[RIFT_MAX_FAULT_TARGETS], excl[TC_MAX_EXCLUDES];
        struct tc_leaf leaf = { .netem = true,
                                .delay_us = s->sc.latency_ms * 1000u,
                                .jitter_us = s->sc.jitter_ms * 1000u,
                                .loss_pct = s->sc.loss_pct };
        size_t n_incl, n_excl;
        netfilter_to_tc(&s->filter, incl, &n_incl, excl, &n_excl);
        for (size_t i = 0; i < s->filter.n_ifaces; i++) {
                char kind[32] = "";
                int r = tc_shape_owned(ctx->journal, s->filter.ifaces[i], incl, n_incl, excl, n_excl, &leaf,
                                       kind, sizeof(kind));
                if (r == -EBUSY)
                        return fault_fail(
                            ctx, "NETWORK_INTERFACES: %s has a %s root qdisc; refusing to replace it",
                            s->filter.ifaces[i], kind);
                if (r < 0)
                        return fault_fail(ctx, "netem on %s: %s", s->filter.ifaces[i], rift_strerror(r));
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
        /* not mapped to netem/u32 yet: corruption, duplication and port lists (only per-host |port is) */
        bool fits = s->sc.corrupt_pct == 0 && s->sc.dup_pct == 0 && s->filter.n_sports == 0 &&
                    s->filter.n_dports == 0 && s->filter.n_excl_ports == 0;
        if (s->backend == NET_BACKEND_NETEM && !fits)
                return fault_fail(ctx,
                                  "SHAPER: netem cannot express this fault's filter or action; use auto");
        s->used_netem = s->netem_available && fits;
        return s->used_netem ? inject_netem(ctx, s) : inject_nfqueue(ctx, s);
}

int net_shape_revert(struct fault_ctx *ctx)
{
        struct net_shape *s = ctx->state;
        /* The shaper lets its held packets go and exits while the rules are being deleted (the journal
         * replay then only waits for it): until the rules are gone, --queue-bypass lets packets through
         * a queue nobody listens on. The journal's start time check guards the pid; here it is our own
         * child, not reaped before the replay, so the pid cannot have been reused. */
        if (!s->used_netem && s->shaper_pid > 0)
                kill(s->shaper_pid, SIGTERM);
        return netfilter_revert(ctx); /* for netem, its tc entries: a plain journal replay */
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
