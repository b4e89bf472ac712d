/* HTTP server on evhttp: see http_server.h. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/error.h"
#include "lib/http_server.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/str.h"

#define MAX_PARAMS          8            /* path parameters in one route pattern */
#define MAX_ROUTE_GROUPS    32           /* calls to rift_http_server_add_routes per server */
#define LISTEN_BACKLOG      511          /* pending connections the kernel queues */
#define DEFAULT_SHUTDOWN_MS 10000        /* graceful stop waits this long for in-flight requests */
#define CORS_MAX_AGE        "600"        /* seconds a browser may cache a preflight answer */
#define STREAM_MAX_SNDBUF   (256 * 1024) /* kernel send buffer of a streamed reply, at most */
#define ALL_EVHTTP_METHODS                                                                                   \
        (EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |          \
         EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS)

struct route_group {
        const struct rift_http_route *routes; /* caller's static table */
        size_t n;                             /* entries in routes */
        void *userdata;                       /* passed to every handler of the group */
};

struct rift_http_server {
        struct event_base *base;                     /* the process's loop (not owned) */
        struct evhttp *http;                         /* libevent's HTTP machinery */
        struct evhttp_bound_socket *bound;           /* the listener; NULL once stopped */
        SSL_CTX *ssl_ctx;                            /* TLS context; NULL for plain HTTP */
        uint16_t port;                               /* the port actually bound */
        size_t max_body;                             /* request body cap */
        size_t max_headers;                          /* request line + headers cap (431 above it) */
        int shutdown_timeout_ms;                     /* graceful stop bound */
        struct route_group groups[MAX_ROUTE_GROUPS]; /* route tables in registration order */
        size_t n_groups;                             /* groups in use */
        char **origins;                              /* CORS allow-list (copied), NULL-terminated */
        struct rift_http_hooks hooks;                /* per-request callback for metrics */
        unsigned inflight;                           /* dispatched requests not yet answered */
        struct rift_http_request *pending;           /* async requests awaiting their reply (list head) */
        bool stopping;                               /* graceful stop requested */
        bool stopped;                                /* graceful stop completed (done was called) */
        void (*done)(void *userdata);                /* called when the stop completes; NULL = loopexit */
        void *done_userdata;                         /* for done */
        struct event *stop_timer;                    /* bounds the wait for in-flight requests */
        struct event *sig_term;                      /* SIGTERM watcher */
        struct event *sig_int;                       /* SIGINT watcher */
        int timeout_ms;                              /* per-connection read/write timeout */
        struct rift_http_stream *streams;            /* open streamed replies (list head) */
        unsigned n_streams;                          /* entries in streams */
};

struct rift_http_stream {
        struct rift_http_server *srv;         /* the server; NULL once the server was freed */
        struct evhttp_request *ev;            /* the request; NULL once libevent freed it */
        struct evhttp_connection *evcon;      /* its connection; NULL once gone */
        size_t max_buffered;                  /* unsent bytes above which the client is dropped */
        void (*on_gone)(void *userdata);      /* the client left or the server stops */
        void *userdata;                       /* for on_gone */
        struct event *notify;                 /* runs on_gone from the loop */
        bool gone;                            /* writes fail from now on */
        bool counted;                         /* still counted in srv->inflight */
        struct rift_http_stream *prev, *next; /* in srv->streams */
};

struct param {
        const char *name; /* points into the route pattern, after ':' */
        size_t name_len;  /* bytes of name */
        char *value;      /* decoded value (malloc'ed) */
};

struct rift_http_request {
        struct rift_http_server *srv;          /* the server it arrived on */
        struct evhttp_request *ev;             /* libevent's request; freed by libevent after the reply */
        const struct rift_http_route *route;   /* matched route, NULL before matching */
        void *userdata;                        /* the route group's userdata */
        enum rift_http_method method;          /* request method */
        struct param params[MAX_PARAMS];       /* path parameters of the matched route */
        size_t n_params;                       /* entries in params */
        char *path;                            /* decoded path, computed on first use */
        struct evkeyvalq query;                /* parsed query, valid when query_parsed */
        bool query_parsed;                     /* query has been parsed */
        bool body_terminated;                  /* a NUL has been appended to the input buffer */
        bool replied;                          /* a reply has been sent */
        bool in_dispatch;                      /* inside on_request: a reply must not free the request yet */
        struct rift_http_request *prev, *next; /* in the server's list of async requests */
        void (*abandon)(void *userdata);       /* frees the async handler's state if never answered */
        void *abandon_userdata;                /* for abandon */
        char peer[64];                         /* peer address text */
        int64_t start_us;                      /* monotonic dispatch time */
};

