/* InfraService (proto/infra.proto) over the store: RegisterInfra, RotateKey, Heartbeat, Poll
 * (long-poll with RIFT_RPC_ASYNC), ReportStatus, PushLogs, SubmitResult (timers: liveness.c).
 * Every change is in the store before the call is answered. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/rpc_server.h"
#include "lib/store.h"
#include "lib/str.h"
#include "proto/infra.pb-c.h"
#include "services/backend/backend.h"
#include "services/backend/obs_metrics.h"

#define KEY_BYTES          32     /* random bytes of an access key */
#define KEY_OVERLAP_MS     300000 /* a rotated-out key stays valid this long */
#define MAX_TASKS_PER_POLL 16u
#define HEARTBEAT_EVERY_MS 10000

typedef Rift__Infra__V1__InfraAuth InfraAuth;

struct poll_waiter {
        struct poll_waiter *prev, *next; /* in backend_ctx.waiters */
        struct backend_ctx *b;           /* the process */
        struct rift_rpc_ctx *ctx;        /* the parked call */
        struct event *timer;             /* answers empty at the deadline */
        char infra_id[RIFT_MAX_ID + 1];  /* whose tasks it waits for */
        char conn[128];                  /* the caller's connection id */
        char project[RIFT_MAX_ID + 1];   /* the infrastructure's project (emergency stop) */
};

/* A malloc'ed deep copy of m (what rift_rpc_finish and handlers must return). */
static ProtobufCMessage *copy_msg(const ProtobufCMessage *m)
{
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *buf = malloc(n ? n : 1);
        ProtobufCMessage *out;

        if (!buf)
                return NULL;
        protobuf_c_message_pack(m, buf);
        out = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
        free(buf);
        return out;
}

static int64_t conn_start(const char *conn)
{
        return conn ? strtoll(conn, NULL, 10) : 0;
}

static int check_major(struct rift_rpc_ctx *ctx, uint32_t major)
{
        if (major == BACKEND_API_MAJOR)
                return 0;
        return rift_rpc_error(ctx, RIFT_E_UNSUPPORTED,
                              "InfraService major version %u is not supported by this backend (it speaks %u)",
                              major, BACKEND_API_MAJOR);
}

static bool key_matches(const cJSON *infra, const char *key)
{
        char h[65];
        const cJSON *cur = cJSON_GetObjectItem(infra, "accessKeyHash");
        const cJSON *old = cJSON_GetObjectItem(infra, "oldAccessKeyHash");
        const cJSON *until = cJSON_GetObjectItem(infra, "oldKeyValidUntilMs");

        if (!key || !key[0])
                return false;
        backend_hash_key(key, h);
        if (cJSON_IsString(cur) && cur->valuestring[0] && rift_crypto_streq(cur->valuestring, h))
                return true;
        return cJSON_IsString(old) && old->valuestring[0] && rift_crypto_streq(old->valuestring, h) &&
               cJSON_IsNumber(until) && until->valuedouble > (double)backend_now_ms();
}

static void finish_poll(struct poll_waiter *w, bool superseded);

/* Answers the parked polls of infra_id from connections other than conn as superseded. */
static void supersede(struct backend_ctx *b, const char *infra_id, const char *conn)
{
        struct poll_waiter *w = b->waiters, *next;

        for (; w; w = next) {
                next = w->next;
                if (!strcmp(w->infra_id, infra_id) && strcmp(w->conn, conn) != 0)
                        finish_poll(w, true);
        }
}

/* Marks the infrastructure alive (and its connection) and stores it; records a change to active. */
static int touch(struct backend_ctx *b, cJSON *infra, const char *conn)
{
        const cJSON *stored = cJSON_GetObjectItem(infra, "connectionID");
        bool was_active = cJSON_IsTrue(cJSON_GetObjectItem(infra, "isActive"));
        bool new_conn =
            conn && conn[0] && !rift_streq(cJSON_IsString(stored) ? stored->valuestring : "", conn);
        const char *id = cJSON_GetObjectItem(infra, "infraID")->valuestring;
        int r;

        if (new_conn)
                backend_set_str(infra, "connectionID", conn);
        cJSON_ReplaceItemInObject(infra, "isActive", cJSON_CreateBool(true));
        cJSON_ReplaceItemInObject(infra, "lastHeartbeatMs", cJSON_CreateNumber((double)backend_now_ms()));
        r = rift_store_update(b->store, BC_INFRAS, infra, NULL);
        if (r < 0)
                return r;
        cJSON_ReplaceItemInObject(
            infra, "_version", cJSON_CreateNumber(cJSON_GetObjectItem(infra, "_version")->valuedouble + 1));
        if (!was_active)
                infra_record_event(b, id, cJSON_GetObjectItem(infra, "projectID")->valuestring, "active",
                                   "infrastructure connected");
        if (new_conn)
                supersede(b, id, conn);
        return 0;
}

/* Authenticates a call: the infrastructure exists, is not deleted, the key matches. *ret_superseded
 * is set when a newer connection of the same infrastructure exists. */
