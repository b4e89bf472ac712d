/* Cron experiments: an experiment with a cronSyntax has a document in "schedules" (_id = experimentID)
 * holding its next slot. A timer on the loop (every SCHEDULE_TICK_MS) finds due slots; a slot is
 * claimed by a conditional update of that document (its _version), so when several rift-backend
 * processes share a store exactly one of them starts the run. A slot found more than
 * SCHEDULE_LATE_MS after its time (no backend was running then) is not run late: it is recorded as a
 * run in phase Skipped whose message says why. updateCronExperimentState pauses and resumes a schedule
 * (slots while paused are not recorded). A claim lists its slots as "pending" until their runs are stored;
 * if the claiming process dies in between, another process (or this one after a restart) finds them
 * pending after SCHEDULE_RECLAIM_MS and records each slot that has no run as Skipped, so a slot is never
 * silently lost and never run twice (runs carry scheduledSlotMs).
 *
 * Test-only: RIFT_TEST_CLOCK_OFFSET_FILE names a file holding milliseconds added to the wall clock (read
 * again at most every 100 ms), so tests move the backend's time without touching the machine's clock. */
#include <event2/event.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/graphql/graphql.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define SCHEDULE_TICK_MS     1000  /* how often due slots are looked for */
#define SCHEDULE_LATE_MS     60000 /* a slot older than this is Skipped, not run */
#define SCHEDULE_MAX_SKIPPED 20    /* missed slots recorded per schedule at once (the rest are summarised) */
#define SCHEDULE_BATCH       100   /* due schedules handled per tick */
#define SCHEDULE_RECLAIM_MS  30000 /* claimed slots still pending this long: their claimer died */

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

int schedule_check(const char *cron, char *err, size_t n)
{
        struct cron_spec c;
        char why[192];

        if (!cron || !cron[0])
                return 0;
        if (cron_parse(cron, &c, why, sizeof(why)) < 0) {
                snprintf(err, n, "request.cronSyntax: %s", why);
                return RIFT_E_INVALID;
        }
        return 0;
}

int schedule_sync(struct backend_ctx *b, const cJSON *exp)
{
        const char *id = str_of(exp, "experimentID"), *cron = str_of(exp, "cronSyntax");
        cJSON *old = NULL, *doc;
        struct cron_spec c;
        int r = rift_store_get(b->store, BC_SCHEDULES, id, &old);

        if (r < 0 && r != RIFT_E_NOTFOUND)
                return r;
        if (!cron[0] || cron_parse(cron, &c, NULL, 0) < 0) {
                cJSON_Delete(old);
                r = rift_store_delete(b->store, BC_SCHEDULES, id);
                return r == RIFT_E_NOTFOUND ? 0 : r;
        }
        if (old && !strcmp(str_of(old, "cronSyntax"), cron)) { /* same schedule: slots go on */
                cJSON_Delete(old);
                return 0;
        }
        doc = old ? old : cJSON_CreateObject();
        backend_set_str(doc, "_id", id);
        backend_set_str(doc, "experimentID", id);
        backend_set_str(doc, "projectID", str_of(exp, "projectID"));
        backend_set_str(doc, "cronSyntax", cron);
        if (!cJSON_GetObjectItem(doc, "disabled"))
                cJSON_AddBoolToObject(doc, "disabled", false);
        cJSON_DeleteItemFromObject(doc, "nextSlotMs");
        cJSON_AddNumberToObject(doc, "nextSlotMs", (double)cron_next(&c, backend_now_ms()));
        r = old ? rift_store_update(b->store, BC_SCHEDULES, doc, NULL)
                : rift_store_insert(b->store, BC_SCHEDULES, doc, NULL);
        cJSON_Delete(doc);
        return r;
}

