/* Experiments and runs over GraphQL: createChaosExperiment, saveChaosExperiment, getExperiment
 * (listExperiment: res_exp_list.c), deleteChaosExperiment (soft), runChaosExperiment, stopExperimentRuns,
 * getExperimentRun, listExperimentRun. Experiments live in "experiments" (_id = experimentID), runs
 * in "experiment_runs" (_id = experimentRunID). */
#include <stdio.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

/* Applies weightages [{faultName, weightage}] to steps named (or of the fault named) faultName. */
static int apply_weightages(struct gql_resolve_info *ri, cJSON *spec, const struct gql_value *w, cJSON *out)
{
        cJSON *g, *s;

        for (size_t i = 0; w && w->kind == GQL_LIST && i < w->list.n; i++) {
                const char *name = backend_field_str(w->list.items[i], "faultName");
                const struct gql_value *v = gql_value_field(w->list.items[i], "weightage");
                bool found = false;
                if (!name || !v || v->kind != GQL_INT || v->i < 0 || v->i > 100)
                        return gql_resolve_error(
                            ri, "request.weightages: faultName and weightage 0..100 required");
                cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(spec, "groups"))
                    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "steps"))
                {
                        if (rift_streq(cJSON_GetObjectItemCaseSensitive(s, "name")->valuestring, name) ||
                            rift_streq(cJSON_GetObjectItemCaseSensitive(s, "fault")->valuestring, name)) {
                                cJSON_ReplaceItemInObjectCaseSensitive(s, "weight",
                                                                       cJSON_CreateNumber((double)v->i));
                                found = true;
                        }
                }
                if (!found)
                        return gql_resolve_error(ri, "request.weightages: faultName matches no step");
        }
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(spec, "groups"))
            cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(g, "steps"))
        {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "faultName",
                                        cJSON_GetObjectItemCaseSensitive(s, "name")->valuestring);
                cJSON_AddNumberToObject(o, "weightage",
                                        cJSON_GetObjectItemCaseSensitive(s, "weight")->valuedouble);
                cJSON_AddItemToArray(out, o);
        }
        return 0;
}

/* The fields createChaosExperiment and saveChaosExperiment share, by their names in each request. */
struct exp_names {
        const char *id, *name, *description, *manifest, *type; /* request field names */
};

/* A CronWorkflow's spec.schedule (kept by manifest_litmus.c as the spec's cronSyntax) is the
 * experiment's schedule unless the request gives one, as ChaosCenter does. */
static int cron_from_manifest(struct gql_resolve_info *ri, const cJSON *spec, cJSON *doc)
{
        const char *cron = cJSON_GetStringValue(cJSON_GetObjectItem(spec, "cronSyntax"));
        char err[256], msg[320];

        if (!cron || cJSON_GetStringValue(cJSON_GetObjectItem(doc, "cronSyntax"))[0])
                return 0;
        if (schedule_check(cron, err, sizeof(err)) < 0) {
                snprintf(msg, sizeof(msg), "spec.schedule: %s",
                         rift_startswith(err, "request.cronSyntax: ") ? err + 20 : err);
                return gql_resolve_error(ri, msg);
        }
        backend_set_str(doc, "cronSyntax", cron);
        return 0;
}

