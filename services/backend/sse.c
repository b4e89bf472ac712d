/* GET /sse/runs/{experimentRunID}?projectID=P: one run's state and log lines as Server-Sent Events
 * (docs/backend.md, "Live updates"). Events: `run` (the run's phase, faults and score; at connect and on
 * every change), `log` (id = the line's seq, so Last-Event-ID resumes after it), `end` (the run is final
 * and every line was sent; the server then closes) and a `: ping` comment every SSE_PING_INTERVAL.
 *
 * Everything sent comes from the store, never from memory: a client is "pumped" (run read first, then
 * the lines after the last seq it got) when this process stores a change for its run (PushLogs,
 * ReportStatus, SubmitResult call backend_sse_notify) and every SSE_TICK_MS anyway, which is how
 * changes made by another rift-backend process on the same store arrive. Reading the run before the
 * lines means a final run seen here has all its lines in the store already (the agent pushes its lines
 * before it submits the result). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <sodium.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/sse.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define SSE_TICK_MS        250        /* look-up interval for changes made by other processes */
#define SSE_PAGE           100u       /* log lines read from the store at a time */
#define SSE_PAGES_PER_PUMP 10u        /* then the client yields to the others until the next pump */
#define SSE_MAX_PAGE_TEXT  (4u << 20) /* formatted bytes of one page of lines, at most */
#define SSE_PACE_MS        50         /* retry interval while the connection's backlog is full */
#define SSE_STALL_TICKS    4          /* ticks without progress before a client counts as stuck */
#define SSE_CACHE_MS       20         /* a read of a run serves its other streams this long */
#define SSE_CACHE_RUNS     64         /* runs whose reads are kept (a hash table without chains) */

struct sse_client {
        struct sse_client *prev, *next;  /* in hub->clients */
        struct sse_hub *hub;             /* the process's streams */
        struct rift_http_request *req;   /* until the stream starts (authorisation pending) */
        struct rift_http_stream *stream; /* once started */
        struct event *wake;              /* runs pump() from the loop */
        char *token;                     /* bearer token, until validated */
        char run_id[RIFT_MAX_ID + 1];    /* the run watched */
        char project[RIFT_MAX_ID + 1];   /* its project (authorised) */
        char task_id[RIFT_MAX_ID + 1];   /* the run's task, whose lines are sent */
        uint64_t last_seq;               /* last log line sent */
        uint64_t written;                /* bytes handed to the stream so far */
        uint64_t last_sent;              /* of those, gone to the client at the previous tick */
        size_t last_buffered;            /* unsent bytes at the previous tick (for the log) */
        int64_t stalled_since;           /* since when the backlog does not shrink (0 = it does) */
        unsigned stuck_ticks;            /* ticks in a row it did not shrink */
        char *last_state;                /* data of the last `run` event sent; NULL before the first */
        bool abandoned;                  /* the server went away while authorisation was pending */
};

struct run_cache {
        char run_id[RIFT_MAX_ID + 1]; /* whose entry */
        int64_t at;                   /* rift_mono_ms() when read; 0 = empty */
        cJSON *run;                   /* the run document */
        char *state;                  /* its `run` event data */
        uint64_t acked;               /* the task's ackedSeq: every line up to it is stored */
        uint64_t after;               /* lines holds the first page after this seq */
        cJSON *lines;                 /* that page, or NULL */
};

struct sse_hub {
        struct backend_ctx *b;                  /* the process */
        struct run_cache cache[SSE_CACHE_RUNS]; /* recent reads, by run */
        struct sse_client *clients;             /* streams open or being authorised */
        unsigned n_clients;                     /* entries in clients */
        struct event *tick;                     /* pumps every stream every SSE_TICK_MS */
        struct event *ping;                     /* keep-alive comments */
};

static const char *const final_phases[] = { "Completed",
                                            "Completed_With_Error",
                                            "Completed_With_Probe_Failure",
                                            "Stopped",
                                            "Error",
                                            "Timeout",
                                            "Terminated",
                                            "Skipped" };