static const struct {
        enum evhttp_cmd_type ev;
        enum rift_http_method method;
        const char *name;
} methods[] = {
        { EVHTTP_REQ_GET, RIFT_HTTP_GET, "GET" },
        { EVHTTP_REQ_POST, RIFT_HTTP_POST, "POST" },
        { EVHTTP_REQ_PUT, RIFT_HTTP_PUT, "PUT" },
        { EVHTTP_REQ_DELETE, RIFT_HTTP_DELETE, "DELETE" },
        { EVHTTP_REQ_PATCH, RIFT_HTTP_PATCH, "PATCH" },
        { EVHTTP_REQ_HEAD, RIFT_HTTP_HEAD, "HEAD" },
        { EVHTTP_REQ_OPTIONS, RIFT_HTTP_OPTIONS, "OPTIONS" },
};

static int64_t mono_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- request lifetime ---------------------------------------------------------------------------- */

static void request_free(struct rift_http_request *req)
{
        for (size_t i = 0; i < req->n_params; i++)
                free(req->params[i].value);
        if (req->query_parsed)
                evhttp_clear_headers(&req->query);
        free(req->path);
        free(req);
}

static void finish_stop(evutil_socket_t fd, short what, void *arg)
{
        struct rift_http_server *srv = arg;

        if (srv->stopped)
                return;
        srv->stopped = true;
        if (srv->stop_timer)
                event_del(srv->stop_timer);
        log_debug("http server stopped", LOG_INT("inflight", srv->inflight));
        if (srv->done)
                srv->done(srv->done_userdata);
        else
                event_base_loopexit(srv->base, NULL);
}

/* The reply has been written out (libevent's completion callback): only now may a graceful stop end
 * the loop, or the last bytes would never leave. A connection that fails mid-write never gets here; the
 * stop timer bounds that case. */
static void on_sent(struct evhttp_request *ev, void *arg)
{
        struct rift_http_server *srv = arg;

        srv->inflight--;
        if (srv->stopping && srv->inflight == 0)
                event_base_once(srv->base, -1, EV_TIMEOUT, finish_stop, srv, NULL);
}

static void pending_add(struct rift_http_request *req)
{
        struct rift_http_server *srv = req->srv;

        req->prev = NULL;
        req->next = srv->pending;
        if (srv->pending)
                srv->pending->prev = req;
        srv->pending = req;
}

static void pending_remove(struct rift_http_request *req)
{
        if (req->prev)
                req->prev->next = req->next;
        else if (req->srv->pending == req)
                req->srv->pending = req->next;
        if (req->next)
                req->next->prev = req->prev;
        req->prev = req->next = NULL;
}

void rift_http_request_on_abandon(struct rift_http_request *req, void (*fn)(void *userdata), void *userdata)
{
        req->abandon = fn;
        req->abandon_userdata = userdata;
}

/* Accounting common to every reply: the metrics hook, then the request's memory. */
static void request_done(struct rift_http_request *req, int status)
{
        struct rift_http_server *srv = req->srv;

        if (srv->hooks.on_request)
                srv->hooks.on_request(srv->hooks.userdata, req->route, req->method, status,
                                      mono_us() - req->start_us);
        if (req->in_dispatch)
                return; /* on_request frees it once the handler has returned */
        pending_remove(req);
        request_free(req);
}

/* ---- replies -------------------------------------------------------------------------------------- */

int rift_http_set_header(struct rift_http_request *req, const char *name, const char *value)
{
        if (req->replied)
                return -EALREADY;
        if (evhttp_add_header(evhttp_request_get_output_headers(req->ev), name, value) < 0)
                return -EINVAL;
        return 0;
}

int rift_http_reply(struct rift_http_request *req, int status, const char *content_type, const void *body,
                    size_t len)
{
        struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);

        if (req->replied)
                return -EALREADY;
        if (content_type)
                evhttp_add_header(h, "Content-Type", content_type);
        if (req->srv->stopping)
                evhttp_add_header(h, "Connection", "close");
        if (len > 0 && evbuffer_add(evhttp_request_get_output_buffer(req->ev), body, len) < 0)
                return -ENOMEM;
        req->replied = true;
        evhttp_send_reply(req->ev, status, NULL, NULL);
        request_done(req, status);
        return 0;
}

int rift_http_reply_json(struct rift_http_request *req, int status, const cJSON *body)
{
        _cleanup_free_ char *s = cJSON_PrintUnformatted(body);

        if (!s)
                return -ENOMEM;
        return rift_http_reply(req, status, "application/json", s, strlen(s));
}

int rift_http_reply_error(struct rift_http_request *req, int status, const char *code,
                          const char *description)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        if (!o || rift_json_add_string(o, "error", code) < 0 ||
            rift_json_add_string(o, "errorDescription", description) < 0)
                return -ENOMEM;
        return rift_http_reply_json(req, status, o);
}