static int build_experiment(struct gql_resolve_info *ri, const char *project, const struct gql_value *req,
                            const struct exp_names *nm, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        const char *manifest = backend_field_str(req, nm->manifest), *name = backend_field_str(req, nm->name);
        const char *id = backend_field_str(req, nm->id);
        char gen[RIFT_UUID_STRLEN + 1], rev[RIFT_UUID_STRLEN + 1], err[512];
        cJSON *spec = NULL, *doc, *infra;
        int r;

        if (!name || !name[0] || strlen(name) > BACKEND_MAX_NAME)
                return gql_resolve_error(ri, "request.experimentName: required, at most 128 bytes");
        if (!manifest)
                return gql_resolve_error(ri, "request.experimentManifest: required");
        if (schedule_check(backend_field_str(req, "cronSyntax"), err, sizeof(err)) < 0)
                return gql_resolve_error(ri, err);
        if ((r = backend_load_infra(ri, project, backend_field_str(req, "infraID"), &infra)) < 0)
                return r;
        if (probe_manifest_parse(q->b, project, manifest, strlen(manifest), &spec, err, sizeof(err)) < 0)
                return gql_resolve_error(ri, err);
        backend_keep(q, spec);
        if (safety_check_save(q->b, project, backend_field_str(req, "infraID"), spec, err, sizeof(err)) < 0)
                return gql_resolve_error(ri, err);
        if (!id || !id[0]) {
                rift_crypto_uuid4(gen);
                id = gen;
        } else if (strlen(id) > RIFT_MAX_ID) {
                return gql_resolve_error(ri, "request.experimentID: too long");
        }
        doc = backend_keep(q, cJSON_CreateObject());
        backend_set_str(doc, "_id", id);
        backend_set_str(doc, "experimentID", id);
        backend_set_str(doc, "projectID", project);
        backend_set_str(doc, "name", name);
        backend_set_str(doc, "description", backend_field_str(req, nm->description));
        backend_set_str(doc, "experimentType", backend_field_str(req, nm->type));
        backend_set_str(doc, "experimentManifest", manifest);
        rift_crypto_uuid4(rev); /* this save's revision (res_revision.c) */
        backend_set_str(doc, "revisionID", rev);
        backend_set_str(doc, "cronSyntax", backend_field_str(req, "cronSyntax"));
        if ((r = cron_from_manifest(ri, spec, doc)) < 0)
                return r;
        backend_set_str(doc, "infraID", backend_field_str(req, "infraID"));
        cJSON_AddBoolToObject(doc, "isRemoved", false);
        cJSON_AddBoolToObject(doc, "isCustomExperiment", true);
        backend_set_now(doc, "createdAt");
        backend_set_now(doc, "updatedAt");
        cJSON_AddItemToObject(doc, "createdBy", backend_user_json(q));
        cJSON_AddItemToObject(doc, "updatedBy", backend_user_json(q));
        if ((r = apply_weightages(ri, spec, gql_value_field(req, "weightages"),
                                  cJSON_AddArrayToObject(doc, "weightages"))) < 0)
                return r;
        cJSON_AddItemReferenceToObject(doc, "spec", spec);
        *ret = doc;
        return 0;
}

/* How store_experiment treats an existing experiment with the same id. */
enum store_mode {
        STORE_NEW,     /* createChaosExperiment: the id must be free */
        STORE_UPSERT,  /* saveChaosExperiment: create or replace */
        STORE_REPLACE, /* updateChaosExperiment: it must exist (and not be deleted) */
};

/* Replaces old with flat (same project only), keeping createdAt and counting the revision. */
static int replace_experiment(struct gql_req *q, cJSON *flat, const cJSON *old)
{
        const cJSON *p = cJSON_GetObjectItem(old, "projectID"), *rev = cJSON_GetObjectItem(old, "revision");

        if (!cJSON_IsString(p) || strcmp(p->valuestring, cJSON_GetObjectItem(flat, "projectID")->valuestring))
                return RIFT_E_EXISTS;
        if (cJSON_IsTrue(cJSON_GetObjectItem(old, "isRemoved")))
                return RIFT_E_NOTFOUND;
        cJSON_ReplaceItemInObject(flat, "createdAt",
                                  cJSON_Duplicate(cJSON_GetObjectItem(old, "createdAt"), true));
        cJSON_ReplaceItemInObject(flat, "createdBy",
                                  cJSON_Duplicate(cJSON_GetObjectItem(old, "createdBy"), true));
        cJSON_ReplaceItemInObject(flat, "revision",
                                  cJSON_CreateNumber(cJSON_IsNumber(rev) ? rev->valuedouble + 1 : 2));
        cJSON_AddItemToObject(flat, "_version", cJSON_Duplicate(cJSON_GetObjectItem(old, "_version"), true));
        return rift_store_update(q->b->store, BC_EXPS, flat, NULL);
}

