/* ResultService (proto/results.proto): experiment results for rift-exporter, incrementally. A sync
 * covers the experiments whose runs or whose own document changed (updatedAt) in (since, until]; each
 * is sent whole (per fault step: passed/failed run counts and the latest run's verdict and times), so
 * the exporter replaces what it holds. Callers present RESULTS_TOKEN as a bearer token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/rpc_server.h"
#include "lib/store.h"
#include "lib/str.h"
#include "proto/results.pb-c.h"
#include "services/backend/backend.h"

#define SETTLE_MS     1000u /* a window ends this long before now: same-millisecond writes are done */
#define DEFAULT_LIMIT 200u  /* experiments per page */
#define MAX_LIMIT     1000u /* at most per page */

typedef Rift__Results__V1__ExperimentResult ExpResult;
typedef Rift__Results__V1__FaultResult FaultResult;

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItem(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t ms_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItem(o, key);

        if (cJSON_IsNumber(v))
                return (int64_t)v->valuedouble;
        return cJSON_IsString(v) ? strtoll(v->valuestring, NULL, 10) : 0;
}

static int check_token(struct backend_ctx *b, struct rift_rpc_ctx *ctx)
{
        const char *h = rift_http_request_header(ctx->http, "Authorization");

        if (!b->cfg->results_token)
                return rift_rpc_error(ctx, RIFT_E_UNAVAILABLE, "ResultService is off: set RESULTS_TOKEN");
        if (!h || !rift_startswith(h, "Bearer ") || !rift_crypto_streq(h + 7, b->cfg->results_token))
                return rift_rpc_error(ctx, RIFT_E_AUTH, "Authorization: a valid bearer token is required");
        return 0;
}

/* updatedAt is stored as decimal epoch ms (13 digits until 2286), so strings compare in time order. */
static void add_window(cJSON *filter, int64_t since, int64_t until)
{
        char a[24], z[24];
        cJSON *cond = cJSON_AddObjectToObject(filter, "updatedAt");

        snprintf(a, sizeof(a), "%013lld", (long long)since);
        snprintf(z, sizeof(z), "%013lld", (long long)until);
        cJSON_AddStringToObject(cond, "$gt", a);
        cJSON_AddStringToObject(cond, "$lte", z);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the experimentID of every document of coll changed in the window to the array ids. */
static int changed_ids(struct backend_ctx *b, const char *coll, int64_t since, int64_t until, cJSON *ids)
{
        cJSON *filter = cJSON_CreateObject(), *docs = NULL, *d;
        struct rift_store_query sq = { .filter = filter, .limit = RIFT_STORE_MAX_RESULTS };
        int r;

        add_window(filter, since, until);
        r = rift_store_find(b->store, coll, &sq, &docs);
        cJSON_Delete(filter);
        if (r == 0 && cJSON_GetArraySize(docs) >= (int)RIFT_STORE_MAX_RESULTS)
                r = RIFT_E_TOOBIG; /* the window would be cut: the caller syncs from 0 instead */
        cJSON_ArrayForEach(d, docs) if (str_of(d, "experimentID")[0])
            cJSON_AddItemToArray(ids, cJSON_CreateString(str_of(d, "experimentID")));
        cJSON_Delete(docs);
        return r;
}

/* The page's experiment ids (ascending, after `after`, at most limit) into a malloc'ed array of
 * strings owned by *ret_holder. */
static int page_ids(struct backend_ctx *b, int64_t since, int64_t until, const char *after, size_t limit,
                    cJSON **ret_holder, const char ***ret_ids, size_t *ret_n)
{
        cJSON *ids = cJSON_CreateArray(), *e;
        const char **v;
        size_t n = 0, k = 0;
        int r = 0;

        if (since == 0) {
                cJSON *filter = cJSON_CreateObject(), *docs = NULL, *d;
                static const struct rift_store_sort by_id = { "experimentID", false };
                struct rift_store_query sq = {
                        .filter = filter, .sort = &by_id, .n_sort = 1, .limit = limit
                };
                cJSON_AddBoolToObject(filter, "isRemoved", false);
                if (after[0])
                        cJSON_AddStringToObject(cJSON_AddObjectToObject(filter, "experimentID"), "$gt",
                                                after);
                r = rift_store_find(b->store, BC_EXPS, &sq, &docs);
                cJSON_Delete(filter);
                cJSON_ArrayForEach(d, docs)
                    cJSON_AddItemToArray(ids, cJSON_CreateString(str_of(d, "experimentID")));
                cJSON_Delete(docs);
        } else if ((r = changed_ids(b, BC_RUNS, since, until, ids)) == 0) {
                r = changed_ids(b, BC_EXPS, since, until, ids);
        }
        v = calloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*v));
        if (r < 0 || !v) {
                free(v);
                cJSON_Delete(ids);
                return r < 0 ? r : -ENOMEM;
        }
        cJSON_ArrayForEach(e, ids) if (strcmp(e->valuestring, after) > 0) v[n++] = e->valuestring;
        qsort(v, n, sizeof(*v), cmp_str);
        for (size_t i = 0; i < n && k < limit; i++) /* distinct */
                if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
                        v[k++] = v[i];
        *ret_holder = ids;
        *ret_ids = v;
        *ret_n = k;
        return 0;
}

