/* Safety controls (docs/safety.md): emergency stop (one project, or everything for a global admin),
 * blast-radius guards per environment checked at save and at dispatch, and dry runs.
 *
 * An emergency stop is a document of BC_STOPS ("project/<id>" or "global"). While it is active no run
 * is dispatched in its scope; pressing it cancels every queued or delivered task, asks every running
 * one to stop and wakes the parked Polls of every infrastructure in scope, whose answer carries
 * emergency_stop so the agent reverts at once. */
#include <stdio.h>
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/guard.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define GLOBAL_STOP "global"

static void stop_key(const char *project, char *ret, size_t n)
{
        if (project)
                snprintf(ret, n, "project/%s", project);
        else
                rift_strlcpy(ret, GLOBAL_STOP, n);
}

/* The active stop document covering project (the project's own first), or NULL. */
static cJSON *active_stop(struct backend_ctx *b, const char *project)
{
        char key[RIFT_MAX_ID + 16];
        cJSON *doc = NULL;

        for (int i = 0; i < 2; i++) {
                stop_key(i == 0 ? project : NULL, key, sizeof(key));
                if ((i == 1 || project) && rift_store_get(b->store, BC_STOPS, key, &doc) == 0) {
                        if (cJSON_IsTrue(cJSON_GetObjectItem(doc, "active")))
                                return doc;
                        cJSON_Delete(doc);
                        doc = NULL;
                }
        }
        return NULL;
}

bool safety_estop_active(struct backend_ctx *b, const char *project)
{
        cJSON *doc = active_stop(b, project);
        bool on = doc != NULL;

        cJSON_Delete(doc);
        return on;
}

/* The guards of the environment the infrastructure belongs to (NULL when none), and its name. */
static cJSON *infra_guards(struct backend_ctx *b, const char *project, const char *infra_id, char *env,
                           size_t n)
{
        cJSON *infra = NULL, *e = NULL, *g = NULL;
        char key[2 * RIFT_MAX_ID + 8];
        const cJSON *eid;

        if (!infra_id || rift_store_get(b->store, BC_INFRAS, infra_id, &infra) < 0)
                return NULL;
        eid = cJSON_GetObjectItem(infra, "environmentID");
        if (cJSON_IsString(eid)) {
                snprintf(key, sizeof(key), "%s/%s", project, eid->valuestring);
                rift_strlcpy(env, eid->valuestring, n);
                if (rift_store_get(b->store, BC_ENVS, key, &e) == 0)
                        g = cJSON_DetachItemFromObject(e, "guards");
        }
        cJSON_Delete(e);
        cJSON_Delete(infra);
        return g;
}

int safety_check_save(struct backend_ctx *b, const char *project, const char *infra_id, const cJSON *spec,
                      char *err, size_t n)
{
        char env[RIFT_MAX_ID + 1] = "";
        cJSON *g = infra_guards(b, project, infra_id, env, sizeof(env));
        int r = g ? guard_check_spec(g, env, spec, 0, err, n) : 0;

        cJSON_Delete(g);
        return r;
}

/* Faults that may be active at once on the infrastructure: the largest group of each Running run. */
static int running_faults(struct backend_ctx *b, const char *infra_id)
{
        cJSON *filter = cJSON_CreateObject(), *runs = NULL, *run, *exp = NULL;
        struct rift_store_query sq = { .filter = filter };
        int n = 0;

        cJSON_AddStringToObject(filter, "infraID", infra_id);
        cJSON_AddStringToObject(filter, "phase", "Running");
        if (rift_store_find(b->store, BC_RUNS, &sq, &runs) == 0)
                cJSON_ArrayForEach(run, runs)
                {
                        const cJSON *eid = cJSON_GetObjectItem(run, "experimentID");
                        if (cJSON_IsString(eid) &&
                            rift_store_get(b->store, BC_EXPS, eid->valuestring, &exp) == 0)
                                n += guard_largest_group(cJSON_GetObjectItem(exp, "spec"));
                        cJSON_Delete(exp);
                        exp = NULL;
                }
        cJSON_Delete(runs);
        cJSON_Delete(filter);
        return n;
}