static int store_experiment(struct gql_resolve_info *ri, cJSON *doc, enum store_mode mode)
{
        struct gql_req *q = ri->ctx;
        cJSON *old = NULL, *flat = cJSON_Duplicate(doc, true);
        int r = RIFT_E_EXISTS;

        if (!flat)
                return gql_resolve_error(ri, "out of memory");
        cJSON_AddNumberToObject(flat, "revision", 1);
        if (mode != STORE_REPLACE)
                r = rift_store_insert(q->b->store, BC_EXPS, flat, NULL);
        if (r == RIFT_E_EXISTS && mode != STORE_NEW) {
                r = rift_store_get(q->b->store, BC_EXPS, cJSON_GetObjectItem(doc, "_id")->valuestring, &old);
                if (r == 0)
                        r = replace_experiment(q, flat, old);
                cJSON_Delete(old);
        }
        if (r >= 0)
                r = revision_store(q->b, flat);
        cJSON_Delete(flat);
        if (r == RIFT_E_EXISTS)
                return gql_resolve_error(ri, "request.experimentID: already used");
        if (r == RIFT_E_NOTFOUND)
                return gql_resolve_error(ri, "experiment not found");
        if (r == 0 && (schedule_sync(q->b, doc) < 0 || exp_index_put(q->b, doc) < 0))
                return gql_resolve_error(ri, "cannot store the experiment's schedule");
        return r < 0 ? gql_resolve_error(ri, "cannot store the experiment") : 0;
}

static const struct exp_names create_names = { "experimentID", "experimentName", "experimentDescription",
                                               "experimentManifest", "experimentType" };
static const struct exp_names save_names = { "id", "name", "description", "manifest", "type" };

static struct gql_value *exp_response(struct gql_resolve_info *ri, const cJSON *doc, const char *project)
{
        cJSON *out = backend_keep(ri->ctx, cJSON_CreateObject());

        cJSON_AddStringToObject(out, "experimentID", cJSON_GetObjectItem(doc, "experimentID")->valuestring);
        cJSON_AddStringToObject(out, "projectID", project);
        cJSON_AddStringToObject(out, "cronSyntax", cJSON_GetObjectItem(doc, "cronSyntax")->valuestring);
        cJSON_AddStringToObject(out, "experimentName", cJSON_GetObjectItem(doc, "name")->valuestring);
        cJSON_AddStringToObject(out, "experimentDescription",
                                cJSON_GetObjectItem(doc, "description")->valuestring);
        cJSON_AddBoolToObject(out, "isCustomExperiment", true);
        return gql_value_opaque(ri->arena, out, "ChaosExperimentResponse");
}

/* updateChaosExperiment: a new revision of an existing experiment (Owner or Executor, as in Litmus). */
int res_update_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project, *id = backend_field_str(req, "experimentID");
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0)
                return r;
        if (!id || !id[0])
                return gql_resolve_error(ri, "request.experimentID: required");
        if ((r = build_experiment(ri, project, req, &create_names, &doc)) < 0 ||
            (r = store_experiment(ri, doc, STORE_REPLACE)) < 0)
                return r;
        *ret = exp_response(ri, doc, project);
        return 0;
}

int res_create_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request"), *run = gql_value_field(req, "runExperiment");
        const char *project;
        cJSON *doc, *created;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = build_experiment(ri, project, req, &create_names, &doc)) < 0 ||
            (r = store_experiment(ri, doc, STORE_NEW)) < 0)
                return r;
        if (run && run->kind == GQL_BOOLEAN && run->b && runs_create(q->b, doc, q->username, &created) == 0)
                backend_keep(q, created);
        *ret = exp_response(ri, doc, project);
        return 0;
}

int res_save_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = build_experiment(ri, project, req, &save_names, &doc)) < 0 ||
            (r = store_experiment(ri, doc, STORE_UPSERT)) < 0)
                return r;
        *ret = gql_value_string(ri->arena, "experiment saved", 16);
        return 0;
}

static int load_experiment(struct gql_resolve_info *ri, const char *project, const char *id, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        cJSON *doc = NULL;
        const cJSON *p;
        int r;

        if (!id || !id[0] || strlen(id) > RIFT_MAX_ID)
                return gql_resolve_error(ri, "experimentID: required");
        r = rift_store_get(q->b->store, BC_EXPS, id, &doc);
        backend_keep(q, doc);
        p = cJSON_GetObjectItemCaseSensitive(doc, "projectID");
        if (r < 0 || !cJSON_IsString(p) || strcmp(p->valuestring, project) ||
            cJSON_IsTrue(cJSON_GetObjectItem(doc, "isRemoved")))
                return gql_resolve_error(ri, "experiment not found");
        *ret = doc;
        return 0;
}