static char *sdup(const char *s)
{
        return strdup(s ? s : "");
}

static const cJSON *fault_of(const cJSON *run, const char *step)
{
        const cJSON *f;

        cJSON_ArrayForEach(
            f, cJSON_GetObjectItem(run, "faults")) if (rift_streq(str_of(f, "step"), step)) return f;
        return NULL;
}

static bool run_final(const cJSON *run)
{
        const char *p = str_of(run, "phase");

        return strcmp(p, "Queued") != 0 && strcmp(p, "Running") != 0;
}

/* One step of the latest run, with its pass/fail counts over every run. */
static FaultResult *fault_result(const cJSON *runs, const cJSON *last, const cJSON *lf)
{
        FaultResult *m = calloc(1, sizeof(*m));
        const cJSON *run, *f, *p;
        const char *step = str_of(lf, "step");

        if (!m)
                return NULL;
        rift__results__v1__fault_result__init(m);
        cJSON_ArrayForEach(run, runs) if ((f = fault_of(run, step)))
        {
                m->passed_runs += rift_streq(str_of(f, "verdict"), "Pass");
                m->failed_runs += rift_streq(str_of(f, "verdict"), "Fail");
        }
        p = cJSON_GetObjectItem(lf, "probeSuccessPercentage");
        m->probe_success_percentage = cJSON_IsNumber(p) ? p->valuedouble : 0;
        m->start_ms = ms_of(last, "createdAt");
        m->chaos_injected_ms = ms_of(lf, "startedAtMs");
        m->end_ms = ms_of(lf, "endedAtMs");
        if (m->end_ms == 0 && run_final(last))
                m->end_ms = ms_of(last, "updatedAt");
        m->verdict_updated_ms = ms_of(last, "updatedAt");
        m->step = sdup(step);
        m->fault = sdup(str_of(lf, "fault"));
        m->verdict = sdup(str_of(lf, "verdict"));
        if (!m->step || !m->fault || !m->verdict) {
                protobuf_c_message_free_unpacked(&m->base, NULL);
                return NULL;
        }
        return m;
}

static int fill_faults(struct backend_ctx *b, ExpResult *m)
{
        cJSON *filter = cJSON_CreateObject(), *runs = NULL, *last, *f;
        static const struct rift_store_sort by_seq = { "runSequence", false };
        struct rift_store_query sq = { .filter = filter, .sort = &by_seq, .n_sort = 1 };
        int r;

        cJSON_AddStringToObject(filter, "experimentID", m->experiment_id);
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        r = rift_store_find(b->store, BC_RUNS, &sq, &runs);
        cJSON_Delete(filter);
        last = cJSON_GetArrayItem(runs, cJSON_GetArraySize(runs) - 1);
        if (r < 0 || !last) {
                cJSON_Delete(runs);
                return r;
        }
        free(m->last_run_id);
        free(m->last_run_phase);
        m->last_run_id = sdup(str_of(last, "experimentRunID"));
        m->last_run_phase = sdup(str_of(last, "phase"));
        m->faults =
            calloc((size_t)cJSON_GetArraySize(cJSON_GetObjectItem(last, "faults")) + 1, sizeof(void *));
        if (!m->faults || !m->last_run_id || !m->last_run_phase)
                r = -ENOMEM;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(last, "faults"))
        {
                if (r < 0 || !(m->faults[m->n_faults] = fault_result(runs, last, f))) {
                        r = -ENOMEM;
                        break;
                }
                m->n_faults++;
        }
        cJSON_Delete(runs);
        return r;
}

