/* HTTP/1.1 server on libevent's evhttp: one event loop, routes from static const tables, bounded
 * requests, optional TLS (1.2+), exact-origin CORS, JSON replies, per-request hooks, graceful stop.
 *
 *   static const struct rift_http_route routes[] = {
 *           { RIFT_HTTP_GET, "/get_project_members/:id/:state", get_members },
 *           { RIFT_HTTP_POST, "/login", login },
 *   };
 *   struct rift_http_server_config cfg = { .address = "127.0.0.1", .port = 0 };
 *   r = rift_http_server_new(base, &cfg, &srv);
 *   r = rift_http_server_add_routes(srv, routes, ARRAY_SIZE(routes), app);
 *   r = rift_http_server_watch_signals(srv);   // SIGTERM/SIGINT -> graceful stop, then loop exits
 *   event_base_dispatch(base);
 *
 * A handler replies with one of the rift_http_reply* calls and returns 0. If it returns a negative code
 * without replying, the server replies with rift_http_reply_errno(). Returning RIFT_HTTP_ASYNC keeps the
 * request open: reply later from the loop (the request stays valid until the reply, even if the client
 * has gone away meanwhile). Unknown path -> 404, known path with another method -> 405 (with Allow),
 * body over max_body -> 413 (answered by libevent before any handler), request line + headers over
 * max_headers -> 431 (over four times max_headers libevent answers 400 before any handler), request with
 * a disallowed Origin -> 403 {"error":"Invalid origin"}.
 * rift_http_server_new() sets SIGPIPE to ignored: a peer that hangs up must not kill the process. */
#ifndef RIFT_HTTP_SERVER_H
#define RIFT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct event_base;
struct rift_http_server;
struct rift_http_request;

/* Methods, combinable as a mask in a route. */
enum rift_http_method {
        RIFT_HTTP_GET = 1u << 0,
        RIFT_HTTP_POST = 1u << 1,
        RIFT_HTTP_PUT = 1u << 2,
        RIFT_HTTP_DELETE = 1u << 3,
        RIFT_HTTP_PATCH = 1u << 4,
        RIFT_HTTP_HEAD = 1u << 5,
        RIFT_HTTP_OPTIONS = 1u << 6,
        RIFT_HTTP_ANY = 0x7fu,
};

/* Returned by a handler that will reply later. */
#define RIFT_HTTP_ASYNC 1

typedef int (*rift_http_handler)(struct rift_http_request *req, void *userdata);

struct rift_http_route {
        unsigned methods;    /* mask of enum rift_http_method */
        const char *pattern; /* "/a/:id/b": literal segments, ":name" params, a final "*" matches the rest */
        rift_http_handler handler; /* called with the userdata given to rift_http_server_add_routes */
};

/* Called once per finished request, for metrics. route is NULL for requests that matched no route
 * (404/405/413/CORS rejects); latency is from dispatch to reply. */
struct rift_http_hooks {
        void (*on_request)(void *userdata, const struct rift_http_route *route, enum rift_http_method method,
                           int status, int64_t latency_us);
        void *userdata; /* passed to on_request */
};

struct rift_http_server_config {
        const char *address;     /* IPv4/IPv6 literal to bind; NULL = "127.0.0.1" */
        uint16_t port;           /* 0 = a free port, see rift_http_server_port() */
        const char *tls_cert;    /* PEM certificate chain; NULL = plain HTTP */
        const char *tls_key;     /* PEM private key for tls_cert */
        size_t max_body;         /* request body cap; 0 = RIFT_MAX_HTTP_BODY */
        size_t max_headers;      /* request line + headers cap; 0 = RIFT_MAX_HTTP_HEADERS */
        int timeout_ms;          /* read/write/idle timeout per connection; 0 = RIFT_HTTP_TIMEOUT_MS */
        int shutdown_timeout_ms; /* graceful stop waits this long for in-flight requests; 0 = 10000 */
        const char *const *cors_origins; /* exact allowed origins, NULL-terminated; NULL = none allowed */
};

int rift_http_server_new(struct event_base *base, const struct rift_http_server_config *cfg,
                         struct rift_http_server **ret);
/* Closes the listener and every connection at once. Accepts NULL. */
void rift_http_server_free(struct rift_http_server *srv);
/* The bound port (the real one when the config asked for 0). */
uint16_t rift_http_server_port(const struct rift_http_server *srv);
/* Adds routes (kept by pointer: use static const tables); earlier routes win on overlap. */
int rift_http_server_add_routes(struct rift_http_server *srv, const struct rift_http_route *routes, size_t n,
                                void *userdata);
void rift_http_server_set_hooks(struct rift_http_server *srv, const struct rift_http_hooks *hooks);
/* Graceful stop: stop accepting, let in-flight requests finish (up to shutdown_timeout_ms), then
 * call done(userdata) or, with done NULL, exit the event loop. */
void rift_http_server_stop(struct rift_http_server *srv, void (*done)(void *userdata), void *userdata);
/* Installs SIGTERM and SIGINT handlers on the loop that call rift_http_server_stop(srv, NULL, NULL). */
int rift_http_server_watch_signals(struct rift_http_server *srv);
/* Requests dispatched and not yet answered. */
unsigned rift_http_server_inflight(const struct rift_http_server *srv);