static int auth_infra(struct backend_ctx *b, struct rift_rpc_ctx *ctx, const InfraAuth *a, cJSON **ret,
                      bool *ret_superseded)
{
        cJSON *infra = NULL;
        const cJSON *stored;
        int r;

        if (!a)
                return rift_rpc_error(ctx, RIFT_E_INVALID, "auth: required");
        if ((r = check_major(ctx, a->api_major)) < 0)
                return r;
        if (!a->infra_id[0] || strlen(a->infra_id) > RIFT_MAX_ID ||
            rift_store_get(b->store, BC_INFRAS, a->infra_id, &infra) < 0 ||
            cJSON_IsTrue(cJSON_GetObjectItem(infra, "isRemoved")) || !key_matches(infra, a->access_key)) {
                cJSON_Delete(infra);
                return rift_rpc_error(ctx, RIFT_E_AUTH, "unknown infrastructure or wrong access key");
        }
        stored = cJSON_GetObjectItem(infra, "connectionID");
        *ret_superseded =
            cJSON_IsString(stored) && conn_start(stored->valuestring) > conn_start(a->connection_id);
        if (!*ret_superseded && (r = touch(b, infra, a->connection_id)) < 0) {
                cJSON_Delete(infra);
                return r;
        }
        *ret = infra;
        return 0;
}

static void count_call(struct backend_ctx *b, struct rift_rpc_ctx *ctx, int r)
{
        rift_metric_inc(b->m_rpc, RIFT_LV(ctx->method, r < 0 ? rift_error_name(r) : "ok"));
}

static int h_register(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__RegisterRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Infra__V1__RegisterResponse out = RIFT__INFRA__V1__REGISTER_RESPONSE__INIT;
        cJSON *infra = NULL;
        _cleanup_free_ char *key = NULL;
        char h[65];
        const cJSON *reg;
        int r = check_major(ctx, in->api_major);

        if (r < 0)
                return r;
        if (!in->infra_id[0] || strlen(in->infra_id) > RIFT_MAX_ID ||
            rift_store_get(b->store, BC_INFRAS, in->infra_id, &infra) < 0)
                return rift_rpc_error(ctx, RIFT_E_AUTH, "unknown infrastructure or registration key");
        reg = cJSON_GetObjectItem(infra, "registrationKeyHash");
        backend_hash_key(in->registration_key, h);
        if (cJSON_IsTrue(cJSON_GetObjectItem(infra, "isRemoved")) || !cJSON_IsString(reg) ||
            !reg->valuestring[0] || !rift_crypto_streq(reg->valuestring, h)) {
                cJSON_Delete(infra);
                return rift_rpc_error(ctx, RIFT_E_AUTH,
                                      "unknown infrastructure or registration key (a key works once)");
        }
        if ((r = rift_crypto_random_hex(KEY_BYTES, &key)) < 0) {
                cJSON_Delete(infra);
                return r;
        }
        backend_hash_key(key, h);
        backend_set_str(infra, "accessKeyHash", h);
        backend_set_str(infra, "registrationKeyHash", "");
        backend_set_str(infra, "hostname", in->hostname);
        backend_set_str(infra, "version", in->agent_version);
        backend_set_str(infra, "platformName", in->platform[0] ? in->platform : "linux");
        backend_set_now(infra, "startTime");
        cJSON_ReplaceItemInObject(infra, "isInfraConfirmed", cJSON_CreateBool(true));
        r = rift_store_update(b->store, BC_INFRAS, infra, NULL);
        if (r == 0)
                infra_record_event(b, in->infra_id, cJSON_GetObjectItem(infra, "projectID")->valuestring,
                                   "registered", "infrastructure registered");
        cJSON_Delete(infra);
        if (r < 0)
                return r;
        out.access_key = key;
        out.server_major = BACKEND_API_MAJOR;
        out.server_version = (char *)BACKEND_VERSION;
        out.poll_timeout_ms = b->cfg->poll_timeout_ms;
        out.heartbeat_interval_ms = HEARTBEAT_EVERY_MS;
        *ret_out = copy_msg(&out.base);
        return *ret_out ? 0 : -ENOMEM;
}

static int h_rotate(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__RotateKeyRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Infra__V1__RotateKeyResponse out = RIFT__INFRA__V1__ROTATE_KEY_RESPONSE__INIT;
        _cleanup_free_ char *key = NULL;
        cJSON *infra = NULL;
        bool sup;
        char h[65];
        int r = auth_infra(b, ctx, in->auth, &infra, &sup);

        if (r < 0)
                return r;
        if (sup || (r = rift_crypto_random_hex(KEY_BYTES, &key)) < 0) {
                cJSON_Delete(infra);
                return sup ? rift_rpc_error(ctx, RIFT_E_CONFLICT, "superseded by a newer connection") : r;
        }
        backend_set_str(infra, "oldAccessKeyHash", cJSON_GetObjectItem(infra, "accessKeyHash")->valuestring);
        cJSON_DeleteItemFromObject(infra, "oldKeyValidUntilMs");
        cJSON_AddNumberToObject(infra, "oldKeyValidUntilMs", (double)(backend_now_ms() + KEY_OVERLAP_MS));
        backend_hash_key(key, h);
        backend_set_str(infra, "accessKeyHash", h);
        r = rift_store_update(b->store, BC_INFRAS, infra, NULL);
        cJSON_Delete(infra);
        if (r < 0)
                return r;
        out.access_key = key;
        out.old_valid_until_ms = backend_now_ms() + KEY_OVERLAP_MS;
        *ret_out = copy_msg(&out.base);
        return *ret_out ? 0 : -ENOMEM;
}