static bool phase_final(const char *phase)
{
        for (size_t i = 0; i < ARRAY_SIZE(final_phases); i++)
                if (!strcmp(final_phases[i], phase))
                        return true;
        return false;
}

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItem(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- client lifetime ---- */

static void client_free(struct sse_client *c)
{
        struct sse_hub *h = c->hub;

        if (c->prev)
                c->prev->next = c->next;
        else if (h->clients == c)
                h->clients = c->next;
        if (c->next)
                c->next->prev = c->prev;
        h->n_clients--;
        rift_http_stream_end(c->stream);
        if (c->wake)
                event_free(c->wake);
        if (c->token)
                sodium_memzero(c->token, strlen(c->token));
        free(c->token);
        free(c->last_state);
        free(c);
}

static void on_gone(void *userdata)
{
        client_free(userdata);
}

static void wake_soon(struct sse_client *c)
{
        static const struct timeval now = { 0, 0 };

        if (c->stream && !evtimer_pending(c->wake, NULL))
                evtimer_add(c->wake, &now);
}

/* ---- sending ---- */

/* Writes out; on failure (client gone or dropped for not reading) the client is freed: returns false. */
static bool send_buf(struct sse_client *c, struct rift_buf *out)
{
        int r = out->len ? rift_http_stream_write(c->stream, out->data, out->len) : 0;

        if (r == 0)
                c->written += out->len;
        rift_buf_reset(out);
        if (r == 0)
                return true;
        if (r == RIFT_E_TOOBIG)
                log_warn("sse client dropped: not reading", LOG_STR("run", c->run_id),
                         LOG_INT("last_seq", (int64_t)c->last_seq));
        client_free(c);
        return false;
}

static char *run_state(const cJSON *run)
{
        cJSON *o = cJSON_CreateObject(), *faults = cJSON_GetObjectItem(run, "faults");
        const cJSON *score = cJSON_GetObjectItem(run, "resiliencyScore");
        char *s;

        cJSON_AddStringToObject(o, "phase", str_of(run, "phase"));
        cJSON_AddItemToObject(o, "faults", faults ? cJSON_Duplicate(faults, true) : cJSON_CreateArray());
        cJSON_AddItemToObject(o, "resiliencyScore",
                              cJSON_IsNumber(score) ? cJSON_CreateNumber(score->valuedouble)
                                                    : cJSON_CreateNull());
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return s;
}

/* Appends a `run` event if the state changed since the last one. */
static int add_state(struct sse_client *c, const char *state, struct rift_buf *out)
{
        char *copy;
        int r;

        if (c->last_state && !strcmp(state, c->last_state))
                return 0;
        if (!(copy = strdup(state)))
                return -ENOMEM;
        r = rift_sse_format(out, "run", 0, state, strlen(state));
        free(c->last_state);
        c->last_state = copy;
        return r;
}

static int add_line(struct rift_buf *out, const cJSON *line)
{
        cJSON *o = cJSON_CreateObject();
        const cJSON *seq = cJSON_GetObjectItem(line, "seq"), *t = cJSON_GetObjectItem(line, "timeMs");
        uint64_t n = cJSON_IsNumber(seq) ? (uint64_t)seq->valuedouble : 0;
        char *s;
        int r;

        cJSON_AddNumberToObject(o, "seq", (double)n);
        cJSON_AddNumberToObject(o, "time", cJSON_IsNumber(t) ? t->valuedouble : 0);
        cJSON_AddStringToObject(o, "step", str_of(line, "step"));
        cJSON_AddStringToObject(o, "line", str_of(line, "line"));
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        r = s ? rift_sse_format(out, "log", n, s, strlen(s)) : -ENOMEM;
        free(s);
        return r;
}

/* ---- what the streams of one run share ----
 * Every stream of a run is pumped at the same moments (a tick, a change stored here), so the run, its
 * task's acknowledged seq and the first page of lines after a given seq are read once per run and reused
 * for SSE_CACHE_MS (a change stored by this process drops the entry at once). The task's ackedSeq tells
 * whether there is a line to read at all, so an idle stream costs two look-ups by id per run and tick. */
static void cache_clear(struct run_cache *rc)
{
        cJSON_Delete(rc->run);
        cJSON_Delete(rc->lines);
        free(rc->state);
        *rc = (struct run_cache){ 0 };
}

static struct run_cache *cache_slot_of(struct sse_hub *h, const char *run_id)
{
        uint32_t x = 2166136261u;

        for (const char *p = run_id; *p; p++)
                x = (x ^ (unsigned char)*p) * 16777619u;
        return &h->cache[x % SSE_CACHE_RUNS];
}

/* The run (read first) and its task's ackedSeq (read second: a final run has all its lines by then). */
static struct run_cache *cache_get(struct sse_hub *h, const char *run_id)
{
        struct run_cache *rc = cache_slot_of(h, run_id);
        int64_t now = rift_mono_ms();
        cJSON *task = NULL;
        const cJSON *acked;

        if (rc->at && now - rc->at < SSE_CACHE_MS && !strcmp(rc->run_id, run_id))
                return rc;
        cache_clear(rc);
        if (rift_store_get(h->b->store, BC_RUNS, run_id, &rc->run) < 0)
                return NULL;
        if (str_of(rc->run, "taskID")[0] &&
            rift_store_get(h->b->store, BC_TASKS, str_of(rc->run, "taskID"), &task) < 0) {
                cache_clear(rc);
                return NULL;
        }
        acked = cJSON_GetObjectItem(task, "ackedSeq");
        rc->acked = cJSON_IsNumber(acked) ? (uint64_t)acked->valuedouble : 0;
        cJSON_Delete(task);
        if (!(rc->state = run_state(rc->run))) {
                cache_clear(rc);
                return NULL;
        }
        rift_strlcpy(rc->run_id, run_id, sizeof(rc->run_id));
        rc->at = now;
        return rc;
}

static void cache_drop(struct sse_hub *h, const char *run_id)
{
        struct run_cache *rc = cache_slot_of(h, run_id);

        if (!strcmp(rc->run_id, run_id))
                cache_clear(rc);
}

/* One page of lines after `after`; *ret_owned says whether the caller frees it (not when cached). */
static int page_after(struct sse_client *c, struct run_cache *rc, uint64_t after, cJSON **ret,
                      bool *ret_owned)
{
        static const struct rift_store_sort by_seq = { "seq", false };
        struct rift_store_query sq = { .sort = &by_seq, .n_sort = 1, .limit = SSE_PAGE };
        cJSON *filter, *lines = NULL;
        int r;

        if (rc->lines && rc->after == after) {
                *ret = rc->lines;
                *ret_owned = false;
                return 0;
        }
        filter = cJSON_CreateObject();
        cJSON_AddStringToObject(filter, "taskID", c->task_id);
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "seq"), "$gt", (double)after);
        sq.filter = filter;
        r = rift_store_find(c->hub->b->store, BC_LOGS, &sq, &lines);
        cJSON_Delete(filter);
        if (r < 0)
                return r;
        *ret_owned = rc->lines != NULL; /* the first page asked in this round is kept for the others */
        if (!rc->lines) {
                rc->lines = lines;
                rc->after = after;
        }
        *ret = lines;
        return 0;
}

