/* Timers of rift-backend's InfraService side: infrastructures silent for INFRA_INACTIVITY_TIMEOUT
 * become inactive (with an event), Running runs past their deadline become Timeout, and parked polls
 * are woken for tasks another rift-backend process queued or asked to stop on the shared store. */
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/store.h"
#include "services/backend/backend.h"

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItem(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

/* Running runs past their deadline become Timeout; their agent is asked to stop (Poll, ReportStatus)
 * and a later SubmitResult is answered as a duplicate. */
static void timeout_runs(struct backend_ctx *b)
{
        cJSON *filter = cJSON_CreateObject(), *runs = NULL, *run, *t = NULL;
        struct rift_store_query sq = { .filter = filter, .limit = 1000 };

        cJSON_AddStringToObject(filter, "phase", "Running");
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "deadlineMs"), "$lt",
                                (double)backend_now_ms());
        if (rift_store_find(b->store, BC_RUNS, &sq, &runs) == 0)
                cJSON_ArrayForEach(run, runs)
                {
                        backend_set_str(run, "phase", "Timeout");
                        backend_set_str(run, "message", "no result before the run's deadline");
                        backend_set_now(run, "updatedAt");
                        if (rift_store_update(b->store, BC_RUNS, run, NULL) < 0 ||
                            rift_store_get(b->store, BC_TASKS, str_of(run, "taskID"), &t) < 0)
                                continue;
                        backend_obs_run_final(b, "Timeout", strtoll(str_of(run, "createdAt"), NULL, 10));
                        cJSON_ReplaceItemInObject(t, "stopRequested", cJSON_CreateBool(true));
                        cJSON_DeleteItemFromObject(t, "timedOut");
                        cJSON_AddBoolToObject(t, "timedOut", true);
                        if (rift_store_update(b->store, BC_TASKS, t, NULL) == 0)
                                log_warn("run timed out", LOG_STR("run", str_of(run, "experimentRunID")));
                        cJSON_Delete(t);
                        t = NULL;
                }
        cJSON_Delete(runs);
        cJSON_Delete(filter);
}

/* Queued runs whose infrastructure never took the task (inactive, or gone) within RUN_QUEUE_TIMEOUT
 * become Timeout; the task is cancelled so a late Poll does not start it. */
static void timeout_queued(struct backend_ctx *b)
{
        cJSON *filter = cJSON_CreateObject(), *tasks = NULL, *t, *run = NULL;
        struct rift_store_query sq = { .filter = filter, .limit = 1000 };
        char msg[256];

        cJSON_AddStringToObject(filter, "state", "queued");
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "createdAtMs"), "$lt",
                                (double)(backend_now_ms() - b->cfg->queue_timeout_ms));
        if (rift_store_find(b->store, BC_TASKS, &sq, &tasks) == 0)
                cJSON_ArrayForEach(t, tasks)
                {
                        backend_set_str(t, "state", "cancelled");
                        if (rift_store_update(b->store, BC_TASKS, t, NULL) < 0) /* taken meanwhile */
                                continue;
                        if (rift_store_get(b->store, BC_RUNS, str_of(t, "experimentRunID"), &run) == 0 &&
                            !strcmp(str_of(run, "phase"), "Queued")) {
                                snprintf(msg, sizeof(msg),
                                         "the infrastructure did not pick the run up within %lld ms "
                                         "(RUN_QUEUE_TIMEOUT): is its agent running and connected?",
                                         (long long)b->cfg->queue_timeout_ms);
                                backend_set_str(run, "phase", "Timeout");
                                backend_set_str(run, "message", msg);
                                backend_set_now(run, "updatedAt");
                                if (rift_store_update(b->store, BC_RUNS, run, NULL) == 0)
                                        log_warn("queued run timed out",
                                                 LOG_STR("run", str_of(run, "experimentRunID")),
                                                 LOG_STR("infra", str_of(t, "infraID")));
                        }
                        cJSON_Delete(run);
                        run = NULL;
                }
        cJSON_Delete(tasks);
        cJSON_Delete(filter);
}