static int h_heartbeat(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__HeartbeatRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Infra__V1__HeartbeatResponse out = RIFT__INFRA__V1__HEARTBEAT_RESPONSE__INIT;
        cJSON *infra = NULL;
        bool sup;
        int r = auth_infra(b, ctx, in->auth, &infra, &sup);

        if (r < 0)
                return r;
        if (!sup)
                backend_obs_agent_counters(b, infra, in); /* the agent's fault totals (/metrics) */
        cJSON_Delete(infra);
        out.server_time_ms = backend_now_ms();
        out.superseded = sup;
        *ret_out = copy_msg(&out.base);
        return *ret_out ? 0 : -ENOMEM;
}

/* ---- Poll ---- */
/* Temporary allocations of one PollResponse, freed after it is copied. */
struct pool {
        void *p[2048]; /* allocations */
        size_t n;      /* used */
};

static void *pool_alloc(struct pool *pl, size_t size)
{
        void *p;

        if (pl->n == ARRAY_SIZE(pl->p) || !(p = calloc(1, size)))
                return NULL;
        return pl->p[pl->n++] = p;
}

static void pool_free(struct pool *pl)
{
        while (pl->n)
                free(pl->p[--pl->n]);
}

static char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItem(o, key);

        return cJSON_IsString(v) ? v->valuestring : (char *)"";
}

static Rift__Infra__V1__FaultStep *step_msg(struct pool *pl, cJSON *s)
{
        Rift__Infra__V1__FaultStep *m = pool_alloc(pl, sizeof(*m));
        cJSON *tuns = cJSON_GetObjectItem(s, "tunables"), *t, *probes = cJSON_GetObjectItem(s, "probes"), *p;
        size_t i = 0;

        if (!m)
                return NULL;
        rift__infra__v1__fault_step__init(m);
        m->name = str_of(s, "name");
        m->fault = str_of(s, "fault");
        m->duration_ms = (int64_t)cJSON_GetObjectItem(s, "duration_ms")->valuedouble;
        m->weight = (int32_t)cJSON_GetObjectItem(s, "weight")->valuedouble;
        m->tunables = pool_alloc(pl, (size_t)(cJSON_GetArraySize(tuns) + 1) * sizeof(*m->tunables));
        m->probe_names = pool_alloc(pl, (size_t)(cJSON_GetArraySize(probes) + 1) * sizeof(char *));
        if (!m->tunables || !m->probe_names)
                return NULL;
        cJSON_ArrayForEach(t, tuns)
        {
                Rift__Infra__V1__FaultStep__TunablesEntry *e = pool_alloc(pl, sizeof(*e));
                if (!e)
                        return NULL;
                rift__infra__v1__fault_step__tunables_entry__init(e);
                e->key = t->string;
                if (cJSON_IsNumber(t)) {
                        e->value = pool_alloc(pl, 32);
                        if (!e->value)
                                return NULL;
                        snprintf(e->value, 32, "%.17g", t->valuedouble);
                } else {
                        e->value = t->valuestring;
                }
                m->tunables[i++] = e;
        }
        m->n_tunables = i;
        i = 0;
        cJSON_ArrayForEach(p, probes) m->probe_names[i++] = p->valuestring;
        m->n_probe_names = i;
        return m;
}

static int task_groups(struct pool *pl, Rift__Infra__V1__Task *m, cJSON *spec)
{
        cJSON *groups = cJSON_GetObjectItem(spec, "groups"), *g, *s,
              *probes = cJSON_GetObjectItem(spec, "probes"), *p;

        m->groups = pool_alloc(pl, (size_t)(cJSON_GetArraySize(groups) + 1) * sizeof(*m->groups));
        m->probes = pool_alloc(pl, (size_t)(cJSON_GetArraySize(probes) + 1) * sizeof(*m->probes));
        if (!m->groups || !m->probes)
                return -ENOMEM;
        cJSON_ArrayForEach(g, groups)
        {
                cJSON *steps = cJSON_GetObjectItem(g, "steps");
                Rift__Infra__V1__StepGroup *gm = pool_alloc(pl, sizeof(*gm));
                if (!gm ||
                    !(gm->steps = pool_alloc(pl, (size_t)(cJSON_GetArraySize(steps) + 1) * sizeof(void *))))
                        return -ENOMEM;
                rift__infra__v1__step_group__init(gm);
                gm->steps = pl->p[pl->n - 1];
                cJSON_ArrayForEach(s,
                                   steps) if (!(gm->steps[gm->n_steps++] = step_msg(pl, s))) return -ENOMEM;
                m->groups[m->n_groups++] = gm;
        }
        cJSON_ArrayForEach(p, probes)
        {
                Rift__Infra__V1__Probe *pm = pool_alloc(pl, sizeof(*pm));
                char *json = cJSON_PrintUnformatted(p);
                if (!pm || !json || !(pm->spec_json = pool_alloc(pl, strlen(json) + 1))) {
                        free(json);
                        return -ENOMEM;
                }
                rift__infra__v1__probe__init(pm);
                pm->spec_json = pl->p[pl->n - 1];
                memcpy(pm->spec_json, json, strlen(json) + 1);
                free(json);
                pm->name = str_of(p, "name");
                pm->type = str_of(p, "type");
                pm->mode = str_of(p, "mode");
                m->probes[m->n_probes++] = pm;
        }
        return 0;
}