/* The connection already holds half the allowed backlog: wait before sending more. Lines are handed over
 * in pieces of an eighth of it, so a client that reads is never near the cap (SSE_MAX_BUFFER is at least
 * 128 KiB and one formatted line at most about 25 KiB). */
static bool backlog_full(const struct sse_client *c)
{
        return rift_http_stream_buffered(c->stream) > (size_t)c->hub->b->cfg->sse_max_buffer / 2;
}

/* Sends the lines after last_seq, a page at a time, paced by what the client reads. *ret_all: no line is
 * left in the store. Returns false if the client was freed. */
static bool send_lines(struct sse_client *c, struct run_cache *rc, struct rift_buf *out, bool *ret_all)
{
        size_t n = SSE_PAGE;
        bool paced = false;

        for (unsigned page = 0;
             c->task_id[0] && c->last_seq < rc->acked && !paced && page < SSE_PAGES_PER_PUMP && n == SSE_PAGE;
             page++) {
                cJSON *lines = NULL, *l;
                bool owned;

                if ((paced = backlog_full(c)))
                        break;
                if (page_after(c, rc, c->last_seq, &lines, &owned) < 0) {
                        paced = true; /* the store is down: try again later */
                        break;
                }
                n = (size_t)cJSON_GetArraySize(lines);
                cJSON_ArrayForEach(l, lines)
                {
                        if (add_line(out, l) < 0)
                                break;
                        c->last_seq = (uint64_t)cJSON_GetObjectItem(l, "seq")->valuedouble;
                        if (out->len < (size_t)c->hub->b->cfg->sse_max_buffer / 8)
                                continue;
                        if (!send_buf(c, out)) {
                                if (owned)
                                        cJSON_Delete(lines);
                                return false;
                        }
                        if ((paced = backlog_full(c)))
                                break;
                }
                if (owned)
                        cJSON_Delete(lines);
                if (!send_buf(c, out))
                        return false;
        }
        *ret_all = !c->task_id[0] || c->last_seq >= rc->acked || (!paced && n < SSE_PAGE);
        if (!*ret_all) { /* more lines wait: after the other clients had their turn, or the client read */
                struct timeval later = { 0, (paced ? SSE_PACE_MS : 0) * 1000 };
                if (!evtimer_pending(c->wake, NULL))
                        evtimer_add(c->wake, &later);
        }
        return true;
}