/* Adds the "infra" object (or null) to an experiment or run for output. */
static void attach_infra(struct gql_req *q, cJSON *doc)
{
        const cJSON *id = cJSON_GetObjectItem(doc, "infraID");
        cJSON *infra = NULL;

        if (cJSON_IsString(id) && rift_store_get(q->b->store, BC_INFRAS, id->valuestring, &infra) == 0) {
                cJSON_DeleteItemFromObject(infra, "registrationKeyHash");
                cJSON_DeleteItemFromObject(infra, "accessKeyHash");
                cJSON_AddItemToObject(doc, "infra", infra);
        }
}

int res_get_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *doc, *out, *filter, *runs = NULL, *e;
        struct rift_store_query sq = { 0 };
        double sum = 0;
        int n = 0, r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = load_experiment(ri, project, backend_arg_str(ri, "experimentID"), &doc)) < 0)
                return r;
        attach_infra(q, doc);
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "experimentID",
                                cJSON_GetObjectItem(doc, "experimentID")->valuestring);
        cJSON_AddItemToObject(filter, "resiliencyScore", cJSON_CreateObject());
        cJSON_AddBoolToObject(cJSON_GetObjectItem(filter, "resiliencyScore"), "$exists", true);
        sq.filter = filter;
        if (rift_store_find(q->b->store, BC_RUNS, &sq, &runs) == 0)
                cJSON_ArrayForEach(e, runs)
                {
                        sum += cJSON_GetObjectItem(e, "resiliencyScore")->valuedouble;
                        n++;
                }
        cJSON_Delete(runs);
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddItemReferenceToObject(out, "experimentDetails", doc);
        if (n > 0)
                cJSON_AddNumberToObject(out, "averageResiliencyScore", sum / n);
        *ret = gql_value_opaque(ri->arena, out, "GetExperimentResponse");
        return 0;
}

int res_delete_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project, *run_id = backend_arg_str(ri, "experimentRunID");
        cJSON *doc, *run = NULL;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = load_experiment(ri, project, backend_arg_str(ri, "experimentID"), &doc)) < 0)
                return r;
        if (run_id && run_id[0]) {
                r = rift_store_get(q->b->store, BC_RUNS, run_id, &run);
                backend_keep(q, run);
                if (r < 0 || !rift_streq(cJSON_GetObjectItem(run, "experimentID")->valuestring,
                                         cJSON_GetObjectItem(doc, "experimentID")->valuestring))
                        return gql_resolve_error(ri, "experimentRunID: no such run of this experiment");
                cJSON_ReplaceItemInObject(run, "isRemoved", cJSON_CreateBool(true));
                backend_set_now(run, "updatedAt"); /* rift-exporter's change window */
                r = rift_store_update(q->b->store, BC_RUNS, run, NULL);
        } else {
                runs_stop(q->b, project, cJSON_GetObjectItem(doc, "experimentID")->valuestring, NULL, NULL);
                cJSON_ReplaceItemInObject(doc, "isRemoved", cJSON_CreateBool(true));
                backend_set_now(doc, "updatedAt");
                r = rift_store_update(q->b->store, BC_EXPS, doc, NULL);
                if (r == 0)
                        r = exp_index_put(q->b, doc); /* listExperiment's copy (res_exp_list.c) */
        }
        if (r < 0)
                return gql_resolve_error(ri, "cannot delete");
        *ret = gql_value_bool(ri->arena, true);
        return 0;
}