static Rift__Infra__V1__Task *task_msg(struct pool *pl, cJSON *task, const char *kind)
{
        Rift__Infra__V1__Task *m = pool_alloc(pl, sizeof(*m));

        if (!m)
                return NULL;
        rift__infra__v1__task__init(m);
        m->task_id = str_of(task, "taskID");
        m->experiment_run_id = str_of(task, "experimentRunID");
        m->experiment_id = str_of(task, "experimentID");
        m->experiment_name = str_of(task, "experimentName");
        m->kind = (char *)kind;
        m->created_at_ms = (int64_t)cJSON_GetObjectItem(task, "createdAtMs")->valuedouble;
        m->dry_run = cJSON_IsTrue(cJSON_GetObjectItem(task, "dryRun"));
        if (!strcmp(kind, "run") && task_groups(pl, m, cJSON_GetObjectItem(task, "spec")) < 0)
                return NULL;
        return m;
}

/* The tasks to hand to conn now (stored as delivered first); NULL response when there are none. */
static int poll_collect(struct backend_ctx *b, const char *infra_id, const char *conn, ProtobufCMessage **ret)
{
        cJSON *filter = cJSON_CreateObject(), *in = cJSON_CreateArray(), *tasks = NULL, *t;
        struct rift_store_query sq = { .filter = filter, .limit = MAX_TASKS_PER_POLL };
        static const struct rift_store_sort by_time = { "createdAtMs", false };
        Rift__Infra__V1__PollResponse out = RIFT__INFRA__V1__POLL_RESPONSE__INIT;
        Rift__Infra__V1__Task *msgs[MAX_TASKS_PER_POLL];
        struct pool *pl = calloc(1, sizeof(*pl));
        int r;

        sq.sort = &by_time;
        sq.n_sort = 1;
        cJSON_AddStringToObject(filter, "infraID", infra_id);
        cJSON_AddItemToArray(in, cJSON_CreateString("queued"));
        cJSON_AddItemToArray(in, cJSON_CreateString("delivered"));
        cJSON_AddItemToArray(in, cJSON_CreateString("running"));
        cJSON_AddItemToObject(cJSON_AddObjectToObject(filter, "state"), "$in", in);
        r = pl ? rift_store_find(b->store, BC_TASKS, &sq, &tasks) : -ENOMEM;
        cJSON_Delete(filter);
        *ret = NULL;
        cJSON_ArrayForEach(t, tasks)
        {
                const char *state = str_of(t, "state"), *kind = NULL;
                if (strcmp(state, "running") != 0)
                        kind = "run";
                else if (cJSON_IsTrue(cJSON_GetObjectItem(t, "stopRequested")) &&
                         !cJSON_IsTrue(cJSON_GetObjectItem(t, "stopDelivered")))
                        kind = "stop";
                if (!kind)
                        continue;
                if (!strcmp(kind, "stop"))
                        cJSON_ReplaceItemInObject(t, "stopDelivered", cJSON_CreateBool(true));
                else {
                        backend_set_str(t, "state", "delivered");
                        backend_set_str(t, "deliveredTo", conn);
                }
                if ((r = rift_store_update(b->store, BC_TASKS, t, NULL)) < 0 ||
                    !(msgs[out.n_tasks] = task_msg(pl, t, kind)))
                        break;
                out.n_tasks++;
        }
        out.tasks = msgs;
        if (r == 0 && out.n_tasks > 0 && !(*ret = copy_msg(&out.base)))
                r = -ENOMEM;
        if (pl)
                pool_free(pl);
        free(pl);
        cJSON_Delete(tasks);
        return r;
}

static void waiter_unlink(struct poll_waiter *w)
{
        struct backend_ctx *b = w->b;

        if (w->prev)
                w->prev->next = w->next;
        else
                b->waiters = w->next;
        if (w->next)
                w->next->prev = w->prev;
        b->n_waiters--;
        if (w->timer)
                event_free(w->timer);
        free(w);
}

static ProtobufCMessage *empty_poll(bool superseded)
{
        Rift__Infra__V1__PollResponse *out = calloc(1, sizeof(*out));

        if (out) {
                rift__infra__v1__poll_response__init(out);
                out->superseded = superseded;
        }
        return &out->base;
}