/* ---- liveness ---- */
static void liveness_check(evutil_socket_t fd, short what, void *arg)
{
        struct backend_ctx *b = arg;
        cJSON *filter = cJSON_CreateObject(), *stale = NULL, *i;
        struct rift_store_query sq = { .filter = filter, .limit = 1000 };

        cJSON_AddBoolToObject(filter, "isActive", true);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "lastHeartbeatMs"), "$lt",
                                (double)(backend_now_ms() - b->cfg->infra_timeout_ms));
        if (rift_store_find(b->store, BC_INFRAS, &sq, &stale) == 0)
                cJSON_ArrayForEach(i, stale)
                {
                        cJSON_ReplaceItemInObject(i, "isActive", cJSON_CreateBool(false));
                        if (rift_store_update(b->store, BC_INFRAS, i, NULL) == 0)
                                infra_record_event(b, str_of(i, "infraID"), str_of(i, "projectID"),
                                                   "inactive", "no heartbeat within the inactivity timeout");
                }
        cJSON_Delete(stale);
        cJSON_Delete(filter);
        timeout_runs(b);
        timeout_queued(b);
}

/* Another rift-backend on the same store may queue a task (or ask to stop one) for an infrastructure
 * whose poll is parked here: every CROSS_WAKE_MS, tasks queued or asked to stop in the last
 * CROSS_WAKE_WINDOW_MS wake this process's parked polls of their infrastructures (what the poll
 * returns comes from the store, as always). */
#define CROSS_WAKE_MS        250
#define CROSS_WAKE_WINDOW_MS 5000
/* Wakes the parked polls of the infrastructures of tasks matching field >= now - window. */
static void wake_recent(struct backend_ctx *b, const char *state_field, cJSON *state, const char *time_field)
{
        cJSON *filter = cJSON_CreateObject(), *tasks = NULL, *t;
        struct rift_store_query sq = { .filter = filter, .limit = 1000 };

        cJSON_AddItemToObject(filter, state_field, state);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, time_field), "$gte",
                                (double)(backend_now_ms() - CROSS_WAKE_WINDOW_MS));
        if (rift_store_find(b->store, BC_TASKS, &sq, &tasks) == 0)
                cJSON_ArrayForEach(t, tasks) if (b->n_waiters) infra_rpc_wake(b, str_of(t, "infraID"));
        cJSON_Delete(tasks);
        cJSON_Delete(filter);
}

static void cross_wake(evutil_socket_t fd, short what, void *arg)
{
        struct backend_ctx *b = arg;

        if (b->n_waiters)
                wake_recent(b, "state", cJSON_CreateString("queued"), "createdAtMs");
        if (b->n_waiters)
                wake_recent(b, "stopRequested", cJSON_CreateTrue(), "stopRequestedAtMs");
}

int infra_liveness_start(struct backend_ctx *b)
{
        struct timeval cw = { .tv_sec = 0, .tv_usec = CROSS_WAKE_MS * 1000 };

        /* a quarter of the timeout, within 100 ms .. 5 s: inactivity is noticed within 125% of it */
        int64_t every = b->cfg->infra_timeout_ms / 4 < 100    ? 100
                        : b->cfg->infra_timeout_ms / 4 > 5000 ? 5000
                                                              : b->cfg->infra_timeout_ms / 4;
        struct timeval tv = { .tv_sec = every / 1000, .tv_usec = (every % 1000) * 1000 };

        if (schedule_start(b) < 0) /* cron experiments (schedule.c) */
                return -ENOMEM;
        b->liveness = event_new(b->base, -1, EV_PERSIST, liveness_check, b);
        b->cross_wake = event_new(b->base, -1, EV_PERSIST, cross_wake, b);
        if (!b->liveness || !b->cross_wake || event_add(b->cross_wake, &cw) < 0)
                return -ENOMEM;
        return event_add(b->liveness, &tv) < 0 ? -EIO : 0;
}