/* ---- request accessors (valid until the reply) ---- */
enum rift_http_method rift_http_request_method(const struct rift_http_request *req);
/* Decoded path without the query string. */
const char *rift_http_request_path(const struct rift_http_request *req);
/* Path parameter from the route pattern (":id" -> "id", "*" -> "*"); NULL if the route has none. */
const char *rift_http_request_param(const struct rift_http_request *req, const char *name);
/* Decoded query parameter; NULL if absent. */
const char *rift_http_request_query(const struct rift_http_request *req, const char *name);
/* Request header (case-insensitive); NULL if absent. */
const char *rift_http_request_header(const struct rift_http_request *req, const char *name);
/* The body as one contiguous NUL-terminated block (len excludes the NUL). */
int rift_http_request_body(struct rift_http_request *req, const char **ret_data, size_t *ret_len);
/* Parses the body as a JSON object (depth RIFT_MAX_JSON_DEPTH, size the server's max_body); with allowed
 * not NULL, unknown fields are rejected. On failure it has already replied 400
 * {"error":"invalid_request","errorDescription":...} and returns the error: the handler returns 0. */
int rift_http_request_json(struct rift_http_request *req, const char *const *allowed, size_t n_allowed,
                           cJSON **ret);
/* Peer IP address as text. */
const char *rift_http_request_peer(const struct rift_http_request *req);
/* The matched route's userdata (also passed to the handler). */
void *rift_http_request_userdata(const struct rift_http_request *req);
/* True once a reply has been sent (or queued). */
bool rift_http_request_replied(const struct rift_http_request *req);

/* For an async handler: fn(userdata) runs if the server is freed before the request was answered, to
 * free what the handler keeps for it (the request itself is freed by the server). */
void rift_http_request_on_abandon(struct rift_http_request *req, void (*fn)(void *userdata), void *userdata);

/* ---- replies (exactly one per request) ---- */
/* Adds a response header; call before the reply. */
int rift_http_set_header(struct rift_http_request *req, const char *name, const char *value);
int rift_http_reply(struct rift_http_request *req, int status, const char *content_type, const void *body,
                    size_t len);
/* Serializes body (not consumed) as application/json. */
int rift_http_reply_json(struct rift_http_request *req, int status, const cJSON *body);
/* Litmus auth error body: {"error": code, "errorDescription": description}. */
int rift_http_reply_error(struct rift_http_request *req, int status, const char *code,
                          const char *description);
/* Maps a negative Rift/errno code to a status and an error body (RIFT_E_INVALID -> 400
 * invalid_request, RIFT_E_AUTH -> 401, RIFT_E_FORBIDDEN -> 403, RIFT_E_NOTFOUND -> 404,
 * RIFT_E_EXISTS -> 409, RIFT_E_TOOBIG -> 413, other -> 500 server_error). */
int rift_http_reply_errno(struct rift_http_request *req, int err);
/* HTTP status rift_http_reply_errno() would use for err. */
int rift_http_status_from_error(int err);

/* ---- streamed replies (chunked transfer encoding, e.g. Server-Sent Events) ----
 * A handler (or an async handler, later) answers with a stream instead of one reply:
 *
 *   r = rift_http_stream_start(req, 200, "text/event-stream", 256 * 1024, on_gone, st, &st->stream);
 *   r = rift_http_stream_write(st->stream, "data: x\n\n", 9);   // any number of times
 *   rift_http_stream_end(st->stream);                              // last chunk; frees the stream
 *
 * The request is answered by the start (the handler returns 0, or its async reply is done) and must not
 * be used afterwards: the stream carries the connection on its own. on_gone(userdata) runs at most once,
 * from the loop, when the client closed the connection or the server is stopping or freed; writes then
 * fail with -EPIPE and the owner calls rift_http_stream_end() (also allowed inside on_gone). A client
 * that stops reading is dropped, not buffered: when more than max_buffered bytes wait in the connection's
 * output, rift_http_stream_write() closes the connection and returns RIFT_E_TOOBIG (on_gone is not
 * called for that; the owner ends the stream). An idle stream is not timed out by the server's read
 * timeout; the write timeout still applies to data that cannot be sent. The socket's kernel send buffer
 * is capped to max_buffered (at most 256 KiB) so that the backlog of a stuck client shows quickly. */
struct rift_http_stream;
int rift_http_stream_start(struct rift_http_request *req, int status, const char *content_type,
                           size_t max_buffered, void (*on_gone)(void *userdata), void *userdata,
                           struct rift_http_stream **ret);
/* Queues one chunk (len > 0). 0, -EPIPE (client gone), RIFT_E_TOOBIG (dropped), -ENOMEM. */
int rift_http_stream_write(struct rift_http_stream *s, const void *data, size_t len);
/* Bytes queued in the connection and not yet sent (0 once the client is gone). */
size_t rift_http_stream_buffered(const struct rift_http_stream *s);
/* Ends the reply (the terminating chunk, if the client is still there) and frees the stream. Accepts NULL. */
void rift_http_stream_end(struct rift_http_stream *s);
/* Closes the connection at once (whatever is still queued is lost) and frees the stream: for a client
 * that stopped reading. Accepts NULL. */
void rift_http_stream_abort(struct rift_http_stream *s);
/* Streams currently open on the server. */
unsigned rift_http_server_streams(const struct rift_http_server *srv);

#endif