/* A run that did not happen: phase Skipped, the slot and why in its message. */
static int record_skipped(struct backend_ctx *b, const cJSON *exp, int64_t slot, const char *why)
{
        char id[RIFT_UUID_STRLEN + 1], at[32], msg[512];
        cJSON *run = cJSON_CreateObject(), *filter = cJSON_CreateObject();
        uint64_t seq = 0;
        int r;

        cJSON_AddStringToObject(filter, "experimentID", str_of(exp, "experimentID"));
        rift_store_count(b->store, BC_RUNS, filter, &seq);
        cJSON_Delete(filter);
        rift_crypto_uuid4(id);
        rift_clock_format_rfc3339(slot, at);
        snprintf(msg, sizeof(msg), "scheduled for %s (cron \"%s\"): %s", at, str_of(exp, "cronSyntax"), why);
        backend_set_str(run, "_id", id);
        backend_set_str(run, "experimentRunID", id);
        backend_set_str(run, "notifyID", id);
        backend_set_str(run, "experimentID", str_of(exp, "experimentID"));
        backend_set_str(run, "experimentName", str_of(exp, "name"));
        backend_set_str(run, "projectID", str_of(exp, "projectID"));
        backend_set_str(run, "infraID", str_of(exp, "infraID"));
        backend_set_str(run, "phase", "Skipped");
        backend_set_str(run, "executionData", "");
        backend_set_str(run, "message", msg);
        backend_set_now(run, "createdAt");
        backend_set_now(run, "updatedAt");
        cJSON_AddNumberToObject(run, "scheduledSlotMs", (double)slot);
        cJSON_AddBoolToObject(run, "isRemoved", false);
        cJSON_AddNumberToObject(run, "runSequence", (double)(seq + 1));
        cJSON_AddArrayToObject(run, "faults");
        cJSON_AddNumberToObject(run, "totalFaults", 0);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "createdBy"), "username", "scheduler");
        r = rift_store_insert(b->store, BC_RUNS, run, NULL);
        cJSON_Delete(run);
        log_warn("scheduled run skipped", LOG_STR("experiment", str_of(exp, "experimentID")),
                 LOG_STR("slot", at), LOG_STR("reason", why));
        return r;
}

/* Starts (or records) the runs of the claimed slots. */
static void fire(struct backend_ctx *b, const cJSON *exp, const int64_t *slots, size_t n, size_t missed_more,
                 int64_t now)
{
        char why[256], since[32];

        for (size_t i = 0; i < n; i++) {
                cJSON *run = NULL;
                int r;
                if (now - slots[i] > SCHEDULE_LATE_MS) {
                        rift_clock_format_rfc3339(now, since);
                        snprintf(
                            why, sizeof(why),
                            "missed: no rift-backend ran the schedule until %s; a slot is not run late%s",
                            since, i == 0 && missed_more ? " (older missed slots were not recorded)" : "");
                        record_skipped(b, exp, slots[i], why);
                        continue;
                }
                r = runs_create(b, exp, "scheduler", &run);
                if (r < 0) {
                        snprintf(why, sizeof(why), "the run could not be queued: %s",
                                 r == RIFT_E_NOTFOUND ? "the experiment's infrastructure was deleted"
                                                      : rift_strerror(r));
                        record_skipped(b, exp, slots[i], why);
                        continue;
                }
                cJSON_AddNumberToObject(run, "scheduledSlotMs", (double)slots[i]); /* for reclaim() */
                rift_store_update(b->store, BC_RUNS, run, NULL);
                log_info("scheduled run queued", LOG_STR("experiment", str_of(exp, "experimentID")),
                         LOG_STR("run", str_of(run, "experimentRunID")));
                cJSON_Delete(run);
        }
}

