/* Experiment revisions: every create, save and update stores one (Litmus's `revision` list:
 * revisionID, experimentManifest, updatedAt, updatedBy, weightages) in "experiment_revisions"; the
 * experiment keeps the current revisionID, and a run records the revisionID it ran (runs.c). At
 * most MAX_REVISIONS are kept per experiment: the oldest go first. */
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "services/backend/backend.h"

#define MAX_REVISIONS 50u /* revisions kept per experiment */
#define RECENT_RUNS   10u /* runs in Experiment.recentExperimentRunDetails (as Litmus) */

static void copy_member(cJSON *to, const cJSON *from, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);

        if (v)
                cJSON_AddItemToObject(to, key, cJSON_Duplicate(v, true));
}

/* Deletes the oldest revisions of experiment beyond MAX_REVISIONS. */
static int prune(struct backend_ctx *b, const char *experiment)
{
        static const struct rift_store_sort oldest = { "number", false };
        struct rift_store_query sq = { .sort = &oldest, .n_sort = 1 };
        cJSON *filter = cJSON_CreateObject(), *old = NULL, *e;
        uint64_t n = 0;
        int r;

        cJSON_AddStringToObject(filter, "experimentID", experiment);
        r = rift_store_count(b->store, BC_REVISIONS, filter, &n);
        if (r == 0 && n > MAX_REVISIONS) {
                sq.filter = filter;
                sq.limit = (size_t)(n - MAX_REVISIONS);
                r = rift_store_find(b->store, BC_REVISIONS, &sq, &old);
                cJSON_ArrayForEach(e, old)
                    rift_store_delete(b->store, BC_REVISIONS, cJSON_GetObjectItem(e, "_id")->valuestring);
                cJSON_Delete(old);
        }
        cJSON_Delete(filter);
        return r;
}

int revision_store(struct backend_ctx *b, const cJSON *exp)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(exp, "revisionID");
        const cJSON *num = cJSON_GetObjectItemCaseSensitive(exp, "revision");
        cJSON *rev;
        int r;

        if (!cJSON_IsString(id))
                return RIFT_E_INVALID;
        rev = cJSON_CreateObject();
        cJSON_AddStringToObject(rev, "_id", id->valuestring);
        cJSON_AddNumberToObject(rev, "number", cJSON_IsNumber(num) ? num->valuedouble : 1);
        copy_member(rev, exp, "revisionID");
        copy_member(rev, exp, "experimentID");
        copy_member(rev, exp, "projectID");
        copy_member(rev, exp, "experimentManifest");
        copy_member(rev, exp, "updatedAt");
        copy_member(rev, exp, "updatedBy");
        copy_member(rev, exp, "weightages");
        r = rift_store_insert(b->store, BC_REVISIONS, rev, NULL);
        cJSON_Delete(rev);
        return r < 0 ? r : prune(b, cJSON_GetObjectItem(exp, "experimentID")->valuestring);
}

/* The documents of coll that belong to the parent experiment (the parent was authorised by its root
 * field and carries its project), in sort order, at most limit. */
static int exp_children(struct gql_resolve_info *ri, const char *coll, const struct rift_store_sort *sort,
                        size_t limit, const char *what, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        struct rift_store_query sq = { .sort = sort, .n_sort = 1, .limit = limit };
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(ri->parent, "experimentID");
        const cJSON *project = cJSON_GetObjectItemCaseSensitive(ri->parent, "projectID");
        cJSON *filter, *docs = NULL;

        if (!cJSON_IsString(exp) || !cJSON_IsString(project)) {
                *ret = gql_value_list(ri->arena, 0);
                return 0;
        }
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "experimentID", exp->valuestring);
        cJSON_AddStringToObject(filter, "projectID", project->valuestring);
        sq.filter = filter;
        if (rift_store_find(q->b->store, coll, &sq, &docs) < 0)
                return gql_resolve_error(ri, what);
        *ret = backend_value(ri, backend_keep(q, docs));
        return 0;
}

/* Experiment.revision: the stored revisions, oldest first. */
int res_exp_revisions(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const struct rift_store_sort by_number = { "number", false };

        return exp_children(ri, BC_REVISIONS, &by_number, MAX_REVISIONS, "cannot read the revisions", ret);
}

/* Experiment.recentExperimentRunDetails: the newest runs (Litmus keeps ten), newest first. Read from the
 * runs collection (indexed by experimentID), so it is never stale. */
int res_exp_recent_runs(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const struct rift_store_sort newest = { "runSequence", true };

        return exp_children(ri, BC_RUNS, &newest, RECENT_RUNS, "cannot read the experiment's runs", ret);
}