static const struct {
        int err;          /* Rift code or negative errno */
        int status;       /* HTTP status */
        const char *code; /* "error" field of the body */
} error_map[] = {
        { RIFT_E_PARSE, 400, "invalid_request" },
        { RIFT_E_INVALID, 400, "invalid_request" },
        { -EINVAL, 400, "invalid_request" },
        { RIFT_E_AUTH, 401, "unauthorized" },
        { RIFT_E_FORBIDDEN, 403, "permission_denied" },
        { -EPERM, 403, "permission_denied" },
        { -EACCES, 403, "permission_denied" },
        { RIFT_E_NOTFOUND, 404, "not_found" },
        { -ENOENT, 404, "not_found" },
        { RIFT_E_EXISTS, 409, "already_exists" },
        { -EEXIST, 409, "already_exists" },
        { RIFT_E_CONFLICT, 409, "conflict" },
        { RIFT_E_TOOBIG, 413, "request_too_large" },
        { RIFT_E_UNSUPPORTED, 501, "not_implemented" },
        { RIFT_E_UNAVAILABLE, 503, "unavailable" },
        { RIFT_E_TIMEOUT, 504, "timeout" },
};

static size_t error_index(int err)
{
        for (size_t i = 0; i < ARRAY_SIZE(error_map); i++)
                if (error_map[i].err == err)
                        return i;
        return SIZE_MAX;
}

int rift_http_status_from_error(int err)
{
        size_t i = error_index(err);

        return i == SIZE_MAX ? 500 : error_map[i].status;
}

int rift_http_reply_errno(struct rift_http_request *req, int err)
{
        size_t i = error_index(err);

        if (i == SIZE_MAX)
                return rift_http_reply_error(req, 500, "server_error", "internal server error");
        return rift_http_reply_error(req, error_map[i].status, error_map[i].code, rift_strerror(err));
}

/* ---- streamed replies ----------------------------------------------------------------------------- */

static void set_timeouts(struct evhttp_connection *evcon, int read_ms, int write_ms)
{
        struct timeval r = { read_ms / 1000, (read_ms % 1000) * 1000 };
        struct timeval w = { write_ms / 1000, (write_ms % 1000) * 1000 };

        bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon), read_ms > 0 ? &r : NULL, &w);
}

static void stream_unlink(struct rift_http_stream *s)
{
        struct rift_http_server *srv = s->srv;

        if (!srv)
                return;
        if (s->prev)
                s->prev->next = s->next;
        else if (srv->streams == s)
                srv->streams = s->next;
        if (s->next)
                s->next->prev = s->prev;
        s->prev = s->next = NULL;
        srv->n_streams--;
}

static void stream_uncount(struct rift_http_stream *s)
{
        struct rift_http_server *srv = s->srv;

        if (!s->counted || !srv)
                return;
        s->counted = false;
        srv->inflight--;
        if (srv->stopping && srv->inflight == 0)
                event_base_once(srv->base, -1, EV_TIMEOUT, finish_stop, srv, NULL);
}

static void stream_notify_cb(evutil_socket_t fd, short what, void *arg)
{
        struct rift_http_stream *s = arg;

        if (s->on_gone)
                s->on_gone(s->userdata);
}

/* Marks the stream gone and tells its owner from the loop (once). */
static void stream_gone(struct rift_http_stream *s)
{
        if (s->gone)
                return;
        s->gone = true;
        if (s->notify)
                event_active(s->notify, EV_TIMEOUT, 0);
}

/* libevent frees the connection (the client closed it, or a read/write error or timeout): the request
 * was detached from it and stays ours until rift_http_stream_end(). */
static void stream_closed(struct evhttp_connection *evcon, void *arg)
{
        struct rift_http_stream *s = arg;

        s->evcon = NULL;
        stream_uncount(s);
        stream_gone(s);
}

int rift_http_stream_start(struct rift_http_request *req, int status, const char *content_type,
                           size_t max_buffered, void (*on_gone)(void *userdata), void *userdata,
                           struct rift_http_stream **ret)
{
        struct rift_http_server *srv = req->srv;
        struct evhttp_connection *evcon = evhttp_request_get_connection(req->ev);
        struct rift_http_stream *s;
        int sndbuf;

        if (req->replied)
                return -EALREADY;
        if (!evcon)
                return -EPIPE;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct rift_http_stream){ .srv = srv,
                                        .ev = req->ev,
                                        .evcon = evcon,
                                        .max_buffered = max_buffered,
                                        .on_gone = on_gone,
                                        .userdata = userdata,
                                        .counted = true };
        s->notify = evtimer_new(srv->base, stream_notify_cb, s);
        if (!s->notify) {
                free(s);
                return -ENOMEM;
        }
        if (content_type)
                evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Content-Type", content_type);
        evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Cache-Control", "no-cache");
        req->replied = true;
        evhttp_send_reply_start(req->ev, status, NULL);
        /* an idle stream is not a stuck request: only unsendable data times out */
        set_timeouts(evcon, 0, srv->timeout_ms);
        /* the kernel's share of the backlog is bounded too, so a client that stops reading shows */
        sndbuf = max_buffered < STREAM_MAX_SNDBUF ? (int)max_buffered : STREAM_MAX_SNDBUF;
        setsockopt(bufferevent_getfd(evhttp_connection_get_bufferevent(evcon)), SOL_SOCKET, SO_SNDBUF,
                   &sndbuf, sizeof(sndbuf));
        evhttp_connection_set_closecb(evcon, stream_closed, s);
        s->next = srv->streams;
        if (srv->streams)
                srv->streams->prev = s;
        srv->streams = s;
        srv->n_streams++;
        if (srv->stopping)
                stream_gone(s);
        request_done(req, status);
        *ret = s;
        return 0;
}

