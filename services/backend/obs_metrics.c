/* Observability metrics of rift-backend beyond the request counters of server.c: GraphQL requests and
 * latency per operation (the root field), infrastructures by state, runs by phase (both counted from
 * the store when /metrics is rendered, so several backends on one store agree) and the duration of
 * the runs this process saw finish. Names and meanings: docs/observability/README.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/metrics.h"
#include "lib/store.h"
#include "lib/str.h"
#include "proto/infra.pb-c.h"
#include "services/backend/backend.h"
#include "services/backend/obs_metrics.h"

#define BACKEND_OBS_MAX_INFRAS 20000u /* series of the per-infrastructure families */

struct backend_obs {
        struct rift_metric *ops;      /* rift_backend_graphql_operations_total{operation,result} */
        struct rift_metric *latency;  /* rift_backend_graphql_request_duration_seconds{operation} */
        struct rift_metric *infras;   /* rift_backend_infrastructures{state} */
        struct rift_metric *runs;     /* rift_backend_experiment_runs{phase} */
        struct rift_metric *duration; /* rift_backend_run_duration_seconds{phase} */
        struct rift_metric *up;       /* rift_backend_infrastructure_up{infra_id,infra_name,project_id} */
        struct rift_metric *oldest;   /* rift_backend_oldest_running_run_age_seconds */
        struct rift_metric *agent[4]; /* rift_agent_fault_{injections,reverts}_total (ok, failed) */
        cJSON *last;                  /* previous agent report per "infra\x1ffault" (agent_last) */
        int64_t started_ms;           /* wall clock when this backend started */
};

