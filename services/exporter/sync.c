/* The ResultService client: every sync_interval a sync of the changes since the last complete one
 * (proto/results.proto), page by page on the loop; experiments are applied as pages arrive. A failed
 * page ends the attempt; the next tick starts the same window again, so nothing is skipped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/rpc_client.h"
#include "lib/str.h"
#include "proto/results.pb-c.h"
#include "services/exporter/exporter.h"

#define PAGE_LIMIT 500u /* experiments per page */

struct exporter_sync {
        const struct exporter_config *cfg; /* settings */
        struct rift_rpc_client *rpc;       /* ResultService client, async on the loop */
        struct exporter_results *results;  /* where experiments go */
        struct event *timer;               /* the periodic tick */
        char auth[300];                    /* "Bearer <token>" */
        int64_t since_ms;                  /* end of the last complete sync (0 = none yet) */
        int64_t until_ms;                  /* this sync's window end (0 before its first page) */
        char after[160];                   /* this sync's page token */
        bool busy;                         /* a page is in flight */
        bool failing;                      /* the last sync failed (logged once until one succeeds) */
        int64_t started_ms;                /* monotonic start of this sync */
        struct rift_metric *m_syncs;       /* rift_exporter_syncs_total{result} */
        struct rift_metric *m_updates;     /* rift_exporter_experiment_updates_total */
        struct rift_metric *m_duration;    /* rift_exporter_sync_duration_seconds */
        struct rift_metric *m_experiments; /* rift_exporter_experiments */
        struct rift_metric *m_last;        /* rift_exporter_last_sync_timestamp_seconds */
};

static const char *const result_label[] = { "result", NULL };
static const double sync_buckets[] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30 };
static const struct rift_metric_def defs[] = {
        { .name = "rift_exporter_syncs_total",
          .help = "ResultService syncs by result (ok, error).",
          .type = RIFT_METRIC_COUNTER,
          .labels = result_label },
        { .name = "rift_exporter_experiment_updates_total",
          .help = "Experiments received from ResultService (changed or deleted).",
          .type = RIFT_METRIC_COUNTER },
        { .name = "rift_exporter_sync_duration_seconds",
          .help = "Time of one complete sync, all pages.",
          .type = RIFT_METRIC_HISTOGRAM,
          .buckets = sync_buckets,
          .n_buckets = sizeof(sync_buckets) / sizeof(sync_buckets[0]) },
        { .name = "rift_exporter_experiments",
          .help = "Experiments with results held.",
          .type = RIFT_METRIC_GAUGE },
        { .name = "rift_exporter_last_sync_timestamp_seconds",
          .help = "Unix time of the last complete sync.",
          .type = RIFT_METRIC_GAUGE },
};

static void page_start(struct exporter_sync *s);

static void sync_failed(struct exporter_sync *s, int err, const struct rift_rpc_error *e)
{
        if (err == RIFT_E_TOOBIG)
                s->since_ms = 0; /* too many changes for one window: list everything again */
        s->busy = false;
        s->until_ms = 0;
        s->after[0] = '\0';
        rift_metric_inc(s->m_syncs, RIFT_LV("error"));
        if (!s->failing) /* once per outage; rift_exporter_syncs_total{result="error"} counts them all */
                log_warn("ResultService sync failed", LOG_ERR(err), LOG_STR("twirp", e ? e->msg : ""),
                         LOG_STR("server", s->cfg->server_addr));
        s->failing = true;
}

