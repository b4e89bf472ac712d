/* Observability metrics of rift-backend beyond the request counters of server.c: GraphQL requests and
 * latency per operation (the root field), infrastructures by state, runs by phase (both counted from
 * the store when /metrics is rendered, so several backends on one store agree) and the duration of
 * the runs this process saw finish. Names and meanings: docs/observability/README.md. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "lib/metrics.h"
#include "lib/store.h"
#include "services/backend/backend.h"

struct backend_obs {
        struct rift_metric *ops;      /* rift_backend_graphql_operations_total{operation,result} */
        struct rift_metric *latency;  /* rift_backend_graphql_request_duration_seconds{operation} */
        struct rift_metric *infras;   /* rift_backend_infrastructures{state} */
        struct rift_metric *runs;     /* rift_backend_experiment_runs{phase} */
        struct rift_metric *duration; /* rift_backend_run_duration_seconds{phase} */
};

static const char *const op_labels[] = { "operation", "result", NULL };
static const char *const op_label[] = { "operation", NULL };
static const char *const state_label[] = { "state", NULL };
static const char *const phase_label[] = { "phase", NULL };
/* runs last from seconds (a failed start) to hours */
static const double run_buckets[] = { 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200 };

static const struct rift_metric_def defs[] = {
        { .name = "rift_backend_graphql_operations_total",
          .help = "GraphQL requests by operation (root field) and result (ok, errors, denied, too_big).",
          .type = RIFT_METRIC_COUNTER,
          .labels = op_labels },
        { .name = "rift_backend_graphql_request_duration_seconds",
          .help = "Time from receiving a GraphQL request to its reply, by operation (root field).",
          .type = RIFT_METRIC_HISTOGRAM,
          .labels = op_label },
        { .name = "rift_backend_infrastructures",
          .help = "Infrastructures (not deleted) by state: active (connected) or inactive.",
          .type = RIFT_METRIC_GAUGE,
          .labels = state_label },
        { .name = "rift_backend_experiment_runs",
          .help = "Experiment runs (not deleted) by phase.",
          .type = RIFT_METRIC_GAUGE,
          .labels = phase_label },
        { .name = "rift_backend_run_duration_seconds",
          .help = "Duration of finished runs (creation to final phase), by final phase.",
          .type = RIFT_METRIC_HISTOGRAM,
          .labels = phase_label,
          .buckets = run_buckets,
          .n_buckets = sizeof(run_buckets) / sizeof(run_buckets[0]) },
};

static const char *const phases[] = {
        "Queued",  "Running", "Completed", "Completed_With_Error", "Completed_With_Probe_Failure",
        "Stopped", "Error",   "Timeout"
};

int64_t backend_obs_now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void count_where(struct backend_ctx *b, const char *coll, const char *field, cJSON *value,
                        struct rift_metric *m, const char *label)
{
        cJSON *filter = cJSON_CreateObject();
        uint64_t n = 0;

        cJSON_AddItemToObject(filter, field, value);
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        if (rift_store_count(b->store, coll, filter, &n) == 0)
                rift_metric_set(m, RIFT_LV(label), (double)n);
        cJSON_Delete(filter);
}

static void collect(struct rift_metrics *reg, void *userdata)
{
        struct backend_ctx *b = userdata;

        count_where(b, BC_INFRAS, "isActive", cJSON_CreateTrue(), b->obs->infras, "active");
        count_where(b, BC_INFRAS, "isActive", cJSON_CreateFalse(), b->obs->infras, "inactive");
        for (size_t i = 0; i < ARRAY_SIZE(phases); i++)
                count_where(b, BC_RUNS, "phase", cJSON_CreateString(phases[i]), b->obs->runs, phases[i]);
}

int backend_obs_new(struct backend_ctx *b)
{
        struct rift_metric *h[ARRAY_SIZE(defs)];
        struct backend_obs *o = calloc(1, sizeof(*o));
        int r;

        if (!o)
                return -ENOMEM;
        r = rift_metrics_register_all(b->metrics, defs, ARRAY_SIZE(defs), h);
        if (r == 0)
                r = rift_metrics_add_collector(b->metrics, collect, b);
        if (r < 0) {
                free(o);
                return r;
        }
        *o = (struct backend_obs){ h[0], h[1], h[2], h[3], h[4] };
        b->obs = o;
        return 0;
}

void backend_obs_free(struct backend_obs *o)
{
        free(o);
}

void backend_obs_request(struct backend_ctx *b, const char *operation, const char *result, int64_t started_us)
{
        const char *op = operation && operation[0] ? operation : "none";

        if (!b->obs)
                return;
        rift_metric_inc(b->obs->ops, RIFT_LV(op, result));
        rift_metric_observe(b->obs->latency, RIFT_LV(op), (double)(backend_obs_now_us() - started_us) / 1e6);
}

void backend_obs_run_final(struct backend_ctx *b, const char *phase, int64_t created_ms)
{
        int64_t d = backend_now_ms() - created_ms;

        if (b->obs && created_ms > 0)
                rift_metric_observe(b->obs->duration, RIFT_LV(phase), d > 0 ? (double)d / 1000 : 0);
}