int res_run_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *doc, *run, *out;
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0 || (r = load_experiment(ri, project, backend_arg_str(ri, "experimentID"), &doc)) < 0)
                return r;
        char err[512] = "";

        r = runs_create_ex(q->b, doc, q->username, false, err, sizeof(err), &run);
        if (r == RIFT_E_FORBIDDEN)
                return gql_resolve_error(ri, err);
        if (r == RIFT_E_NOTFOUND)
                return gql_resolve_error(ri, "the experiment's infrastructure was deleted");
        if (r < 0)
                return gql_resolve_error(ri, "cannot queue the run");
        backend_keep(q, run);
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(out, "notifyID", cJSON_GetObjectItem(run, "notifyID")->valuestring);
        cJSON_AddStringToObject(out, "experimentRunID",
                                cJSON_GetObjectItem(run, "experimentRunID")->valuestring);
        *ret = gql_value_opaque(ri->arena, out, "RunChaosExperimentResponse");
        return 0;
}

int res_stop_runs(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0 || (r = load_experiment(ri, project, backend_arg_str(ri, "experimentID"), &doc)) < 0)
                return r;
        r = runs_stop(((struct gql_req *)ri->ctx)->b, project, backend_arg_str(ri, "experimentID"),
                      backend_arg_str(ri, "experimentRunID"), NULL);
        if (r < 0)
                return gql_resolve_error(ri, "cannot stop the runs");
        *ret = gql_value_bool(ri->arena, true);
        return 0;
}

int res_get_run(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project, *id = backend_arg_str(ri, "experimentRunID"),
                             *notify = backend_arg_str(ri, "notifyID");
        cJSON *filter, *run = NULL;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "projectID", project);
        if (id && id[0])
                cJSON_AddStringToObject(filter, "experimentRunID", id);
        else if (notify && notify[0])
                cJSON_AddStringToObject(filter, "notifyID", notify);
        else
                return gql_resolve_error(ri, "experimentRunID or notifyID: required");
        r = rift_store_find_one(q->b->store, BC_RUNS, filter, &run);
        if (r < 0)
                return gql_resolve_error(ri, "experiment run not found");
        backend_keep(q, run);
        attach_infra(q, run);
        *ret = gql_value_opaque(ri->arena, run, "ExperimentRun");
        return 0;
}

int res_list_runs(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request"), *f = gql_value_field(req, "filter");
        static const struct rift_store_sort by_time = { "createdAt", true };
        const char *project, *v;
        cJSON *filter, *out, *e;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "projectID", project);
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        backend_filter_in(filter, "experimentRunID", gql_value_field(req, "experimentRunIDs"));
        backend_filter_in(filter, "experimentID", gql_value_field(req, "experimentIDs"));
        backend_filter_in(filter, "phase", gql_value_field(f, "experimentRunStatus"));
        if ((v = backend_field_str(f, "infraID")) && v[0])
                cJSON_AddStringToObject(filter, "infraID", v);
        r = backend_list(ri, BC_RUNS, filter, &by_time, gql_value_field(req, "pagination"),
                         "totalNoOfExperimentRuns", "experimentRuns", &out);
        if (r < 0)
                return r;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(out, "experimentRuns")) attach_infra(q, e);
        *ret = gql_value_opaque(ri->arena, out, "ListExperimentRunResponse");
        return 0;
}

int res_run_logs(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const cJSON *task = cJSON_GetObjectItem(ri->parent, "taskID");
        const struct gql_value *after = gql_arg(ri, "afterSeq"), *limit = gql_arg(ri, "limit");
        static const struct rift_store_sort by_seq = { "seq", false };
        struct rift_store_query sq = { .sort = &by_seq, .n_sort = 1 };
        cJSON *filter, *lines = NULL;

        if (!after || after->kind != GQL_INT || after->i < 0 || !limit || limit->kind != GQL_INT ||
            limit->i < 1 || limit->i > (int64_t)BACKEND_MAX_PAGE)
                return gql_resolve_error(ri, "logs: afterSeq >= 0 and limit in 1..100");
        if (!cJSON_IsString(task)) {
                *ret = gql_value_list(ri->arena, 0);
                return 0;
        }
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "taskID", task->valuestring);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "seq"), "$gt", (double)after->i);
        sq.filter = filter;
        sq.limit = (size_t)limit->i;
        if (rift_store_find(q->b->store, BC_LOGS, &sq, &lines) < 0)
                return gql_resolve_error(ri, "cannot read the logs");
        *ret = backend_value(ri, backend_keep(q, lines));
        return 0;
}