/* Brings one client up to date with the store; ends its stream once the run is final and sent. */
static void pump(struct sse_client *c)
{
        _cleanup_(rift_buf_free) struct rift_buf out = RIFT_BUF_INIT(SSE_MAX_PAGE_TEXT);
        struct run_cache *rc;
        bool first = !c->last_state, all;
        char end[96];

        if (!c->stream || !(rc = cache_get(c->hub, c->run_id)))
                return; /* the store is down: try again on the next pump */
        if (!c->task_id[0])
                rift_strlcpy(c->task_id, str_of(rc->run, "taskID"), sizeof(c->task_id));
        if (first && (add_state(c, rc->state, &out) < 0 || !send_buf(c, &out)))
                return;
        if (!send_lines(c, rc, &out, &all))
                return;
        if (add_state(c, rc->state, &out) < 0 || !send_buf(c, &out))
                return;
        if (all && phase_final(str_of(rc->run, "phase"))) {
                snprintf(end, sizeof(end), "{\"phase\":\"%.64s\"}", str_of(rc->run, "phase"));
                if (rift_sse_format(&out, "end", 0, end, strlen(end)) == 0 && send_buf(c, &out))
                        client_free(c);
        }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
        pump(arg);
}

/* A client whose backlog does not shrink for SSE_SLOW_CLIENT_TIMEOUT stopped reading: it is dropped
 * (its memory is bounded by SSE_MAX_BUFFER meanwhile). Wall time alone is not enough: a store call can
 * hold the loop for a while, and then nothing drained because nothing was written; so the backlog must
 * also have failed to shrink over SSE_STALL_TICKS ticks, each after a full turn of the loop. */
static bool stalled(struct sse_client *c, int64_t now)
{
        size_t q = rift_http_stream_buffered(c->stream);
        uint64_t sent = c->written - q; /* bytes that left for the client so far */
        bool stuck = q > (size_t)c->hub->b->cfg->sse_max_buffer / 4 && sent == c->last_sent;

        c->last_buffered = q;
        c->last_sent = sent;
        if (!stuck) {
                c->stalled_since = 0;
                c->stuck_ticks = 0;
                return false;
        }
        if (!c->stalled_since)
                c->stalled_since = now;
        return ++c->stuck_ticks >= SSE_STALL_TICKS && now - c->stalled_since >= c->hub->b->cfg->sse_slow_ms;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
        struct sse_hub *h = arg;
        struct sse_client *c, *next;
        int64_t now = backend_now_ms();

        for (c = h->clients; c; c = next) {
                next = c->next;
                if (!c->stream)
                        continue;
                if (stalled(c, now)) {
                        log_warn("sse client dropped: not reading", LOG_STR("run", c->run_id),
                                 LOG_INT("buffered", (int64_t)c->last_buffered),
                                 LOG_INT("last_seq", (int64_t)c->last_seq));
                        rift_http_stream_abort(c->stream);
                        c->stream = NULL;
                        client_free(c);
                        continue;
                }
                wake_soon(c);
        }
}