int safety_check_dispatch(struct backend_ctx *b, const cJSON *exp, char *err, size_t n)
{
        const char *project = cJSON_GetObjectItem(exp, "projectID")->valuestring;
        const char *infra_id = cJSON_GetObjectItem(exp, "infraID")->valuestring;
        char env[RIFT_MAX_ID + 1] = "";
        cJSON *stop = active_stop(b, project), *g;
        int r = 0;

        if (stop) {
                const cJSON *by = cJSON_GetObjectItem(stop, "stoppedBy");
                snprintf(err, n, "emergency stop in force (%s, by %s): no run starts until it is released",
                         rift_streq(cJSON_GetObjectItem(stop, "scope")->valuestring, "global")
                             ? "every project"
                             : "this project",
                         cJSON_IsString(by) ? by->valuestring : "?");
                cJSON_Delete(stop);
                return RIFT_E_FORBIDDEN;
        }
        g = infra_guards(b, project, infra_id, env, sizeof(env));
        if (g)
                r = guard_check_spec(g, env, cJSON_GetObjectItem(exp, "spec"), running_faults(b, infra_id),
                                     err, n);
        cJSON_Delete(g);
        return r;
}

/* ---- emergency stop ---- */

/* Ends one active run for the emergency stop: an undelivered task is cancelled, a running one asked to
 * stop. Returns 1 if the run was affected. */
static int estop_run(struct backend_ctx *b, cJSON *run)
{
        const cJSON *tid = cJSON_GetObjectItem(run, "taskID");
        cJSON *task = NULL;
        int r;

        if (!cJSON_IsString(tid) || rift_store_get(b->store, BC_TASKS, tid->valuestring, &task) < 0)
                return 0;
        if (!rift_streq(cJSON_GetObjectItem(task, "state")->valuestring, "running")) {
                backend_set_str(task, "state", "cancelled");
                backend_set_str(run, "phase", "Stopped");
                backend_set_str(run, "message", "emergency stop");
                backend_set_now(run, "updatedAt");
                r = rift_store_update(b->store, BC_TASKS, task, NULL);
                if (r == 0)
                        r = rift_store_update(b->store, BC_RUNS, run, NULL);
                if (r == 0) /* its live streams see Stopped now */
                        backend_sse_notify(b, cJSON_GetObjectItem(run, "experimentRunID")->valuestring);
        } else {
                cJSON_ReplaceItemInObject(task, "stopRequested", cJSON_CreateBool(true));
                cJSON_DeleteItemFromObject(task, "stopRequestedAtMs");
                cJSON_AddNumberToObject(task, "stopRequestedAtMs", (double)backend_now_ms());
                r = rift_store_update(b->store, BC_TASKS, task, NULL);
        }
        cJSON_Delete(task);
        return r == 0;
}

/* Stops every Queued/Running run of project (NULL = every project); returns how many. */
static int estop_runs(struct backend_ctx *b, const char *project)
{
        cJSON *filter = cJSON_CreateObject(), *in = cJSON_CreateArray(), *runs = NULL, *run;
        struct rift_store_query sq = { .filter = filter };
        int n = 0;

        if (project)
                cJSON_AddStringToObject(filter, "projectID", project);
        cJSON_AddItemToArray(in, cJSON_CreateString("Queued"));
        cJSON_AddItemToArray(in, cJSON_CreateString("Running"));
        cJSON_AddItemToObject(cJSON_AddObjectToObject(filter, "phase"), "$in", in);
        if (rift_store_find(b->store, BC_RUNS, &sq, &runs) == 0)
                cJSON_ArrayForEach(run, runs) n += estop_run(b, run);
        cJSON_Delete(runs);
        cJSON_Delete(filter);
        return n;
}

static struct gql_value *stop_status(struct gql_resolve_info *ri, const char *project)
{
        struct gql_req *q = ri->ctx;
        cJSON *doc = active_stop(q->b, project), *out = backend_keep(q, cJSON_CreateObject());

        cJSON_AddBoolToObject(out, "active", doc != NULL);
        if (doc) {
                static const char *const copy[] = { "scope",     "projectID", "reason",
                                                    "stoppedBy", "stoppedAt", "runsStopped" };
                for (size_t i = 0; i < ARRAY_SIZE(copy); i++)
                        cJSON_AddItemToObject(out, copy[i],
                                              cJSON_Duplicate(cJSON_GetObjectItem(doc, copy[i]), true));
                cJSON_Delete(doc);
        }
        return gql_value_opaque(ri->arena, out, "EmergencyStopStatus");
}