size_t rift_http_stream_buffered(const struct rift_http_stream *s)
{
        if (s->gone || !s->evcon)
                return 0;
        return evbuffer_get_length(bufferevent_get_output(evhttp_connection_get_bufferevent(s->evcon)));
}

/* Closes the connection of a client that does not read; libevent frees the request with it. */
static void stream_drop(struct rift_http_stream *s)
{
        struct evhttp_connection *evcon = s->evcon;

        evhttp_connection_set_closecb(evcon, NULL, NULL);
        s->evcon = NULL;
        s->ev = NULL;
        s->gone = true;
        stream_uncount(s);
        evhttp_connection_free(evcon);
}

int rift_http_stream_write(struct rift_http_stream *s, const void *data, size_t len)
{
        struct evbuffer *chunk;

        if (s->gone || !s->evcon)
                return -EPIPE;
        if (len == 0)
                return 0;
        if (rift_http_stream_buffered(s) + len > s->max_buffered) {
                log_debug("http stream dropped: client not reading",
                          LOG_INT("buffered", (int64_t)rift_http_stream_buffered(s)));
                stream_drop(s);
                return RIFT_E_TOOBIG;
        }
        chunk = evbuffer_new();
        if (!chunk || evbuffer_add(chunk, data, len) < 0) {
                evbuffer_free(chunk);
                return -ENOMEM;
        }
        evhttp_send_reply_chunk(s->ev, chunk);
        evbuffer_free(chunk);
        return 0;
}

void rift_http_stream_end(struct rift_http_stream *s)
{
        if (!s)
                return;
        if (s->evcon) { /* still connected: the last chunk, then keep-alive as usual */
                evhttp_connection_set_closecb(s->evcon, NULL, NULL);
                if (s->srv)
                        set_timeouts(s->evcon, s->srv->timeout_ms, s->srv->timeout_ms);
                evhttp_send_reply_end(s->ev); /* on_sent uncounts it once written */
        } else if (s->ev) {
                evhttp_send_reply_end(s->ev); /* detached by libevent: this frees it */
        }
        stream_unlink(s);
        if (s->notify)
                event_free(s->notify);
        free(s);
}

void rift_http_stream_abort(struct rift_http_stream *s)
{
        if (!s)
                return;
        if (s->evcon)
                stream_drop(s);
        rift_http_stream_end(s);
}

unsigned rift_http_server_streams(const struct rift_http_server *srv)
{
        return srv->n_streams;
}

/* ---- request accessors ---------------------------------------------------------------------------- */

enum rift_http_method rift_http_request_method(const struct rift_http_request *req)
{
        return req->method;
}

const char *rift_http_request_path(const struct rift_http_request *req)
{
        struct rift_http_request *r = (struct rift_http_request *)req;
        const char *raw;

        if (!r->path) {
                raw = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r->ev));
                r->path = evhttp_uridecode(raw ? raw : "/", 0, NULL);
        }
        return r->path ? r->path : "/";
}

const char *rift_http_request_param(const struct rift_http_request *req, const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; i < req->n_params; i++)
                if (req->params[i].name_len == n && memcmp(req->params[i].name, name, n) == 0)
                        return req->params[i].value;
        return NULL;
}

const char *rift_http_request_query(const struct rift_http_request *req, const char *name)
{
        struct rift_http_request *r = (struct rift_http_request *)req;
        const char *q;

        if (!r->query_parsed) {
                TAILQ_INIT(&r->query);
                q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->ev));
                if (q && evhttp_parse_query_str(q, &r->query) < 0)
                        evhttp_clear_headers(&r->query);
                r->query_parsed = true;
        }
        return evhttp_find_header(&r->query, name);
}

const char *rift_http_request_header(const struct rift_http_request *req, const char *name)
{
        return evhttp_find_header(evhttp_request_get_input_headers(req->ev), name);
}

int rift_http_request_body(struct rift_http_request *req, const char **ret_data, size_t *ret_len)
{
        struct evbuffer *in = evhttp_request_get_input_buffer(req->ev);
        size_t len;
        unsigned char *p;

        if (!req->body_terminated) {
                if (evbuffer_add(in, "", 1) < 0)
                        return -ENOMEM;
                req->body_terminated = true;
        }
        len = evbuffer_get_length(in);
        p = evbuffer_pullup(in, -1);
        if (!p)
                return -ENOMEM;
        *ret_data = (const char *)p;
        *ret_len = len - 1;
        return 0;
}