/* One due schedule: claims its slots (conditional update), then fires them. */
static void due(struct backend_ctx *b, cJSON *s, int64_t now)
{
        int64_t slots[SCHEDULE_MAX_SKIPPED + 1],
            slot = (int64_t)cJSON_GetObjectItem(s, "nextSlotMs")->valuedouble;
        size_t n = 0, more = 0;
        struct cron_spec c;
        cJSON *exp = NULL;

        if (rift_store_get(b->store, BC_EXPS, str_of(s, "experimentID"), &exp) < 0 ||
            cJSON_IsTrue(cJSON_GetObjectItem(exp, "isRemoved")) ||
            cron_parse(str_of(s, "cronSyntax"), &c, NULL, 0) < 0) {
                rift_store_delete(b->store, BC_SCHEDULES,
                                  str_of(s, "_id")); /* deleted experiment: no schedule */
                cJSON_Delete(exp);
                return;
        }
        for (; slot >= 0 && slot <= now; slot = cron_next(&c, slot)) {
                if (n == SCHEDULE_MAX_SKIPPED + 1) {
                        memmove(slots, slots + 1, SCHEDULE_MAX_SKIPPED * sizeof(*slots));
                        n--;
                        more++;
                }
                slots[n++] = slot;
        }
        cJSON_DeleteItemFromObject(s, "nextSlotMs");
        cJSON_AddNumberToObject(s, "nextSlotMs", (double)slot);
        cJSON_DeleteItemFromObject(s, "lastSlotMs");
        cJSON_AddNumberToObject(s, "lastSlotMs", (double)slots[n - 1]);
        cJSON *pending = cJSON_CreateArray(), *stored = NULL;
        for (size_t i = 0; i < n; i++)
                cJSON_AddItemToArray(pending, cJSON_CreateNumber((double)slots[i]));
        cJSON_DeleteItemFromObject(s, "pending");
        cJSON_AddItemToObject(s, "pending", pending);
        cJSON_DeleteItemFromObject(s, "claimedAtMs");
        cJSON_AddNumberToObject(s, "claimedAtMs", (double)now);
        /* the claim: only the process whose update wins fires these slots */
        if (rift_store_update(b->store, BC_SCHEDULES, s, &stored) == 0) {
                fire(b, exp, slots, n, more, now);
                cJSON_DeleteItemFromObject(stored, "pending"); /* done (a conflict leaves it to reclaim()) */
                rift_store_update(b->store, BC_SCHEDULES, stored, NULL);
        }
        cJSON_Delete(stored);
        cJSON_Delete(exp);
}

/* Slots a dead process claimed but did not finish: each one without a run is recorded as Skipped. */
static void reclaim(struct backend_ctx *b, cJSON *s)
{
        cJSON *pending = cJSON_DetachItemFromObject(s, "pending"), *p, *exp = NULL;

        cJSON_DeleteItemFromObject(s, "claimedAtMs");
        if (rift_store_update(b->store, BC_SCHEDULES, s, NULL) == 0 && /* claimed again, by this process */
            rift_store_get(b->store, BC_EXPS, str_of(s, "experimentID"), &exp) == 0)
                cJSON_ArrayForEach(p, pending)
                {
                        cJSON *filter = cJSON_CreateObject();
                        uint64_t n = 0;
                        cJSON_AddStringToObject(filter, "experimentID", str_of(s, "experimentID"));
                        cJSON_AddNumberToObject(filter, "scheduledSlotMs", p->valuedouble);
                        if (rift_store_count(b->store, BC_RUNS, filter, &n) == 0 && n == 0)
                                record_skipped(b, exp, (int64_t)p->valuedouble,
                                               "the rift-backend that claimed this slot stopped before it "
                                               "stored the run");
                        cJSON_Delete(filter);
                }
        cJSON_Delete(exp);
        cJSON_Delete(pending);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
        struct backend_ctx *b = arg;
        cJSON *filter = cJSON_CreateObject(), *list = NULL, *s;
        struct rift_store_query q = { .filter = filter, .limit = SCHEDULE_BATCH };
        int64_t now = backend_now_ms();

        cJSON_AddBoolToObject(filter, "disabled", false);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "nextSlotMs"), "$lte", (double)now);
        if (rift_store_find(b->store, BC_SCHEDULES, &q, &list) == 0)
                cJSON_ArrayForEach(s, list) due(b, s, now);
        cJSON_Delete(list);
        cJSON_Delete(filter);
        filter = cJSON_CreateObject();
        list = NULL;
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(filter, "pending"), "$exists", true);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "claimedAtMs"), "$lt",
                                (double)(now - SCHEDULE_RECLAIM_MS));
        q.filter = filter;
        if (rift_store_find(b->store, BC_SCHEDULES, &q, &list) == 0)
                cJSON_ArrayForEach(s, list) reclaim(b, s);
        cJSON_Delete(list);
        cJSON_Delete(filter);
}