static void on_ping(evutil_socket_t fd, short what, void *arg)
{
        struct sse_hub *h = arg;
        struct sse_client *c, *next;
        struct rift_buf out = RIFT_BUF_INIT(64);

        rift_sse_comment(&out, "ping");
        for (c = h->clients; c; c = next) {
                next = c->next;
                if (!c->stream)
                        continue;
                if (rift_http_stream_write(c->stream, out.data, out.len) < 0)
                        client_free(c);
                else
                        c->written += out.len;
        }
        rift_buf_free(&out);
}

void backend_sse_notify(struct backend_ctx *b, const char *run_id)
{
        if (!b->sse || !run_id)
                return;
        cache_drop(b->sse, run_id);
        for (struct sse_client *c = b->sse->clients; c; c = c->next)
                if (!strcmp(c->run_id, run_id))
                        wake_soon(c);
}

/* ---- the request ---- */

static int reply_error(struct rift_http_request *req, int status, const char *code, const char *why)
{
        return rift_http_reply_error(req, status, code, why);
}

/* Authorised (or not): answers the request with an error, or starts the stream. */
static void decide(struct sse_client *c, const struct backend_authz_answer *a)
{
        struct rift_http_request *req = c->req;
        cJSON *run = NULL;
        int r;

        c->req = NULL;
        sodium_memzero(c->token, strlen(c->token));
        if (!a->ok) {
                if (a->unavailable)
                        reply_error(req, 503, "unavailable", "authorization service unavailable");
                else if (!a->authenticated)
                        reply_error(req, 401, "unauthorized", a->error[0] ? a->error : "invalid token");
                else
                        reply_error(req, 403, "permission_denied",
                                    a->error[0] ? a->error : "permission denied");
                client_free(c);
                return;
        }
        r = rift_store_get(c->hub->b->store, BC_RUNS, c->run_id, &run);
        if (r < 0 || strcmp(str_of(run, "projectID"), c->project) != 0 ||
            cJSON_IsTrue(cJSON_GetObjectItem(run, "isRemoved"))) {
                if (r < 0 && r != RIFT_E_NOTFOUND)
                        reply_error(req, 503, "unavailable", "cannot read the store");
                else
                        reply_error(req, 404, "not_found", "no such experiment run in this project");
                cJSON_Delete(run);
                client_free(c);
                return;
        }
        rift_strlcpy(c->task_id, str_of(run, "taskID"), sizeof(c->task_id));
        cJSON_Delete(run);
        rift_http_set_header(req, "X-Accel-Buffering", "no");
        r = rift_http_stream_start(req, 200, "text/event-stream", (size_t)c->hub->b->cfg->sse_max_buffer,
                                   on_gone, c, &c->stream);
        if (r < 0) {
                if (!rift_http_request_replied(req))
                        rift_http_reply_errno(req, r);
                client_free(c);
                return;
        }
        log_debug("sse stream started", LOG_STR("run", c->run_id), LOG_INT("after", (int64_t)c->last_seq));
        wake_soon(c); /* the first events are sent from the loop, not from inside the request */
}

static void authz_done(void *userdata, const struct backend_authz_answer *a)
{
        struct sse_client *c = userdata;

        if (c->abandoned) {
                client_free(c);
                return;
        }
        decide(c, a);
}

static void on_abandon(void *userdata)
{
        struct sse_client *c = userdata;

        c->abandoned = true; /* authz_done frees it */
        c->req = NULL;
}

static char *bearer(struct rift_http_request *req)
{
        const char *h = rift_http_request_header(req, "Authorization");

        if (!h || strncasecmp(h, "Bearer ", 7) != 0)
                return NULL;
        h += 7;
        while (*h == ' ')
                h++;
        return *h && strlen(h) < RIFT_MAX_JWT ? strdup(h) : NULL;
}

static unsigned streams_of_run(const struct sse_hub *h, const char *run_id)
{
        unsigned n = 0;

        for (const struct sse_client *c = h->clients; c; c = c->next)
                n += !strcmp(c->run_id, run_id);
        return n;
}