/* Stores the stop (project, or global when project is NULL), stops the runs, wakes the agents. */
static int press(struct gql_resolve_info *ri, const char *project, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *reason = backend_arg_str(ri, "reason");
        char key[RIFT_MAX_ID + 16];
        cJSON *doc = cJSON_CreateObject(), *old = NULL;
        int r, n;

        if (reason && strlen(reason) > 512)
                return gql_resolve_error(ri, "reason: at most 512 bytes");
        stop_key(project, key, sizeof(key));
        backend_set_str(doc, "_id", key);
        backend_set_str(doc, "scope", project ? "project" : "global");
        backend_set_str(doc, "projectID", project ? project : "");
        backend_set_str(doc, "reason", reason);
        backend_set_str(doc, "stoppedBy", q->username);
        backend_set_now(doc, "stoppedAt");
        cJSON_AddBoolToObject(doc, "active", true);
        n = estop_runs(q->b, project);
        cJSON_AddNumberToObject(doc, "runsStopped", n);
        r = rift_store_insert(q->b->store, BC_STOPS, doc, NULL);
        if (r == RIFT_E_EXISTS && rift_store_get(q->b->store, BC_STOPS, key, &old) == 0) {
                cJSON_AddItemToObject(doc, "_version",
                                      cJSON_Duplicate(cJSON_GetObjectItem(old, "_version"), true));
                r = rift_store_update(q->b->store, BC_STOPS, doc, NULL);
                cJSON_Delete(old);
        }
        cJSON_Delete(doc);
        if (r < 0)
                return gql_resolve_error(ri, "cannot store the emergency stop");
        infra_rpc_wake_estop(q->b, project);
        log_warn("emergency stop", LOG_STR("scope", project ? project : "global"), LOG_STR("by", q->username),
                 LOG_INT("runs", n));
        *ret = stop_status(ri, project);
        return 0;
}

static int release(struct gql_resolve_info *ri, const char *project, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        char key[RIFT_MAX_ID + 16];
        cJSON *doc = NULL;

        stop_key(project, key, sizeof(key));
        if (rift_store_get(q->b->store, BC_STOPS, key, &doc) == 0) {
                cJSON_ReplaceItemInObject(doc, "active", cJSON_CreateBool(false));
                backend_set_str(doc, "releasedBy", q->username);
                backend_set_now(doc, "releasedAt");
                if (rift_store_update(q->b->store, BC_STOPS, doc, NULL) < 0) {
                        cJSON_Delete(doc);
                        return gql_resolve_error(ri, "cannot release the emergency stop");
                }
                cJSON_Delete(doc);
                infra_rpc_wake_estop(q->b, project);
        }
        *ret = stop_status(ri, project);
        return 0;
}

static int require_admin(struct gql_resolve_info *ri)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        int r = backend_authorize(ri, ROLE_TOKEN, &project);

        if (r < 0)
                return r;
        if (!rift_streq(q->user_role, "admin"))
                return gql_resolve_error(ri, "permission_denied: only a global admin can stop every project");
        return 0;
}

int safety_res_estop(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        return r < 0 ? r : press(ri, project, ret);
}

int safety_res_estop_release(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        return r < 0 ? r : release(ri, project, ret);
}

int safety_res_estop_all(struct gql_resolve_info *ri, struct gql_value **ret)
{
        int r = require_admin(ri);

        return r < 0 ? r : press(ri, NULL, ret);
}

int safety_res_estop_all_release(struct gql_resolve_info *ri, struct gql_value **ret)
{
        int r = require_admin(ri);

        return r < 0 ? r : release(ri, NULL, ret);
}

int safety_res_get_estop(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        *ret = stop_status(ri, project);
        return 0;
}

/* ---- guards ---- */

static int load_env(struct gql_resolve_info *ri, const char *project, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        const char *env = backend_arg_str(ri, "environmentID");
        char key[2 * RIFT_MAX_ID + 8];

        if (!env || !env[0] || strlen(env) > RIFT_MAX_ID || strchr(env, '/'))
                return gql_resolve_error(ri, "environmentID: required");
        snprintf(key, sizeof(key), "%s/%s", project, env);
        if (rift_store_get(q->b->store, BC_ENVS, key, ret) < 0)
                return gql_resolve_error(ri, "environment not found");
        backend_keep(q, *ret);
        return 0;
}

static int copy_list(struct gql_resolve_info *ri, const struct gql_value *in, const char *name, cJSON *out)
{
        const struct gql_value *v = gql_value_field(in, name);
        char msg[160];
        cJSON *a;

        if (!v || v->kind != GQL_LIST)
                return 0;
        if (v->list.n > 256) {
                snprintf(msg, sizeof(msg), "guards.%s: at most 256 entries", name);
                return gql_resolve_error(ri, msg);
        }
        a = cJSON_AddArrayToObject(out, name);
        for (size_t i = 0; i < v->list.n; i++) {
                const struct gql_value *e = v->list.items[i];
                if (!e || e->kind != GQL_STRING || !e->str.len || e->str.len > 255) {
                        snprintf(msg, sizeof(msg), "guards.%s[%zu]: a non-empty string of at most 255 bytes",
                                 name, i);
                        return gql_resolve_error(ri, msg);
                }
                cJSON_AddItemToArray(a, cJSON_CreateString(e->str.s));
        }
        return 0;
}