static void finish_poll(struct poll_waiter *w, bool superseded)
{
        ProtobufCMessage *out = NULL;
        int r = superseded ? 0 : poll_collect(w->b, w->infra_id, w->conn, &out);

        if (r == 0 && !out)
                out = empty_poll(superseded);
        if (out && !superseded)
                ((Rift__Infra__V1__PollResponse *)out)->emergency_stop =
                    safety_estop_active(w->b, w->project);
        rift_rpc_finish(w->ctx, out ? r : -ENOMEM, out);
        waiter_unlink(w);
}

static void poll_timeout(evutil_socket_t fd, short what, void *arg)
{
        finish_poll(arg, false);
}

void infra_rpc_wake(struct backend_ctx *b, const char *infra_id)
{
        struct poll_waiter *w = b->waiters, *next;

        for (; w; w = next) {
                ProtobufCMessage *out = NULL;
                next = w->next;
                if (strcmp(w->infra_id, infra_id) != 0)
                        continue;
                if (poll_collect(b, w->infra_id, w->conn, &out) < 0 || out) {
                        if (out)
                                ((Rift__Infra__V1__PollResponse *)out)->emergency_stop =
                                    safety_estop_active(b, w->project);
                        rift_rpc_finish(w->ctx, out ? 0 : RIFT_E_STORE, out);
                        waiter_unlink(w);
                }
        }
}

void infra_rpc_wake_estop(struct backend_ctx *b, const char *project)
{
        struct poll_waiter *w = b->waiters, *next;

        for (; w; w = next) {
                next = w->next;
                if (!project || !strcmp(w->project, project))
                        finish_poll(w, false);
        }
}

void infra_rpc_drop_waiters(struct backend_ctx *b)
{
        while (b->waiters) {
                rift_rpc_finish(b->waiters->ctx, 0, empty_poll(false));
                waiter_unlink(b->waiters);
        }
}

static int park(struct backend_ctx *b, struct rift_rpc_ctx *ctx, const InfraAuth *a, const char *project,
                int64_t wait_ms)
{
        struct poll_waiter *w;
        struct timeval tv;

        if (b->n_waiters >= BACKEND_MAX_WAITERS)
                return rift_rpc_error(ctx, RIFT_E_TOOBIG, "too many waiting polls; retry later");
        if (wait_ms <= 0 || wait_ms > b->cfg->poll_timeout_ms)
                wait_ms = b->cfg->poll_timeout_ms;
        if (ctx->deadline_ms > 0 && ctx->deadline_ms - rift_mono_ms() - 200 < wait_ms)
                wait_ms =
                    ctx->deadline_ms - rift_mono_ms() - 200 > 0 ? ctx->deadline_ms - rift_mono_ms() - 200 : 0;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (struct poll_waiter){ .b = b, .ctx = ctx, .next = b->waiters };
        rift_strlcpy(w->infra_id, a->infra_id, sizeof(w->infra_id));
        rift_strlcpy(w->conn, a->connection_id, sizeof(w->conn));
        rift_strlcpy(w->project, project, sizeof(w->project));
        w->timer = evtimer_new(b->base, poll_timeout, w);
        if (!w->timer) {
                free(w);
                return -ENOMEM;
        }
        if (b->waiters)
                b->waiters->prev = w;
        b->waiters = w;
        b->n_waiters++;
        tv = (struct timeval){ .tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000 };
        evtimer_add(w->timer, &tv);
        return RIFT_RPC_ASYNC;
}

static int h_poll(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__PollRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        cJSON *infra = NULL;
        bool sup;
        int r = auth_infra(b, ctx, in->auth, &infra, &sup);

        if (r < 0)
                return r;
        char project[RIFT_MAX_ID + 1];
        rift_strlcpy(project, str_of(infra, "projectID"), sizeof(project));
        cJSON_Delete(infra);
        if (sup) {
                *ret_out = empty_poll(true);
                return *ret_out ? 0 : -ENOMEM;
        }
        r = poll_collect(b, in->auth->infra_id, in->auth->connection_id, ret_out);
        if (r == 0 && *ret_out)
                ((Rift__Infra__V1__PollResponse *)*ret_out)->emergency_stop = safety_estop_active(b, project);
        if (r < 0 || *ret_out)
                return r;
        return park(b, ctx, in->auth, project, in->wait_ms);
}

/* ---- task reports ---- */
/* Loads a task of the calling infrastructure (another infrastructure's task is "not found"). */
static int own_task(struct backend_ctx *b, struct rift_rpc_ctx *ctx, const cJSON *infra, const char *task_id,
                    cJSON **ret)
{
        cJSON *t = NULL;

        if (!task_id[0] || strlen(task_id) > RIFT_MAX_ID ||
            rift_store_get(b->store, BC_TASKS, task_id, &t) < 0 ||
            !rift_streq(str_of(t, "infraID"), str_of(infra, "infraID"))) {
                cJSON_Delete(t);
                return rift_rpc_error(ctx, RIFT_E_NOTFOUND, "no such task for this infrastructure");
        }
        *ret = t;
        return 0;
}

static const char *const final_phases[] = {
        "Completed", "Completed_With_Error", "Completed_With_Probe_Failure", "Stopped", "Error", "Timeout"
};

