/* getExperimentStats (experiments by average resilience score: 0-39, 40-79, 80-100) and
 * getExperimentRunStats (runs by phase) for one project. */
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "services/backend/backend.h"

static uint64_t count_runs(struct backend_ctx *b, const char *project, const char *phase)
{
        cJSON *f = cJSON_CreateObject();
        uint64_t n = 0;

        cJSON_AddStringToObject(f, "projectID", project);
        cJSON_AddBoolToObject(f, "isRemoved", false);
        if (phase)
                cJSON_AddStringToObject(f, "phase", phase);
        rift_store_count(b->store, BC_RUNS, f, &n);
        cJSON_Delete(f);
        return n;
}

int res_run_stats(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const struct {
                const char *field; /* response field */
                const char *phase; /* runs counted, NULL = all */
        } rows[] = {
                { "totalExperimentRuns", NULL },
                { "totalCompletedExperimentRuns", "Completed" },
                { "totalTerminatedExperimentRuns", "Terminated" },
                { "totalRunningExperimentRuns", "Running" },
                { "totalStoppedExperimentRuns", "Stopped" },
                { "totalErroredExperimentRuns", "Error" },
        };
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *out;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        out = backend_keep(q, cJSON_CreateObject());
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
                cJSON_AddNumberToObject(out, rows[i].field, (double)count_runs(q->b, project, rows[i].phase));
        *ret = gql_value_opaque(ri->arena, out, "GetExperimentRunStatsResponse");
        return 0;
}

/* Adds each finished run's score to its experiment's sum (and count) in sums {expID: [sum, n]}. */
static int sum_scores(struct backend_ctx *b, const char *project, cJSON *sums)
{
        cJSON *f = cJSON_CreateObject(), *runs = NULL, *run;
        struct rift_store_query sq = { .filter = f };
        int r;

        cJSON_AddStringToObject(f, "projectID", project);
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(f, "resiliencyScore"), "$exists", true);
        r = rift_store_find(b->store, BC_RUNS, &sq, &runs);
        cJSON_Delete(f);
        if (r < 0)
                return r;
        cJSON_ArrayForEach(run, runs)
        {
                const char *id = cJSON_GetObjectItem(run, "experimentID")->valuestring;
                cJSON *e = cJSON_GetObjectItem(sums, id);
                if (!e) {
                        e = cJSON_AddArrayToObject(sums, id);
                        cJSON_AddItemToArray(e, cJSON_CreateNumber(0));
                        cJSON_AddItemToArray(e, cJSON_CreateNumber(0));
                }
                cJSON_SetNumberValue(e->child, e->child->valuedouble +
                                                   cJSON_GetObjectItem(run, "resiliencyScore")->valuedouble);
                cJSON_SetNumberValue(e->child->next, e->child->next->valuedouble + 1);
        }
        cJSON_Delete(runs);
        return 0;
}

int res_experiment_stats(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const int bucket_ids[] = { 0, 40, 80 }; /* lower bounds, as Litmus groups them */
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *out, *sums, *exps = NULL, *e, *cats;
        cJSON *f;
        struct rift_store_query sq = { 0 };
        int counts[ARRAY_SIZE(bucket_ids)] = { 0 }, total = 0;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        sums = backend_keep(q, cJSON_CreateObject());
        f = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(f, "projectID", project);
        cJSON_AddBoolToObject(f, "isRemoved", false);
        sq.filter = f;
        if (sum_scores(q->b, project, sums) < 0 || rift_store_find(q->b->store, BC_EXPS, &sq, &exps) < 0)
                return gql_resolve_error(ri, "cannot read the store");
        backend_keep(q, exps);
        cJSON_ArrayForEach(e, exps)
        {
                const cJSON *s =
                    cJSON_GetObjectItem(sums, cJSON_GetObjectItem(e, "experimentID")->valuestring);
                total++;
                if (!s)
                        continue;
                double avg = s->child->valuedouble / s->child->next->valuedouble;
                counts[avg >= 80 ? 2 : avg >= 40 ? 1 : 0]++;
        }
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddNumberToObject(out, "totalExperiments", total);
        cats = cJSON_AddArrayToObject(out, "totalExpCategorizedByResiliencyScore");
        for (size_t i = 0; i < ARRAY_SIZE(bucket_ids); i++) {
                cJSON *c = cJSON_CreateObject();
                cJSON_AddNumberToObject(c, "id", bucket_ids[i]);
                cJSON_AddNumberToObject(c, "count", counts[i]);
                cJSON_AddItemToArray(cats, c);
        }
        *ret = gql_value_opaque(ri->arena, out, "GetExperimentStatsResponse");
        return 0;
}