int rift_http_request_json(struct rift_http_request *req, const char *const *allowed, size_t n_allowed,
                           cJSON **ret)
{
        _cleanup_json_ cJSON *o = NULL;
        struct rift_json_error e = { .msg = "" };
        char desc[192];
        const char *data, *bad = NULL;
        size_t len;
        int r;

        r = rift_http_request_body(req, &data, &len);
        if (r < 0)
                return r;
        r = rift_json_parse_object(data, len, req->srv->max_body, &e, &o);
        if (r < 0) {
                snprintf(desc, sizeof(desc), "%s (at byte %zu)", e.msg, e.offset);
        } else if (allowed && rift_json_check_fields(o, allowed, n_allowed, &bad) < 0) {
                snprintf(desc, sizeof(desc), "unknown or repeated field \"%.64s\"", bad ? bad : "");
                r = RIFT_E_INVALID;
        }
        if (r < 0) {
                rift_http_reply_error(req, r == RIFT_E_TOOBIG ? 413 : 400, "invalid_request", desc);
                return r;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

const char *rift_http_request_peer(const struct rift_http_request *req)
{
        return req->peer;
}

void *rift_http_request_userdata(const struct rift_http_request *req)
{
        return req->userdata;
}

bool rift_http_request_replied(const struct rift_http_request *req)
{
        return req->replied;
}

/* ---- routing -------------------------------------------------------------------------------------- */

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape or an encoded NUL. */
static char *pct_decode(const char *s, size_t n)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                int hi = i + 2 < n ? rift_hex_value(s[i + 1]) : -1;
                int lo = i + 2 < n ? rift_hex_value(s[i + 2]) : -1;
                if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                        free(out);
                        return NULL;
                }
                *o++ = (char)(hi << 4 | lo);
                i += 2;
        }
        *o = '\0';
        return out;
}

struct capture {
        const char *name; /* parameter name in the pattern */
        size_t name_len;  /* bytes of name */
        const char *val;  /* raw value in the path */
        size_t val_len;   /* bytes of val */
};

static size_t seglen(const char *s)
{
        const char *e = strchr(s, '/');

        return e ? (size_t)(e - s) : strlen(s);
}

/* Matches a raw path ("/a/b", no query) against a pattern; captures parameters. */
static bool match(const char *pattern, const char *path, struct capture *caps, size_t *ret_n)
{
        const char *p = pattern, *s = path;
        size_t n = 0;

        while (*p == '/' && *s == '/') {
                size_t pl, sl;

                p++;
                s++;
                pl = seglen(p);
                sl = seglen(s);
                if (pl == 1 && *p == '*' && p[1] == '\0') {
                        if (n == MAX_PARAMS)
                                return false;
                        caps[n++] = (struct capture){ p, 1, s, strlen(s) };
                        *ret_n = n;
                        return true;
                }
                if (*p == ':') {
                        if (sl == 0 || n == MAX_PARAMS)
                                return false;
                        caps[n++] = (struct capture){ p + 1, pl - 1, s, sl };
                } else if (pl != sl || memcmp(p, s, pl) != 0) {
                        return false;
                }
                p += pl;
                s += sl;
        }
        *ret_n = n;
        return *p == '\0' && *s == '\0';
}

static enum rift_http_method method_from_ev(enum evhttp_cmd_type t)
{
        for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
                if (methods[i].ev == t)
                        return methods[i].method;
        return 0;
}

static void allow_header(unsigned mask, char *out, size_t size)
{
        out[0] = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
                if (!(mask & methods[i].method))
                        continue;
                if (out[0])
                        strncat(out, ", ", size - strlen(out) - 1);
                strncat(out, methods[i].name, size - strlen(out) - 1);
        }
}

/* Finds the route; returns 0, or 404/405/400 with *ret_allowed the methods the path accepts. */
static int route(struct rift_http_request *req, const char *raw_path, unsigned *ret_allowed)
{
        struct rift_http_server *srv = req->srv;
        struct capture caps[MAX_PARAMS];
        unsigned allowed = 0;
        size_t n;

        for (size_t g = 0; g < srv->n_groups; g++) {
                for (size_t i = 0; i < srv->groups[g].n; i++) {
                        const struct rift_http_route *rt = &srv->groups[g].routes[i];

                        if (!match(rt->pattern, raw_path, caps, &n))
                                continue;
                        if (!(rt->methods & req->method)) {
                                allowed |= rt->methods;
                                continue;
                        }
                        for (size_t k = 0; k < n; k++) {
                                req->params[k] = (struct param){ caps[k].name, caps[k].name_len,
                                                                 pct_decode(caps[k].val, caps[k].val_len) };
                                req->n_params = k + 1;
                                if (!req->params[k].value)
                                        return 400;
                        }
                        req->route = rt;
                        req->userdata = srv->groups[g].userdata;
                        return 0;
                }
        }
        *ret_allowed = allowed;
        return allowed ? 405 : 404;
}

