/* rift-exporter: chaos-exporter's litmuschaos_* gauges from rift-backend's ResultService
 * (proto/results.proto), fetched incrementally on a timer and served on /metrics.
 * This private header is the table of contents: one block per file. */
#ifndef RIFT_EXPORTER_H
#define RIFT_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/macro.h"

#define EXPORTER_VERSION        "0.1.0"
#define EXPORTER_MAX_EXPOSITION (256u * 1024 * 1024) /* bytes of one /metrics reply */

struct event_base;
struct rift_metrics;
struct rift_http_server;
struct Rift__Results__V1__ExperimentResult;

struct exporter_config {
        int64_t http_port;        /* /metrics, /status */
        char *bind_address;       /* listener address */
        char *server_addr;        /* rift-backend's RPC URL (ResultService) */
        char *results_token;      /* the backend's RESULTS_TOKEN */
        int64_t scrape_interval;  /* TSDB_SCRAPE_INTERVAL, ms: how long a fresh verdict stays at 1 */
        int64_t sync_interval_ms; /* how often to ask for changes */
        int64_t max_series;       /* series per metric family */
        int log_level;            /* index in main.c's levels */
};

/* results.c: the litmuschaos_* families and the per-experiment state behind them */
struct exporter_results;
/* Registers the aggregate families on reg and a collector refreshing them and the verdicts'
 * freshness; at most max_series results (series per family) are held. now_ms is the clock (injected
 * in tests). */
int exporter_results_new(struct rift_metrics *reg, size_t max_series, int64_t scrape_interval_ms,
                         int64_t (*now_ms)(void), struct exporter_results **ret);
void exporter_results_free(struct exporter_results *s); /* accepts NULL */
/* Replaces what is held for the experiment by e (removed or no faults: drops it). initial is true
 * during the first sync: a verdict then counts as fresh only if the backend changed it within the
 * scrape interval; later, any change of run or verdict is fresh from now on. */
int exporter_results_apply(struct exporter_results *s, const struct Rift__Results__V1__ExperimentResult *e,
                           bool initial);
/* A full listing (since_ms = 0) begins; at its end every experiment it did not mention (deleted
 * meanwhile) is dropped; returns how many. */
void exporter_results_full_sync_begin(struct exporter_results *s);
size_t exporter_results_full_sync_end(struct exporter_results *s);
/* Experiments held. */
size_t exporter_results_count(const struct exporter_results *s);
/* The whole exposition: the per-result families, then reg's (its collectors run first). *ret_data
 * stays valid until the next call or exporter_results_free. */
int exporter_results_render(struct exporter_results *s, struct rift_metrics *reg, const char **ret_data,
                            size_t *ret_len);

/* sync.c: the ResultService client, a sync every sync_interval_ms */
struct exporter_sync;
int exporter_sync_new(const struct exporter_config *cfg, struct event_base *base, struct rift_metrics *reg,
                      struct exporter_results *results, struct exporter_sync **ret);
void exporter_sync_free(struct exporter_sync *s); /* accepts NULL */

/* http.c: GET /metrics and /status */
struct exporter_http {
        struct rift_metrics *reg;         /* service metrics and aggregates */
        struct exporter_results *results; /* per-result lines */
};
int exporter_http_mount(struct rift_http_server *http, struct exporter_http *h);

#endif