static void page_done(int err, ProtobufCMessage *out, const struct rift_rpc_error *e, void *userdata)
{
        struct exporter_sync *s = userdata;
        Rift__Results__V1__SyncResponse *m = (void *)out;
        int r = err;

        if (err == -ECANCELED)
                return;
        for (size_t i = 0; r == 0 && i < m->n_experiments; i++) {
                r = exporter_results_apply(s->results, m->experiments[i], s->since_ms == 0);
                if (r < 0)
                        log_warn("experiment not exported",
                                 LOG_STR("experiment", m->experiments[i]->experiment_id), LOG_ERR(r));
                r = 0; /* one experiment over the cap must not stop the others */
                rift_metric_inc(s->m_updates, RIFT_LV_NONE);
        }
        if (r < 0 || !m) {
                sync_failed(s, r < 0 ? r : -EPROTO, e);
        } else if (m->next_after_experiment_id[0]) {
                s->until_ms = m->until_ms;
                rift_strlcpy(s->after, m->next_after_experiment_id, sizeof(s->after));
                page_start(s);
        } else {
                if (s->since_ms == 0)
                        exporter_results_full_sync_end(s->results);
                s->since_ms = m->until_ms;
                s->until_ms = 0;
                s->after[0] = '\0';
                s->busy = false;
                rift_metric_inc(s->m_syncs, RIFT_LV("ok"));
                if (s->failing)
                        log_info("ResultService sync works again", LOG_STR("server", s->cfg->server_addr));
                s->failing = false;
                rift_metric_observe(s->m_duration, RIFT_LV_NONE,
                                    (double)(rift_mono_ms() - s->started_ms) / 1000);
                rift_metric_set(s->m_last, RIFT_LV_NONE, (double)rift_now_ms() / 1000);
        }
        rift_metric_set(s->m_experiments, RIFT_LV_NONE, (double)exporter_results_count(s->results));
        if (out)
                protobuf_c_message_free_unpacked(out, NULL);
}

static void page_start(struct exporter_sync *s)
{
        Rift__Results__V1__SyncRequest in = RIFT__RESULTS__V1__SYNC_REQUEST__INIT;
        const struct rift_http_header h[] = { { "Authorization", s->auth } };
        struct rift_rpc_call_opts opts = {
                .timeout_ms = 30000, .headers = h, .n_headers = 1, .idempotent = true
        };
        int r;

        in.since_ms = s->since_ms;
        in.until_ms = s->until_ms;
        in.after_experiment_id = s->after;
        in.limit = PAGE_LIMIT;
        s->busy = true;
        r = rift_rpc_call_async(s->rpc, &opts, "rift.results.v1.ResultService", "Sync", &in.base,
                                &rift__results__v1__sync_response__descriptor, page_done, s);
        if (r < 0)
                sync_failed(s, r, NULL);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
        struct exporter_sync *s = arg;

        if (s->busy)
                return;
        if (s->since_ms == 0)
                exporter_results_full_sync_begin(s->results);
        s->started_ms = rift_mono_ms();
        page_start(s);
}

int exporter_sync_new(const struct exporter_config *cfg, struct event_base *base, struct rift_metrics *reg,
                      struct exporter_results *results, struct exporter_sync **ret)
{
        struct exporter_sync *s = calloc(1, sizeof(*s));
        struct rift_rpc_client_config rc = { .base_url = cfg->server_addr };
        struct rift_metric *h[ARRAY_SIZE(defs)];
        struct timeval tv = { .tv_sec = cfg->sync_interval_ms / 1000,
                              .tv_usec = (cfg->sync_interval_ms % 1000) * 1000 };
        int r;

        if (!s)
                return -ENOMEM;
        *s = (struct exporter_sync){ .cfg = cfg, .results = results };
        snprintf(s->auth, sizeof(s->auth), "Bearer %s", cfg->results_token);
        rc.http.timeout_ms = 30000;
        if ((r = rift_metrics_register_all(reg, defs, ARRAY_SIZE(defs), h)) < 0 ||
            (r = rift_rpc_client_new(&rc, &s->rpc)) < 0 || (r = rift_rpc_client_attach(s->rpc, base)) < 0 ||
            !(s->timer = event_new(base, -1, EV_PERSIST, tick, s)) || event_add(s->timer, &tv) < 0) {
                exporter_sync_free(s);
                return r < 0 ? r : -ENOMEM;
        }
        s->m_syncs = h[0];
        s->m_updates = h[1];
        s->m_duration = h[2];
        s->m_experiments = h[3];
        s->m_last = h[4];
        tick(-1, 0, s); /* the first sync at once */
        *ret = s;
        return 0;
}

void exporter_sync_free(struct exporter_sync *s)
{
        if (!s)
                return;
        if (s->timer)
                event_free(s->timer);
        rift_rpc_client_free(s->rpc);
        explicit_bzero(s->auth, sizeof(s->auth));
        free(s);
}