/* ---- CORS ----------------------------------------------------------------------------------------- */

static bool origin_allowed(const struct rift_http_server *srv, const char *origin)
{
        for (char **o = srv->origins; o && *o; o++)
                if (strcmp(*o, origin) == 0)
                        return true;
        return false;
}

/* A page served by this server (a portal's module scripts, its fetch() calls) sends an Origin naming
 * the Host it was loaded from: that is not a cross-origin request and needs no CORS. */
static bool same_origin(struct rift_http_request *req, const char *origin)
{
        const char *host = rift_http_request_header(req, "Host");
        const char *scheme = req->srv->ssl_ctx ? "https://" : "http://";
        size_t n = strlen(scheme);

        return host && host[0] && strncmp(origin, scheme, n) == 0 && strcmp(origin + n, host) == 0;
}

/* Applies CORS; returns true if the request has been answered (rejected origin or preflight). */
static bool cors(struct rift_http_request *req)
{
        struct evkeyvalq *h = evhttp_request_get_output_headers(req->ev);
        const char *origin = rift_http_request_header(req, "Origin");
        const char *want;

        if (!origin || same_origin(req, origin))
                return false;
        if (!origin_allowed(req->srv, origin)) {
                static const char body[] = "{\"error\":\"Invalid origin\"}";
                rift_http_reply(req, 403, "application/json", body, sizeof(body) - 1);
                return true;
        }
        evhttp_add_header(h, "Access-Control-Allow-Origin", origin);
        evhttp_add_header(h, "Access-Control-Allow-Credentials", "true");
        evhttp_add_header(h, "Vary", "Origin");
        if (req->method != RIFT_HTTP_OPTIONS ||
            !rift_http_request_header(req, "Access-Control-Request-Method"))
                return false;
        evhttp_add_header(h, "Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        want = rift_http_request_header(req, "Access-Control-Request-Headers");
        evhttp_add_header(h, "Access-Control-Allow-Headers", want ? want : "Authorization, Content-Type");
        evhttp_add_header(h, "Access-Control-Max-Age", CORS_MAX_AGE);
        rift_http_reply(req, 204, NULL, NULL, 0);
        return true;
}

/* ---- dispatch ------------------------------------------------------------------------------------- */

static void fill_peer(struct rift_http_request *req)
{
        struct evhttp_connection *c = evhttp_request_get_connection(req->ev);
        char *addr = NULL;
        uint16_t port = 0;

        if (c)
                evhttp_connection_get_peer(c, &addr, &port);
        rift_strlcpy(req->peer, addr ? addr : "", sizeof(req->peer));
}

static void dispatch_route(struct rift_http_request *req)
{
        const char *raw = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req->ev));
        unsigned allowed = 0;
        char allow[80];
        int status, r;

        status = route(req, raw && *raw ? raw : "/", &allowed);
        if (status == 405) {
                allow_header(allowed, allow, sizeof(allow));
                evhttp_add_header(evhttp_request_get_output_headers(req->ev), "Allow", allow);
                rift_http_reply_error(req, 405, "method_not_allowed", "method not allowed");
                return;
        }
        if (status != 0) {
                rift_http_reply_error(req, status, status == 404 ? "not_found" : "invalid_request",
                                      status == 404 ? "no such route" : "bad path encoding");
                return;
        }
        r = req->route->handler(req, req->userdata);
        if (r == RIFT_HTTP_ASYNC && !req->replied) {
                req->in_dispatch = false; /* the reply, later, frees it */
                pending_add(req);
                return;
        }
        if (!req->replied) {
                if (r >= 0)
                        r = -EIO; /* a handler that neither replied nor failed is a bug */
                log_debug("http handler failed", LOG_STR("route", req->route->pattern), LOG_ERR(r));
                rift_http_reply_errno(req, r);
        }
}

/* The request line and headers as sent (approximately: "Name: value\r\n" each). */
static size_t header_bytes(struct evhttp_request *ev)
{
        const char *uri = evhttp_request_get_uri(ev);
        size_t n = (uri ? strlen(uri) : 0) + 16;

        for (struct evkeyval *h = evhttp_request_get_input_headers(ev)->tqh_first; h; h = h->next.tqe_next)
                n += strlen(h->key) + strlen(h->value) + 4;
        return n;
}

static void on_request(struct evhttp_request *ev, void *arg)
{
        struct rift_http_server *srv = arg;
        struct rift_http_request *req = calloc(1, sizeof(*req));

        if (!req) {
                evhttp_send_error(ev, 503, NULL);
                return;
        }
        req->srv = srv;
        req->ev = ev;
        req->start_us = mono_us();
        req->method = method_from_ev(evhttp_request_get_command(ev));
        srv->inflight++;
        evhttp_request_set_on_complete_cb(ev, on_sent, srv);
        fill_peer(req);
        req->in_dispatch = true;
        if (header_bytes(ev) > srv->max_headers)
                rift_http_reply_error(req, 431, "request_header_fields_too_large",
                                      "the request line and headers are too large");
        else if (!req->method)
                rift_http_reply_error(req, 405, "method_not_allowed", "method not allowed");
        else if (!cors(req))
                dispatch_route(req);
        if (!req->in_dispatch)
                return;    /* handed to an async handler */
        if (!req->replied) /* even the error reply failed (out of memory) */
                evhttp_send_error(req->ev, 500, NULL);
        request_free(req);
}