/* Checks the request; on failure it has replied. */
static int check_request(struct backend_ctx *b, struct rift_http_request *req, uint64_t *ret_after)
{
        const char *id = rift_http_request_param(req, "id"),
                   *project = rift_http_request_query(req, "projectID");
        const char *last = rift_http_request_header(req, "Last-Event-ID");

        if (!last)
                last = rift_http_request_query(req, "lastEventID");
        if (!id || !id[0] || strlen(id) > RIFT_MAX_ID)
                return reply_error(req, 404, "not_found", "no such experiment run in this project"),
                       RIFT_E_NOTFOUND;
        if (!project || !project[0] || strlen(project) > RIFT_MAX_ID)
                return reply_error(req, 400, "invalid_request", "projectID: required"), RIFT_E_INVALID;
        *ret_after = 0;
        if (last && rift_sse_parse_id(last, ret_after) < 0)
                return reply_error(req, 400, "invalid_request",
                                   "Last-Event-ID: expected the seq of a log event"),
                       RIFT_E_INVALID;
        if (b->sse->n_clients >= (uint64_t)b->cfg->sse_max_streams) {
                rift_http_set_header(req, "Retry-After", "5");
                return reply_error(req, 503, "unavailable", "too many live streams; retry later"),
                       RIFT_E_TOOBIG;
        }
        if (streams_of_run(b->sse, id) >= (uint64_t)b->cfg->sse_max_per_run) {
                rift_http_set_header(req, "Retry-After", "5");
                return reply_error(req, 429, "too_many_requests", "too many live streams for this run"),
                       RIFT_E_TOOBIG;
        }
        return 0;
}

static int h_sse(struct rift_http_request *req, void *userdata)
{
        struct backend_ctx *b = userdata;
        struct backend_authz_answer a = { 0 };
        struct sse_client *c;
        uint64_t after;
        char *token;
        int r;

        if (check_request(b, req, &after) < 0)
                return 0;
        token = bearer(req);
        if (!token)
                return reply_error(req, 401, "unauthorized", "missing bearer token");
        c = calloc(1, sizeof(*c));
        if (!c || !(c->wake = evtimer_new(b->base, on_wake, c))) {
                free(c);
                free(token);
                return -ENOMEM;
        }
        c->hub = b->sse;
        c->req = req;
        c->token = token;
        c->last_seq = after;
        rift_strlcpy(c->run_id, rift_http_request_param(req, "id"), sizeof(c->run_id));
        rift_strlcpy(c->project, rift_http_request_query(req, "projectID"), sizeof(c->project));
        c->next = b->sse->clients;
        if (c->next)
                c->next->prev = c;
        b->sse->clients = c;
        b->sse->n_clients++;
        r = backend_authz_check(b, c->token, c->project, ROLE_VIEWER, authz_done, c, &a);
        if (r < 0) {
                client_free(c);
                return r;
        }
        if (r == 1) {
                decide(c, &a);
                return 0;
        }
        rift_http_request_on_abandon(req, on_abandon, c);
        return RIFT_HTTP_ASYNC;
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_GET, "/sse/runs/:id", h_sse },
};

int backend_sse_mount(struct backend_ctx *b, struct rift_http_server *http)
{
        struct sse_hub *h = calloc(1, sizeof(*h));
        struct timeval tick = { 0, SSE_TICK_MS * 1000 };
        struct timeval ping = { b->cfg->sse_ping_ms / 1000, (b->cfg->sse_ping_ms % 1000) * 1000 };

        if (!h)
                return -ENOMEM;
        h->b = b;
        b->sse = h;
        h->tick = event_new(b->base, -1, EV_PERSIST, on_tick, h);
        h->ping = event_new(b->base, -1, EV_PERSIST, on_ping, h);
        if (!h->tick || !h->ping || event_add(h->tick, &tick) < 0 || event_add(h->ping, &ping) < 0)
                return -ENOMEM;
        return rift_http_server_add_routes(http, routes, ARRAY_SIZE(routes), b);
}

void backend_sse_free(struct backend_ctx *b)
{
        struct sse_hub *h = b->sse;

        if (!h)
                return;
        /* called after the HTTP server (streams ended) and the AuthService client (no answer can come):
         * only clients abandoned while their authorisation was pending are left */
        while (h->clients)
                client_free(h->clients);
        if (h->tick)
                event_free(h->tick);
        if (h->ping)
                event_free(h->ping);
        for (size_t i = 0; i < SSE_CACHE_RUNS; i++)
                cache_clear(&h->cache[i]);
        free(h);
        b->sse = NULL;
}
