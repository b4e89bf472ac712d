/* Runs and tasks, shared by the GraphQL resolvers and InfraService. A run is stored before its task;
 * the task is stored before any Poll is woken, so what an agent receives is always durable.
 *
 * Task states: queued (waiting for a Poll) -> delivered (returned by Poll to connection C) ->
 * running (ReportStatus) -> done (SubmitResult) | cancelled (stopped before delivery). A delivered
 * task is delivered again to a newer connection (agent restarted before it reported). */
#include <stdio.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

int infra_record_event(struct backend_ctx *b, const char *infra_id, const char *project, const char *type,
                       const char *text)
{
        cJSON *ev = cJSON_CreateObject();
        int r;

        cJSON_AddStringToObject(ev, "infraID", infra_id);
        cJSON_AddStringToObject(ev, "projectID", project ? project : "");
        cJSON_AddStringToObject(ev, "eventType", type);
        cJSON_AddStringToObject(ev, "description", text);
        cJSON_AddNumberToObject(ev, "timeMs", (double)backend_now_ms());
        r = rift_store_insert(b->store, BC_EVENTS, ev, NULL);
        cJSON_Delete(ev);
        log_info("infrastructure event", LOG_STR("infra", infra_id), LOG_STR("event", type));
        return r;
}

/* The run's fault list, one Awaited entry per step. */
static cJSON *initial_faults(const cJSON *spec, int *ret_n)
{
        cJSON *faults = cJSON_CreateArray(), *g, *s;
        int n = 0;

        cJSON_ArrayForEach(g, cJSON_GetObjectItem(spec, "groups"))
            cJSON_ArrayForEach(s, cJSON_GetObjectItem(g, "steps"))
        {
                cJSON *f = cJSON_CreateObject();
                cJSON_AddStringToObject(f, "step", cJSON_GetObjectItem(s, "name")->valuestring);
                cJSON_AddStringToObject(f, "fault", cJSON_GetObjectItem(s, "fault")->valuestring);
                cJSON_AddStringToObject(f, "verdict", "Awaited");
                cJSON_AddNumberToObject(f, "weight", cJSON_GetObjectItem(s, "weight")->valuedouble);
                cJSON_AddItemToArray(faults, f);
                n++;
        }
        *ret_n = n;
        return faults;
}

static cJSON *new_run(struct backend_ctx *b, const cJSON *exp, const char *user, const char *run_id,
                      const char *notify_id)
{
        cJSON *run = cJSON_CreateObject(), *filter = cJSON_CreateObject();
        const char *exp_id = cJSON_GetObjectItem(exp, "experimentID")->valuestring;
        uint64_t seq = 0;
        int n;

        cJSON_AddStringToObject(filter, "experimentID", exp_id);
        rift_store_count(b->store, BC_RUNS, filter, &seq);
        cJSON_Delete(filter);
        backend_set_str(run, "_id", run_id);
        backend_set_str(run, "experimentRunID", run_id);
        backend_set_str(run, "notifyID", notify_id);
        backend_set_str(run, "experimentID", exp_id);
        backend_set_str(run, "experimentName", cJSON_GetObjectItem(exp, "name")->valuestring);
        backend_set_str(run, "projectID", cJSON_GetObjectItem(exp, "projectID")->valuestring);
        backend_set_str(run, "infraID", cJSON_GetObjectItem(exp, "infraID")->valuestring);
        backend_set_str(run, "revisionID", cJSON_GetStringValue(cJSON_GetObjectItem(exp, "revisionID")));
        backend_set_str(run, "phase", "Queued");
        backend_set_str(run, "executionData", "");
        backend_set_str(run, "message", "");
        backend_set_now(run, "createdAt");
        backend_set_now(run, "updatedAt");
        cJSON_AddBoolToObject(run, "isRemoved", false);
        cJSON_AddNumberToObject(run, "runSequence", (double)(seq + 1));
        cJSON_AddItemToObject(run, "faults", initial_faults(cJSON_GetObjectItem(exp, "spec"), &n));
        cJSON_AddNumberToObject(run, "totalFaults", n);
        cJSON_AddNumberToObject(run, "faultsAwaited", n);
        cJSON_AddItemToObject(run, "createdBy", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItem(run, "createdBy"), "username", user ? user : "");
        cJSON_AddStringToObject(cJSON_GetObjectItem(run, "createdBy"), "userID", "");
        return run;
}

static cJSON *new_task(const cJSON *exp, const cJSON *run, const char *task_id)
{
        cJSON *t = cJSON_CreateObject();

        backend_set_str(t, "_id", task_id);
        backend_set_str(t, "taskID", task_id);
        backend_set_str(t, "infraID", cJSON_GetObjectItem(run, "infraID")->valuestring);
        backend_set_str(t, "experimentRunID", cJSON_GetObjectItem(run, "experimentRunID")->valuestring);
        backend_set_str(t, "experimentID", cJSON_GetObjectItem(run, "experimentID")->valuestring);
        backend_set_str(t, "experimentName", cJSON_GetObjectItem(run, "experimentName")->valuestring);
        backend_set_str(t, "state", "queued");
        backend_set_str(t, "deliveredTo", "");
        cJSON_AddBoolToObject(t, "stopRequested", false);
        cJSON_AddBoolToObject(t, "stopDelivered", false);
        cJSON_AddNumberToObject(t, "ackedSeq", 0);
        cJSON_AddNumberToObject(t, "createdAtMs", (double)backend_now_ms());
        cJSON_AddItemToObject(t, "spec", cJSON_Duplicate(cJSON_GetObjectItem(exp, "spec"), true));
        return t;
}