static bool is_final(const char *phase)
{
        for (size_t i = 0; i < ARRAY_SIZE(final_phases); i++)
                if (!strcmp(final_phases[i], phase))
                        return true;
        return false;
}

/* Total fault time of a spec: the longest step of each group, groups one after another. */
static int64_t spec_duration_ms(const cJSON *spec)
{
        const cJSON *g, *st;
        int64_t total = 0;

        cJSON_ArrayForEach(g, cJSON_GetObjectItem(spec, "groups"))
        {
                int64_t longest = 0;
                cJSON_ArrayForEach(
                    st,
                    cJSON_GetObjectItem(g, "steps")) if (cJSON_GetObjectItem(st, "duration_ms")->valuedouble >
                                                         (double)longest) longest =
                    (int64_t)cJSON_GetObjectItem(st, "duration_ms")->valuedouble;
                total += longest;
        }
        return total;
}

/* Moves a run (not yet final) to phase; the first move to Running sets its deadline. */
static int update_run(struct backend_ctx *b, const char *run_id, const char *phase, const char *msg,
                      int64_t deadline_ms)
{
        cJSON *run = NULL;
        int r = rift_store_get(b->store, BC_RUNS, run_id, &run);

        if (r == 0 && !is_final(str_of(run, "phase"))) {
                if (!cJSON_GetObjectItem(run, "deadlineMs"))
                        cJSON_AddNumberToObject(run, "deadlineMs", (double)deadline_ms);
                backend_set_str(run, "phase", phase);
                if (msg && msg[0])
                        backend_set_str(run, "message", msg);
                backend_set_now(run, "updatedAt");
                r = rift_store_update(b->store, BC_RUNS, run, NULL);
        }
        cJSON_Delete(run);
        return r;
}

static int h_report(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__ReportStatusRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Infra__V1__ReportStatusResponse out = RIFT__INFRA__V1__REPORT_STATUS_RESPONSE__INIT;
        cJSON *infra = NULL, *t = NULL;
        bool sup;
        int r = auth_infra(b, ctx, in->auth, &infra, &sup);

        if (r < 0)
                return r;
        r = own_task(b, ctx, infra, in->task_id, &t);
        cJSON_Delete(infra);
        if (r < 0)
                return r;
        if (strcmp(in->phase, "Running") != 0) {
                cJSON_Delete(t);
                return rift_rpc_error(ctx, RIFT_E_INVALID,
                                      "phase: ReportStatus takes Running; final phases go to SubmitResult");
        }
        if (rift_streq(str_of(t, "state"), "queued") || rift_streq(str_of(t, "state"), "delivered")) {
                backend_set_str(t, "state", "running");
                r = rift_store_update(b->store, BC_TASKS, t, NULL);
        }
        if (r == 0)
                r = update_run(b, str_of(t, "experimentRunID"), "Running", in->message,
                               backend_now_ms() + spec_duration_ms(cJSON_GetObjectItem(t, "spec")) +
                                   b->cfg->run_grace_ms);
        if (r == 0)
                backend_sse_notify(b, str_of(t, "experimentRunID"));
        /* a task cancelled after it was delivered (emergency stop) must not run either */
        out.stop_requested = cJSON_IsTrue(cJSON_GetObjectItem(t, "stopRequested")) ||
                             rift_streq(str_of(t, "state"), "cancelled");
        cJSON_Delete(t);
        if (r < 0)
                return r;
        *ret_out = copy_msg(&out.base);
        return *ret_out ? 0 : -ENOMEM;
}

static int store_line(struct backend_ctx *b, const char *task_id, const Rift__Infra__V1__LogLine *l)
{
        cJSON *doc = cJSON_CreateObject();
        char id[RIFT_MAX_ID + 32];
        int r;

        snprintf(id, sizeof(id), "%s-%020llu", task_id, (unsigned long long)l->seq);
        cJSON_AddStringToObject(doc, "_id", id);
        cJSON_AddStringToObject(doc, "taskID", task_id);
        cJSON_AddNumberToObject(doc, "seq", (double)l->seq);
        cJSON_AddNumberToObject(doc, "timeMs", (double)l->time_ms);
        cJSON_AddStringToObject(doc, "step", l->step);
        cJSON_AddStringToObject(doc, "line", l->line);
        r = rift_store_insert(b->store, BC_LOGS, doc, NULL);
        cJSON_Delete(doc);
        return r == RIFT_E_EXISTS ? 0 : r; /* a retried batch */
}

static int check_lines(struct rift_rpc_ctx *ctx, const Rift__Infra__V1__PushLogsRequest *in)
{
        if (in->n_lines > BACKEND_MAX_LOG_BATCH)
                return rift_rpc_error(ctx, RIFT_E_TOOBIG, "lines: at most %u per call",
                                      BACKEND_MAX_LOG_BATCH);
        for (size_t i = 0; i < in->n_lines; i++) {
                if (strlen(in->lines[i]->line) > BACKEND_MAX_LOG_LINE ||
                    strlen(in->lines[i]->step) > BACKEND_MAX_NAME)
                        return rift_rpc_error(ctx, RIFT_E_TOOBIG, "lines[%zu]: longer than %u bytes", i,
                                              BACKEND_MAX_LOG_LINE);
                if (in->lines[i]->seq == 0 || (i > 0 && in->lines[i]->seq != in->lines[i - 1]->seq + 1))
                        return rift_rpc_error(ctx, RIFT_E_INVALID,
                                              "lines[%zu].seq: must start at 1 and ascend by 1", i);
        }
        return 0;
}