static int copy_number(struct gql_resolve_info *ri, const struct gql_value *in, const char *name, double max,
                       cJSON *out)
{
        const struct gql_value *v = gql_value_field(in, name);
        char msg[160];

        if (!v || v->kind == GQL_NULL)
                return 0;
        if (v->kind != GQL_INT || v->i < 0 || v->i > max) {
                snprintf(msg, sizeof(msg), "guards.%s: an integer in 0..%.0f", name, max);
                return gql_resolve_error(ri, msg);
        }
        cJSON_AddNumberToObject(out, name, (double)v->i);
        return 0;
}

static const char *const guard_lists[] = { "allowedFaults", "forbiddenFaults", "allowedCIDRs",
                                           "allowedHosts",  "allowedPorts",    "allowedProcessNames",
                                           "allowedPaths" };

static int guards_from_input(struct gql_resolve_info *ri, const struct gql_value *in, cJSON *out)
{
        const char *dur = backend_field_str(in, "maxDuration");
        int64_t ms;
        int r = 0;

        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(guard_lists); i++)
                r = copy_list(ri, in, guard_lists[i], out);
        if (r == 0)
                r = copy_number(ri, in, "maxConcurrentFaults", 64, out);
        if (r == 0)
                r = copy_number(ri, in, "maxCpuLoad", 100, out);
        if (r == 0)
                r = copy_number(ri, in, "maxDiskFill", 100, out);
        if (r < 0)
                return r;
        if (dur && dur[0]) {
                if (rift_parse_duration_ms(dur, &ms) < 0 || ms <= 0)
                        return gql_resolve_error(ri, "guards.maxDuration: a duration such as 90s or 5m");
                cJSON_AddStringToObject(out, "maxDuration", dur);
                cJSON_AddNumberToObject(out, "maxDurationMs", (double)ms);
        }
        return 0;
}

int safety_res_set_guards(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *env, *g;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = load_env(ri, project, &env)) < 0)
                return r;
        g = cJSON_CreateObject();
        if ((r = guards_from_input(ri, gql_arg(ri, "guards"), g)) < 0) {
                cJSON_Delete(g);
                return r;
        }
        cJSON_DeleteItemFromObject(env, "guards");
        cJSON_AddItemToObject(env, "guards", g);
        backend_set_now(env, "updatedAt");
        if (rift_store_update(q->b->store, BC_ENVS, env, NULL) < 0)
                return gql_resolve_error(ri, "cannot store the guards (concurrent update?)");
        *ret = gql_value_opaque(ri->arena, g, "EnvironmentGuards");
        return 0;
}

int safety_res_get_guards(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        cJSON *env;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = load_env(ri, project, &env)) < 0)
                return r;
        *ret = cJSON_IsObject(cJSON_GetObjectItem(env, "guards"))
                   ? gql_value_opaque(ri->arena, cJSON_GetObjectItem(env, "guards"), "EnvironmentGuards")
                   : NULL;
        return 0;
}

/* ---- dry run ---- */

int safety_res_dry_run(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project, *id = backend_arg_str(ri, "experimentID");
        cJSON *doc = NULL, *run, *out;
        char err[512] = "";
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0)
                return r;
        if (!id || !id[0] || strlen(id) > RIFT_MAX_ID || rift_store_get(q->b->store, BC_EXPS, id, &doc) < 0 ||
            !rift_streq(cJSON_GetObjectItem(doc, "projectID")->valuestring, project) ||
            cJSON_IsTrue(cJSON_GetObjectItem(doc, "isRemoved"))) {
                cJSON_Delete(doc);
                return gql_resolve_error(ri, "experiment not found");
        }
        backend_keep(q, doc);
        r = runs_create_ex(q->b, doc, q->username, true, err, sizeof(err), &run);
        if (r < 0)
                return gql_resolve_error(ri, err[0] ? err : "cannot queue the dry run");
        backend_keep(q, run);
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(out, "notifyID", cJSON_GetObjectItem(run, "notifyID")->valuestring);
        cJSON_AddStringToObject(out, "experimentRunID",
                                cJSON_GetObjectItem(run, "experimentRunID")->valuestring);
        *ret = gql_value_opaque(ri->arena, out, "RunChaosExperimentResponse");
        return 0;
}