static int exp_result(struct backend_ctx *b, const char *id, ExpResult **ret)
{
        ExpResult *m = calloc(1, sizeof(*m));
        cJSON *exp = NULL, *infra = NULL;
        int r;

        if (!m)
                return -ENOMEM;
        rift__results__v1__experiment_result__init(m);
        m->experiment_id = sdup(id);
        r = rift_store_get(b->store, BC_EXPS, id, &exp);
        if (r == RIFT_E_NOTFOUND || cJSON_IsTrue(cJSON_GetObjectItem(exp, "isRemoved"))) {
                m->removed = true;
                r = 0;
        }
        if (r == 0 && !m->removed)
                rift_store_get(b->store, BC_INFRAS, str_of(exp, "infraID"), &infra);
        m->experiment_name = sdup(str_of(exp, "name"));
        m->project_id = sdup(str_of(exp, "projectID"));
        m->infra_id = sdup(str_of(exp, "infraID"));
        m->infra_name = sdup(str_of(infra, "name")[0] ? str_of(infra, "name") : str_of(exp, "infraID"));
        m->last_run_id = sdup("");
        m->last_run_phase = sdup("");
        if (r == 0 && (!m->experiment_id || !m->experiment_name || !m->project_id || !m->infra_id ||
                       !m->infra_name || !m->last_run_id || !m->last_run_phase))
                r = -ENOMEM;
        if (r == 0 && !m->removed)
                r = fill_faults(b, m);
        cJSON_Delete(exp);
        cJSON_Delete(infra);
        if (r < 0) {
                protobuf_c_message_free_unpacked(&m->base, NULL);
                return r;
        }
        *ret = m;
        return 0;
}

static int h_sync(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Results__V1__SyncRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Results__V1__SyncResponse *out;
        size_t limit = in->limit == 0 ? DEFAULT_LIMIT : in->limit > MAX_LIMIT ? MAX_LIMIT : in->limit;
        int64_t until = in->until_ms > 0 ? in->until_ms : backend_now_ms() - SETTLE_MS;
        cJSON *holder = NULL;
        const char **ids = NULL;
        size_t n = 0;
        int r = check_token(b, ctx);

        if (r < 0)
                return r;
        if (in->since_ms < 0 || (in->since_ms > 0 && until < in->since_ms) ||
            strlen(in->after_experiment_id) > RIFT_MAX_ID)
                return rift_rpc_error(ctx, RIFT_E_INVALID,
                                      "since_ms/until_ms: need 0 <= since_ms <= until_ms");
        r = page_ids(b, in->since_ms, until, in->after_experiment_id, limit + 1, &holder, &ids, &n);
        if (r == RIFT_E_TOOBIG)
                return rift_rpc_error(
                    ctx, r, "more changes after since_ms than one sync holds: sync from since_ms = 0");
        if (r < 0)
                return r;
        out = calloc(1, sizeof(*out));
        if (out) {
                rift__results__v1__sync_response__init(out);
                out->until_ms = until;
                out->experiments = calloc(n + 1, sizeof(*out->experiments));
                out->next_after_experiment_id = sdup(n > limit ? ids[limit - 1] : "");
        }
        if (!out || !out->experiments || !out->next_after_experiment_id)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n && i < limit; i++)
                if ((r = exp_result(b, ids[i], &out->experiments[i])) == 0)
                        out->n_experiments++;
        free(ids);
        cJSON_Delete(holder);
        if (r < 0) {
                if (out)
                        protobuf_c_message_free_unpacked(&out->base, NULL);
                return r;
        }
        *ret_out = &out->base;
        return 0;
}

static const struct rift_rpc_method methods[] = {
        { "Sync", &rift__results__v1__sync_request__descriptor, &rift__results__v1__sync_response__descriptor,
          h_sync },
};
static const struct rift_rpc_service service = { "rift.results.v1.ResultService", methods,
                                                 ARRAY_SIZE(methods) };

int results_rpc_mount(struct backend_ctx *b, struct rift_rpc_server *rpc)
{
        return rift_rpc_server_add_service(rpc, &service, b);
}