static int h_push_logs(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__PushLogsRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Infra__V1__PushLogsResponse out = RIFT__INFRA__V1__PUSH_LOGS_RESPONSE__INIT;
        cJSON *infra = NULL, *t = NULL;
        uint64_t acked;
        bool sup;
        int r = check_lines(ctx, in);

        if (r < 0 || (r = auth_infra(b, ctx, in->auth, &infra, &sup)) < 0)
                return r;
        r = own_task(b, ctx, infra, in->task_id, &t);
        cJSON_Delete(infra);
        if (r < 0)
                return r;
        acked = (uint64_t)cJSON_GetObjectItem(t, "ackedSeq")->valuedouble;
        if (in->n_lines && in->lines[0]->seq > acked + 1) {
                cJSON_Delete(t);
                return rift_rpc_error(ctx, RIFT_E_INVALID, "lines: gap, next expected seq is %llu",
                                      (unsigned long long)acked + 1);
        }
        for (size_t i = 0; r == 0 && i < in->n_lines; i++)
                if (in->lines[i]->seq == acked + 1 && (r = store_line(b, in->task_id, in->lines[i])) == 0)
                        acked++;
        if (r == 0 && acked != (uint64_t)cJSON_GetObjectItem(t, "ackedSeq")->valuedouble) {
                cJSON_ReplaceItemInObject(t, "ackedSeq", cJSON_CreateNumber((double)acked));
                r = rift_store_update(b->store, BC_TASKS, t, NULL);
        }
        if (r == 0 && in->n_lines)
                backend_sse_notify(b, str_of(t, "experimentRunID"));
        cJSON_Delete(t);
        if (r < 0)
                return r;
        out.acked_seq = acked;
        *ret_out = copy_msg(&out.base);
        return *ret_out ? 0 : -ENOMEM;
}

/* Probe success % of one fault: mean of its probes, or 100/0 from the verdict without probes. */
static double fault_success(const Rift__Infra__V1__FaultResult *f)
{
        double sum = 0;

        if (f->n_probes == 0)
                return !strcmp(f->verdict, "Pass") ? 100 : 0;
        for (size_t i = 0; i < f->n_probes; i++)
                sum += f->probes[i]->success_percent < 0     ? 0
                       : f->probes[i]->success_percent > 100 ? 100
                                                             : f->probes[i]->success_percent;
        return sum / (double)f->n_probes;
}

static void apply_fault(cJSON *rf, const Rift__Infra__V1__FaultResult *f)
{
        cJSON *probes = cJSON_CreateArray();

        backend_set_str(rf, "verdict", f->verdict);
        backend_set_str(rf, "message", f->message);
        cJSON_DeleteItemFromObject(rf, "probeSuccessPercentage");
        cJSON_AddNumberToObject(rf, "probeSuccessPercentage", fault_success(f));
        for (size_t i = 0; i < f->n_probes; i++) {
                cJSON *p = cJSON_CreateObject();
                cJSON_AddStringToObject(p, "name", f->probes[i]->name);
                cJSON_AddStringToObject(p, "verdict", f->probes[i]->verdict);
                cJSON_AddNumberToObject(p, "successPercent", f->probes[i]->success_percent);
                cJSON_AddStringToObject(p, "message", f->probes[i]->message);
                cJSON_AddItemToArray(probes, p);
        }
        cJSON_DeleteItemFromObject(rf, "probes");
        cJSON_AddItemToObject(rf, "probes", probes);
        cJSON_DeleteItemFromObject(rf, "startedAtMs"); /* injection and end times (exporter) */
        cJSON_AddNumberToObject(rf, "startedAtMs", (double)f->started_at_ms);
        cJSON_DeleteItemFromObject(rf, "endedAtMs");
        cJSON_AddNumberToObject(rf, "endedAtMs", (double)f->ended_at_ms);
}

static void count_verdicts(cJSON *run)
{
        static const struct {
                const char *verdict; /* fault verdict */
                const char *field;   /* run counter */
        } counters[] = { { "Pass", "faultsPassed" },
                         { "Fail", "faultsFailed" },
                         { "Awaited", "faultsAwaited" },
                         { "Stopped", "faultsStopped" },
                         { "N/A", "faultsNa" } };
        cJSON *f;

        for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
                int n = 0;
                cJSON_ArrayForEach(f, cJSON_GetObjectItem(run, "faults")) n +=
                    rift_streq(str_of(f, "verdict"), counters[i].verdict);
                cJSON_DeleteItemFromObject(run, counters[i].field);
                cJSON_AddNumberToObject(run, counters[i].field, n);
        }
}