/* ---- setup ---------------------------------------------------------------------------------------- */

static struct bufferevent *tls_bevcb(struct event_base *base, void *arg)
{
        struct rift_http_server *srv = arg;
        SSL *ssl = SSL_new(srv->ssl_ctx);
        struct bufferevent *bev;

        if (!ssl)
                return NULL;
        bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev)
                bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        return bev;
}

static int tls_setup(struct rift_http_server *srv, const char *cert, const char *key)
{
        srv->ssl_ctx = SSL_CTX_new(TLS_server_method());
        if (!srv->ssl_ctx)
                return -ENOMEM;
        SSL_CTX_set_min_proto_version(srv->ssl_ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(srv->ssl_ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_mode(srv->ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
        if (SSL_CTX_use_certificate_chain_file(srv->ssl_ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(srv->ssl_ctx, key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(srv->ssl_ctx) != 1) {
                log_debug("tls setup failed", LOG_STR("cert", cert),
                          LOG_STR("reason", ERR_reason_error_string(ERR_get_error())));
                ERR_clear_error();
                return RIFT_E_TLS;
        }
        evhttp_set_bevcb(srv->http, tls_bevcb, srv);
        return 0;
}

/* Binds a non-blocking, close-on-exec listening socket and reads back the port. */
static int bind_listener(struct rift_http_server *srv, const char *address, uint16_t port)
{
        struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                                  .ai_socktype = SOCK_STREAM };
        struct addrinfo *ai = NULL;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        struct evconnlistener *l;
        char portstr[8];
        int fd, one = 1;

        snprintf(portstr, sizeof(portstr), "%u", port);
        if (getaddrinfo(address, portstr, &hints, &ai) != 0)
                return -EINVAL;
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        /* TCP_NODELAY on the listener is inherited by accepted sockets: without it a reply written in
         * two segments waits ~40 ms for the client's delayed ACK on a kept-alive connection. */
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
                int r = -errno;
                freeaddrinfo(ai);
                if (fd >= 0)
                        close(fd);
                return r;
        }
        freeaddrinfo(ai);
        srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
        l = evconnlistener_new(srv->base, NULL, NULL,
                               LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
                               LISTEN_BACKLOG, fd);
        if (!l) {
                close(fd);
                return -errno ? -errno : -ENOMEM;
        }
        srv->bound = evhttp_bind_listener(srv->http, l);
        if (!srv->bound) {
                evconnlistener_free(l);
                return -ENOMEM;
        }
        return 0;
}

static int copy_origins(struct rift_http_server *srv, const char *const *origins)
{
        size_t n = 0;

        while (origins && origins[n])
                n++;
        srv->origins = calloc(n + 1, sizeof(char *));
        if (!srv->origins)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                srv->origins[i] = strdup(origins[i]);
                if (!srv->origins[i])
                        return -ENOMEM;
        }
        return 0;
}

static int server_setup(struct rift_http_server *srv, const struct rift_http_server_config *cfg)
{
        int timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : RIFT_HTTP_TIMEOUT_MS;
        struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
        int r;

        srv->http = evhttp_new(srv->base);
        if (!srv->http)
                return -ENOMEM;
        srv->max_body = cfg->max_body ? cfg->max_body : RIFT_MAX_HTTP_BODY;
        srv->timeout_ms = timeout_ms;
        srv->shutdown_timeout_ms =
            cfg->shutdown_timeout_ms > 0 ? cfg->shutdown_timeout_ms : DEFAULT_SHUTDOWN_MS;
        evhttp_set_max_body_size(srv->http, (ev_ssize_t)srv->max_body);
        /* libevent's own cap (answered with 400 before any handler) is four times ours, so that a header
         * block over ours but under that gets the right status, 431, from on_request; memory stays bounded. */
        srv->max_headers = cfg->max_headers ? cfg->max_headers : RIFT_MAX_HTTP_HEADERS;
        evhttp_set_max_headers_size(srv->http, (ev_ssize_t)(4 * srv->max_headers));
        evhttp_set_timeout_tv(srv->http, &tv);
        evhttp_set_allowed_methods(srv->http, ALL_EVHTTP_METHODS);
        evhttp_set_default_content_type(srv->http,
                                        NULL); /* our replies set it; libevent error pages are HTML */
        evhttp_set_gencb(srv->http, on_request, srv);
        r = copy_origins(srv, cfg->cors_origins);
        if (r < 0)
                return r;
        if (cfg->tls_cert || cfg->tls_key) {
                if (!cfg->tls_cert || !cfg->tls_key)
                        return -EINVAL;
                r = tls_setup(srv, cfg->tls_cert, cfg->tls_key);
                if (r < 0)
                        return r;
        }
        return bind_listener(srv, cfg->address ? cfg->address : "127.0.0.1", cfg->port);
}

int rift_http_server_new(struct event_base *base, const struct rift_http_server_config *cfg,
                         struct rift_http_server **ret)
{
        struct rift_http_server *srv;
        int r;

        if (!base || !cfg || !ret)
                return -EINVAL;
        /* a peer that closes early must not kill the process through SIGPIPE */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return -errno;
        srv = calloc(1, sizeof(*srv));
        if (!srv)
                return -ENOMEM;
        srv->base = base;
        r = server_setup(srv, cfg);
        if (r < 0) {
                rift_http_server_free(srv);
                return r;
        }
        *ret = srv;
        return 0;
}

void rift_http_server_free(struct rift_http_server *srv)
{
        if (!srv)
                return;
        while (srv->pending) { /* async requests never answered: let their handlers free their state */
                struct rift_http_request *req = srv->pending;
                pending_remove(req);
                if (req->abandon)
                        req->abandon(req->abandon_userdata);
                request_free(req);
        }
        while (srv->streams) { /* streams never ended: detach them, then tell their owners */
                struct rift_http_stream *s = srv->streams;
                stream_unlink(s);
                s->srv = NULL;
                s->counted = false;
                if (s->evcon) {
                        evhttp_connection_set_closecb(s->evcon, NULL, NULL);
                        s->ev = NULL; /* evhttp_free frees it with its connection */
                        s->evcon = NULL;
                } else if (s->ev) {
                        evhttp_request_free(s->ev);
                        s->ev = NULL;
                }
                s->gone = true;
                if (s->notify)
                        event_free(s->notify);
                s->notify = NULL;
                if (s->on_gone)
                        s->on_gone(s->userdata);
        }
        if (srv->http)
                evhttp_free(srv->http); /* also closes the listener and every connection */
        if (srv->stop_timer)
                event_free(srv->stop_timer);
        if (srv->sig_term)
                event_free(srv->sig_term);
        if (srv->sig_int)
                event_free(srv->sig_int);
        SSL_CTX_free(srv->ssl_ctx);
        for (char **o = srv->origins; o && *o; o++)
                free(*o);
        free(srv->origins);
        free(srv);
}

uint16_t rift_http_server_port(const struct rift_http_server *srv)
{
        return srv->port;
}

int rift_http_server_add_routes(struct rift_http_server *srv, const struct rift_http_route *routes, size_t n,
                                void *userdata)
{
        if (!routes && n > 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!routes[i].pattern || routes[i].pattern[0] != '/' || !routes[i].handler)
                        return -EINVAL;
        if (srv->n_groups == MAX_ROUTE_GROUPS)
                return RIFT_E_TOOBIG;
        srv->groups[srv->n_groups++] = (struct route_group){ routes, n, userdata };
        return 0;
}

void rift_http_server_set_hooks(struct rift_http_server *srv, const struct rift_http_hooks *hooks)
{
        srv->hooks = hooks ? *hooks : (struct rift_http_hooks){ 0 };
}

unsigned rift_http_server_inflight(const struct rift_http_server *srv)
{
        return srv->inflight;
}

void rift_http_server_stop(struct rift_http_server *srv, void (*done)(void *userdata), void *userdata)
{
        struct timeval tv = { srv->shutdown_timeout_ms / 1000, (srv->shutdown_timeout_ms % 1000) * 1000 };

        if (srv->stopping)
                return;
        srv->stopping = true;
        srv->done = done;
        srv->done_userdata = userdata;
        if (srv->bound) {
                evhttp_del_accept_socket(srv->http, srv->bound);
                srv->bound = NULL;
        }
        for (struct rift_http_stream *s = srv->streams; s; s = s->next)
                stream_gone(s); /* their owners end them; each end counts as a finished request */
        log_debug("http server stopping", LOG_INT("inflight", srv->inflight));
        if (srv->inflight == 0) {
                event_base_once(srv->base, -1, EV_TIMEOUT, finish_stop, srv, NULL);
                return;
        }
        srv->stop_timer = evtimer_new(srv->base, finish_stop, srv);
        if (srv->stop_timer)
                evtimer_add(srv->stop_timer, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
        rift_http_server_stop(arg, NULL, NULL);
}

int rift_http_server_watch_signals(struct rift_http_server *srv)
{
        if (!srv->sig_term)
                srv->sig_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
        if (!srv->sig_int)
                srv->sig_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
        if (!srv->sig_term || !srv->sig_int)
                return -ENOMEM;
        if (evsignal_add(srv->sig_term, NULL) < 0 || evsignal_add(srv->sig_int, NULL) < 0)
                return -EIO;
        return 0;
}