int runs_create(struct backend_ctx *b, const cJSON *exp, const char *user, cJSON **ret_run)
{
        char err[512] = "";
        int r = runs_create_ex(b, exp, user, false, err, sizeof(err), ret_run);

        if (err[0])
                log_warn("run refused",
                         LOG_STR("experiment", cJSON_GetObjectItem(exp, "experimentID")->valuestring),
                         LOG_STR("reason", err));
        return r;
}

int runs_create_ex(struct backend_ctx *b, const cJSON *exp, const char *user, bool dry_run, char *err,
                   size_t errlen, cJSON **ret_run)
{
        char run_id[RIFT_UUID_STRLEN + 1], notify[RIFT_UUID_STRLEN + 1], task_id[RIFT_UUID_STRLEN + 1];
        const cJSON *infra_id = cJSON_GetObjectItem(exp, "infraID");
        cJSON *infra = NULL, *run, *task, *stored = NULL;
        int r;

        if ((r = safety_check_dispatch(b, exp, err, errlen)) < 0) /* emergency stop, guards */
                return r;
        r = rift_store_get(b->store, BC_INFRAS, infra_id->valuestring, &infra);
        if (r == 0 && cJSON_IsTrue(cJSON_GetObjectItem(infra, "isRemoved")))
                r = RIFT_E_NOTFOUND;
        cJSON_Delete(infra);
        if (r < 0)
                return r;
        if ((r = rift_crypto_uuid4(run_id)) < 0 || (r = rift_crypto_uuid4(notify)) < 0 ||
            (r = rift_crypto_uuid4(task_id)) < 0)
                return r;
        run = new_run(b, exp, user, run_id, notify);
        backend_set_str(run, "taskID", task_id);
        cJSON_AddBoolToObject(run, "dryRun", dry_run);
        r = rift_store_insert(b->store, BC_RUNS, run, &stored);
        cJSON_Delete(run);
        if (r < 0)
                return r;
        task = new_task(exp, stored, task_id);
        cJSON_AddBoolToObject(task, "dryRun", dry_run);
        /* saved probes: the definition current when the run is queued */
        r = probe_snapshot(b, cJSON_GetObjectItem(exp, "projectID")->valuestring,
                           cJSON_GetObjectItem(task, "spec"));
        if (r == 0)
                r = rift_store_insert(b->store, BC_TASKS, task, NULL);
        cJSON_Delete(task);
        if (r < 0) {
                cJSON_Delete(stored);
                return r;
        }
        infra_rpc_wake(b, infra_id->valuestring);
        *ret_run = stored;
        return 0;
}

/* Marks one run Stopped (queued: the task is cancelled) or asks its agent to stop. */
static int stop_one(struct backend_ctx *b, cJSON *run)
{
        const cJSON *phase = cJSON_GetObjectItem(run, "phase"), *tid = cJSON_GetObjectItem(run, "taskID");
        cJSON *task = NULL;
        int r;

        if (!cJSON_IsString(phase) ||
            (strcmp(phase->valuestring, "Queued") && strcmp(phase->valuestring, "Running")))
                return 0;
        if (!cJSON_IsString(tid) || rift_store_get(b->store, BC_TASKS, tid->valuestring, &task) < 0)
                return RIFT_E_NOTFOUND;
        if (rift_streq(cJSON_GetObjectItem(task, "state")->valuestring, "queued")) {
                backend_set_str(task, "state", "cancelled");
                backend_set_str(run, "phase", "Stopped");
                backend_set_str(run, "message", "stopped before the infrastructure received it");
                backend_set_now(run, "updatedAt");
                r = rift_store_update(b->store, BC_TASKS, task, NULL);
                if (r == 0)
                        r = rift_store_update(b->store, BC_RUNS, run, NULL);
        } else {
                cJSON_ReplaceItemInObject(task, "stopRequested", cJSON_CreateBool(true));
                cJSON_DeleteItemFromObject(task, "stopRequestedAtMs");
                cJSON_AddNumberToObject(task, "stopRequestedAtMs", (double)backend_now_ms());
                r = rift_store_update(b->store, BC_TASKS, task, NULL);
                if (r == 0)
                        infra_rpc_wake(b, cJSON_GetObjectItem(task, "infraID")->valuestring);
        }
        cJSON_Delete(task);
        return r;
}

int runs_stop(struct backend_ctx *b, const char *project, const char *exp_id, const char *run_id,
              uint64_t *ret_n)
{
        cJSON *filter = cJSON_CreateObject(), *in = cJSON_CreateArray(), *runs = NULL, *run;
        struct rift_store_query sq = { .filter = filter };
        uint64_t n = 0;
        int r;

        cJSON_AddStringToObject(filter, "projectID", project);
        cJSON_AddStringToObject(filter, "experimentID", exp_id);
        if (run_id && run_id[0])
                cJSON_AddStringToObject(filter, "experimentRunID", run_id);
        cJSON_AddItemToArray(in, cJSON_CreateString("Queued"));
        cJSON_AddItemToArray(in, cJSON_CreateString("Running"));
        cJSON_AddItemToObject(cJSON_AddObjectToObject(filter, "phase"), "$in", in);
        r = rift_store_find(b->store, BC_RUNS, &sq, &runs);
        cJSON_Delete(filter);
        if (r < 0)
                return r;
        cJSON_ArrayForEach(run, runs) if (stop_one(b, run) == 0) n++;
        cJSON_Delete(runs);
        if (ret_n)
                *ret_n = n;
        return 0;
}