int schedule_set_disabled(struct backend_ctx *b, const char *exp_id, bool disable)
{
        cJSON *doc = NULL;
        struct cron_spec c;
        int r = rift_store_get(b->store, BC_SCHEDULES, exp_id, &doc);

        if (r < 0)
                return r;
        cJSON_ReplaceItemInObject(doc, "disabled", cJSON_CreateBool(disable));
        if (!disable && cron_parse(str_of(doc, "cronSyntax"), &c, NULL, 0) == 0) { /* resume from now on */
                cJSON_DeleteItemFromObject(doc, "nextSlotMs");
                cJSON_AddNumberToObject(doc, "nextSlotMs", (double)cron_next(&c, backend_now_ms()));
        }
        r = rift_store_update(b->store, BC_SCHEDULES, doc, NULL);
        cJSON_Delete(doc);
        return r;
}

/* ---- test-only clock offset ---- */
static const char *offset_path;
static int64_t offset_ms, offset_read_at = -1000;

static int64_t offset_wall(void *ud)
{
        int64_t mono = rift_mono_ms();

        if (mono - offset_read_at >= 100) {
                FILE *f = fopen(offset_path, "re");
                char line[32] = "";
                if (f && fgets(line, sizeof(line), f))
                        rift_parse_int64(rift_strstrip(line), INT64_MIN / 4, INT64_MAX / 4, &offset_ms);
                if (f)
                        fclose(f);
                offset_read_at = mono;
        }
        return ((const struct rift_clock *)ud)->wall_ms(NULL) + offset_ms;
}

static int64_t system_wall(void *ud)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t system_mono(void *ud)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct event *timer; /* the tick */
static const struct rift_clock plain = { system_wall, system_mono, NULL };
static const struct rift_clock shifted = { offset_wall, system_mono, (void *)&plain };

int schedule_start(struct backend_ctx *b)
{
        static const struct timeval every = { SCHEDULE_TICK_MS / 1000, (SCHEDULE_TICK_MS % 1000) * 1000 };
        const char *path = getenv("RIFT_TEST_CLOCK_OFFSET_FILE");
        struct event *ev;

        if (path && path[0]) {
                offset_path = path;
                rift_clock_set(&shifted);
                log_warn("test-only clock offset in use", LOG_STR("file", path));
        }
        rift_store_ensure_index(b->store, BC_SCHEDULES, (const char *[]){ "nextSlotMs" }, 1, false);
        if (exp_index_rebuild(b) < 0) /* listExperiment's copy, started with the other timers of this file */
                log_warn("cannot rebuild the experiment list index");
        ev = event_new(b->base, -1, EV_PERSIST, tick, b);
        if (!ev || event_add(ev, &every) < 0) {
                if (ev)
                        event_free(ev);
                return -ENOMEM;
        }
        timer = ev; /* lives as long as the loop */
        return 0;
}

/* updateCronExperimentState(experimentID, disable, projectID): Owner, as Litmus. */
int res_update_cron_state(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *dis = gql_arg(ri, "disable");
        const char *project, *id = backend_arg_str(ri, "experimentID");
        cJSON *exp = NULL;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0)
                return r;
        if (!id || !id[0] || strlen(id) > RIFT_MAX_ID)
                return gql_resolve_error(ri, "experimentID: required");
        r = rift_store_get(q->b->store, BC_EXPS, id, &exp);
        backend_keep(q, exp);
        if (r < 0 || strcmp(str_of(exp, "projectID"), project) ||
            cJSON_IsTrue(cJSON_GetObjectItem(exp, "isRemoved")))
                return gql_resolve_error(ri, "experiment not found");
        if (!str_of(exp, "cronSyntax")[0])
                return gql_resolve_error(ri, "experimentID: not a cron experiment (it has no cronSyntax)");
        r = schedule_set_disabled(q->b, id, dis && dis->kind == GQL_BOOLEAN && dis->b);
        if (r < 0)
                return gql_resolve_error(ri, r == RIFT_E_CONFLICT ? "concurrent update, retry"
                                                                  : "cannot store the schedule");
        *ret = gql_value_bool(ri->arena, true);
        return 0;
}

int res_schedule_json(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        cJSON *doc = NULL;

        if (rift_store_get(q->b->store, BC_SCHEDULES, str_of(ri->parent, "experimentID"), &doc) < 0) {
                *ret = NULL;
                return 0;
        }
        backend_keep(q, doc);
        *ret = gql_value_opaque(ri->arena, doc, "CronSchedule");
        return 0;
}