static const char *const op_labels[] = { "operation", "result", NULL };
static const char *const op_label[] = { "operation", NULL };
static const char *const state_label[] = { "state", NULL };
static const char *const phase_label[] = { "phase", NULL };
static const char *const infra_labels[] = { "infra_id", "infra_name", "project_id", NULL };
static const char *const agent_labels[] = { "infra_id", "infra_name", "fault", "result", NULL };
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
        { .name = "rift_backend_infrastructure_up",
          .help = "1 if a registered (confirmed) infrastructure is active, 0 if it went inactive.",
          .type = RIFT_METRIC_GAUGE,
          .labels = infra_labels,
          .max_series = BACKEND_OBS_MAX_INFRAS },
        { .name = "rift_backend_oldest_running_run_age_seconds",
          .help = "Age of the oldest run in phase Running (0 when none runs).",
          .type = RIFT_METRIC_GAUGE },
        { .name = "rift_agent_fault_injections_total",
          .help = "Fault injections reported by agents (Heartbeat), by infrastructure, fault and result.",
          .type = RIFT_METRIC_COUNTER,
          .labels = agent_labels,
          .max_series = BACKEND_OBS_MAX_INFRAS },
        { .name = "rift_agent_fault_reverts_total",
          .help =
              "Fault reverts reported by agents (Heartbeat), by infrastructure, fault and result; a failed "
              "revert left a change on the machine.",
          .type = RIFT_METRIC_COUNTER,
          .labels = agent_labels,
          .max_series = BACKEND_OBS_MAX_INFRAS },
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

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItem(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

/* One series per confirmed infrastructure (deleted ones disappear). */
static void collect_infras(struct backend_ctx *b)
{
        cJSON *filter = cJSON_CreateObject(), *docs = NULL, *d;
        struct rift_store_query sq = { .filter = filter, .limit = BACKEND_OBS_MAX_INFRAS };

        cJSON_AddBoolToObject(filter, "isRemoved", false);
        cJSON_AddBoolToObject(filter, "isInfraConfirmed", true);
        if (rift_store_find(b->store, BC_INFRAS, &sq, &docs) == 0) {
                rift_metric_clear(b->obs->up);
                cJSON_ArrayForEach(d, docs) rift_metric_set(
                    b->obs->up, RIFT_LV(str_of(d, "infraID"), str_of(d, "name"), str_of(d, "projectID")),
                    cJSON_IsTrue(cJSON_GetObjectItem(d, "isActive")));
        }
        cJSON_Delete(docs);
        cJSON_Delete(filter);
}

static void collect_oldest_run(struct backend_ctx *b)
{
        cJSON *filter = cJSON_CreateObject(), *docs = NULL;
        static const struct rift_store_sort by_created = { "createdAt", false };
        struct rift_store_query sq = { .filter = filter, .sort = &by_created, .n_sort = 1, .limit = 1 };
        double age = 0;

        cJSON_AddStringToObject(filter, "phase", "Running");
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        if (rift_store_find(b->store, BC_RUNS, &sq, &docs) == 0) {
                const cJSON *run = cJSON_GetArrayItem(docs, 0);
                int64_t created = run ? strtoll(str_of(run, "createdAt"), NULL, 10) : 0;
                if (created > 0 && backend_now_ms() > created)
                        age = (double)(backend_now_ms() - created) / 1000;
                rift_metric_set(b->obs->oldest, RIFT_LV_NONE, age);
        }
        cJSON_Delete(docs);
        cJSON_Delete(filter);
}

static void collect(struct rift_metrics *reg, void *userdata)
{
        struct backend_ctx *b = userdata;

        count_where(b, BC_INFRAS, "isActive", cJSON_CreateTrue(), b->obs->infras, "active");
        count_where(b, BC_INFRAS, "isActive", cJSON_CreateFalse(), b->obs->infras, "inactive");
        for (size_t i = 0; i < ARRAY_SIZE(phases); i++)
                count_where(b, BC_RUNS, "phase", cJSON_CreateString(phases[i]), b->obs->runs, phases[i]);
        collect_infras(b);
        collect_oldest_run(b);
}

/* Adds the growth of one agent total since its previous report; totals count from 0 again when the
 * agent restarts (a new connection_id), so the backend's counters never go down. */
static void agent_add(struct backend_ctx *b, cJSON *v, size_t k, const char *const *lv, uint64_t total,
                      bool baseline)
{
        cJSON *item = cJSON_GetArrayItem(v, (int)k);
        double prev = item ? item->valuedouble : 0, now = (double)total;

        rift_metric_add(b->obs->agent[k], lv, 4, baseline ? 0 : now >= prev ? now - prev : now);
        if (item)
                cJSON_SetNumberValue(item, now);
}

/* The previous report of (infrastructure, fault): {"conn": connection id, "v": [4 totals]}. A new
 * agent process (connection_id) counts from 0, unless it started before this backend did: then its
 * totals were (or could have been) counted by the previous backend process, and its first report is
 * only the baseline (*ret_baseline), so a backend restart does not replay old failures. */
static cJSON *agent_last(struct backend_ctx *b, const char *id, const char *fault, const char *conn,
                         bool *ret_baseline)
{
        static const double zero[4] = { 0 };
        char key[RIFT_MAX_ID + 200];
        cJSON *last;

        snprintf(key, sizeof(key), "%s\x1f%s", id, fault);
        last = cJSON_GetObjectItemCaseSensitive(b->obs->last, key);
        if (!last) {
                last = cJSON_CreateObject();
                cJSON_AddItemToObject(b->obs->last, key, last);
        }
        *ret_baseline = false;
        if (!rift_streq(str_of(last, "conn"), conn)) {
                cJSON_DeleteItemFromObject(last, "conn");
                cJSON_DeleteItemFromObject(last, "v");
                cJSON_AddStringToObject(last, "conn", conn);
                cJSON_AddItemToObject(last, "v", cJSON_CreateDoubleArray(zero, 4));
                *ret_baseline = strtoll(conn, NULL, 10) < b->obs->started_ms;
        }
        return cJSON_GetObjectItemCaseSensitive(last, "v");
}

void backend_obs_agent_counters(struct backend_ctx *b, const cJSON *infra,
                                const Rift__Infra__V1__HeartbeatRequest *in)
{
        const char *id = str_of(infra, "infraID"), *name = str_of(infra, "name");
        const char *conn = in->auth && in->auth->connection_id ? in->auth->connection_id : "";

        for (size_t i = 0; b->obs && i < in->n_fault_counters && i < 64; i++) {
                const Rift__Infra__V1__FaultCounter *c = in->fault_counters[i];
                const uint64_t totals[4] = { c->injected, c->inject_failed, c->reverted, c->revert_failed };
                bool baseline;
                cJSON *v;

                if (!c->fault[0] || strlen(c->fault) > 128 || strlen(conn) > 128)
                        continue;
                v = agent_last(b, id, c->fault, conn, &baseline);
                for (size_t k = 0; k < 4; k++) {
                        const char *const lv[4] = { id, name, c->fault, k % 2 ? "failed" : "ok" };
                        agent_add(b, v, k, lv, totals[k], baseline);
                }
        }
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
        *o = (struct backend_obs){ h[0], h[1], h[2], h[3], h[4], h[5], h[6], { h[7], h[7], h[8], h[8] } };
        if (!(o->last = cJSON_CreateObject())) {
                free(o);
                return -ENOMEM;
        }
        o->started_ms = backend_now_ms();
        b->obs = o;
        return 0;
}

void backend_obs_free(struct backend_obs *o)
{
        if (o)
                cJSON_Delete(o->last);
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