static int apply_result(struct backend_ctx *b, const Rift__Infra__V1__SubmitResultRequest *in,
                        const char *run_id, double *ret_score)
{
        cJSON *run = NULL, *rf;
        double score;
        int r = rift_store_get(b->store, BC_RUNS, run_id, &run);

        if (r < 0)
                return r;
        for (size_t i = 0; i < in->n_faults; i++)
                cJSON_ArrayForEach(rf,
                                   cJSON_GetObjectItem(run, "faults")) if (rift_streq(str_of(rf, "step"),
                                                                                      in->faults[i]->step))
                    apply_fault(rf, in->faults[i]);
        count_verdicts(run);
        score = manifest_score(cJSON_GetObjectItem(run, "faults"));
        cJSON_DeleteItemFromObject(run, "resiliencyScore");
        cJSON_AddNumberToObject(run, "resiliencyScore", score);
        backend_set_str(run, "phase", in->phase);
        backend_set_str(run, "message", in->message);
        backend_set_now(run, "updatedAt");
        r = rift_store_update(b->store, BC_RUNS, run, NULL);
        if (r == 0)
                backend_obs_run_final(b, in->phase, strtoll(str_of(run, "createdAt"), NULL, 10));
        cJSON_Delete(run);
        if (r == 0)
                *ret_score = score;
        return r;
}

static int h_submit(const ProtobufCMessage *in_, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const Rift__Infra__V1__SubmitResultRequest *in = (const void *)in_;
        struct backend_ctx *b = ctx->userdata;
        Rift__Infra__V1__SubmitResultResponse out = RIFT__INFRA__V1__SUBMIT_RESULT_RESPONSE__INIT;
        cJSON *infra = NULL, *t = NULL;
        bool sup;
        int r;

        if (!is_final(in->phase))
                return rift_rpc_error(ctx, RIFT_E_INVALID,
                                      "phase: must be a final phase (Completed, Error, ...)");
        if (in->n_faults > BACKEND_MAX_STEPS)
                return rift_rpc_error(ctx, RIFT_E_TOOBIG, "faults: at most %u", BACKEND_MAX_STEPS);
        if ((r = auth_infra(b, ctx, in->auth, &infra, &sup)) < 0)
                return r;
        r = own_task(b, ctx, infra, in->task_id, &t);
        cJSON_Delete(infra);
        if (r < 0)
                return r;
        if (rift_streq(str_of(t, "state"), "done") || cJSON_IsTrue(cJSON_GetObjectItem(t, "timedOut"))) {
                const cJSON *score = cJSON_GetObjectItem(t, "resilienceScore");
                out.duplicate = true;
                out.resilience_score = cJSON_IsNumber(score) ? score->valuedouble : 0;
        } else if ((r = apply_result(b, in, str_of(t, "experimentRunID"), &out.resilience_score)) == 0) {
                backend_set_str(t, "state", "done");
                cJSON_DeleteItemFromObject(t, "resilienceScore");
                cJSON_AddNumberToObject(t, "resilienceScore", out.resilience_score);
                r = rift_store_update(b->store, BC_TASKS, t, NULL);
        }
        if (r == 0)
                backend_sse_notify(b, str_of(t, "experimentRunID"));
        cJSON_Delete(t);
        if (r < 0)
                return r;
        *ret_out = copy_msg(&out.base);
        return *ret_out ? 0 : -ENOMEM;
}

/* ---- the service table ---- */
#define COUNTED(fn)                                                                                          \
        static int fn##_counted(const ProtobufCMessage *in, ProtobufCMessage **out,                          \
                                struct rift_rpc_ctx *ctx)                                                    \
        {                                                                                                    \
                int r = fn(in, out, ctx);                                                                    \
                count_call(ctx->userdata, ctx, r);                                                           \
                return r;                                                                                    \
        }
COUNTED(h_register)
COUNTED(h_rotate)
COUNTED(h_heartbeat)
COUNTED(h_poll)
COUNTED(h_report)
COUNTED(h_push_logs)
COUNTED(h_submit)

#define M(name, req, resp, fn)                                                                               \
        {                                                                                                    \
                name, &rift__infra__v1__##req##__descriptor, &rift__infra__v1__##resp##__descriptor,         \
                    fn##_counted                                                                             \
        }
static const struct rift_rpc_method methods[] = {
        M("RegisterInfra", register_request, register_response, h_register),
        M("RotateKey", rotate_key_request, rotate_key_response, h_rotate),
        M("Heartbeat", heartbeat_request, heartbeat_response, h_heartbeat),
        M("Poll", poll_request, poll_response, h_poll),
        M("ReportStatus", report_status_request, report_status_response, h_report),
        M("PushLogs", push_logs_request, push_logs_response, h_push_logs),
        M("SubmitResult", submit_result_request, submit_result_response, h_submit),
};
static const struct rift_rpc_service service = { "rift.infra.v1.InfraService", methods, ARRAY_SIZE(methods) };

int infra_rpc_mount(struct backend_ctx *b, struct rift_rpc_server *rpc)
{
        return rift_rpc_server_add_service(rpc, &service, b);
}
