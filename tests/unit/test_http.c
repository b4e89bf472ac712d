/* lib/http_server + lib/http_client: a real server on 127.0.0.1 (port 0) in a thread with its own loop,
 * driven by the synchronous client from the test thread. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/http_client.h"
#include "lib/http_server.h"
#include "lib/json.h"
#include "lib/limits_rift.h"

/* A server running in its own thread; the test talks to it over loopback. */
struct fixture {
        struct event_base *base;      /* the server thread's loop */
        struct rift_http_server *srv; /* the server under test */
        pthread_t thread;             /* runs the loop */
        int ctl[2];                   /* pipe: a byte written to ctl[1] exits the loop */
        struct event *ctl_ev;         /* watches ctl[0] */
        char url[64];                 /* "http://127.0.0.1:PORT" */
        struct rift_http_client *c;   /* client with default config */
        int flaky;                    /* /flaky answers 503 this many more times */
        int hook_calls;               /* on_request hook invocations */
        int hook_404;                 /* ... of which with status 404 and no route */
        const char *hook_last_route;  /* pattern of the last matched route */
        bool joined;                  /* the loop thread has been joined */
};

/* ---- handlers ---- */

static int hello(struct rift_http_request *req, void *ud)
{
        static const char body[] = "{\"hello\":\"world\"}";
        return rift_http_reply(req, 200, "application/json", body, sizeof(body) - 1);
}

static int members(struct rift_http_request *req, void *ud)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        const char *q = rift_http_request_query(req, "page");

        rift_json_add_string(o, "id", rift_http_request_param(req, "id"));
        rift_json_add_string(o, "state", rift_http_request_param(req, "state"));
        rift_json_add_string(o, "page", q ? q : "-");
        rift_json_add_string(o, "path", rift_http_request_path(req));
        return rift_http_reply_json(req, 200, o);
}

static int echo(struct rift_http_request *req, void *ud)
{
        static const char *const allowed[] = { "name", "n" };
        _cleanup_json_ cJSON *in = NULL, *out = cJSON_CreateObject();
        const char *name;
        int r;

        r = rift_http_request_json(req, allowed, ARRAY_SIZE(allowed), &in);
        if (r < 0)
                return 0; /* already answered 400 */
        r = rift_json_get_string(in, "name", &name);
        if (r < 0)
                return rift_http_reply_error(req, 400, "invalid_request", "name is required");
        rift_json_add_string(out, "name", name);
        return rift_http_reply_json(req, 201, out);
}

static int files(struct rift_http_request *req, void *ud)
{
        const char *rest = rift_http_request_param(req, "*");
        return rift_http_reply(req, 200, "text/plain", rest, strlen(rest));
}

static int fail_notfound(struct rift_http_request *req, void *ud)
{
        return RIFT_E_NOTFOUND; /* no reply: the server maps the code */
}

static int flaky(struct rift_http_request *req, void *ud)
{
        struct fixture *f = ud;

        if (f->flaky > 0) {
                f->flaky--;
                return rift_http_reply_error(req, 503, "unavailable", "try again");
        }
        return rift_http_reply(req, 200, "text/plain", "ok", 2);
}

static void deferred_reply(evutil_socket_t fd, short what, void *arg)
{
        rift_http_reply(arg, 200, "text/plain", "late", 4);
}

/* Replies after ?ms= milliseconds without blocking the loop. */
static int deferred(struct rift_http_request *req, void *ud)
{
        struct fixture *f = ud;
        const char *ms = rift_http_request_query(req, "ms");
        int v = ms ? (int)strtol(ms, NULL, 10) : 200;
        struct timeval tv = { v / 1000, (v % 1000) * 1000 };

        event_base_once(f->base, -1, EV_TIMEOUT, deferred_reply, req, &tv);
        return RIFT_HTTP_ASYNC;
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_GET | RIFT_HTTP_HEAD, "/hello", hello },
        { RIFT_HTTP_GET, "/get_project_members/:id/:state", members },
        { RIFT_HTTP_POST, "/echo", echo },
        { RIFT_HTTP_GET, "/files/*", files },
        { RIFT_HTTP_GET, "/fail", fail_notfound },
        { RIFT_HTTP_ANY, "/flaky", flaky },
        { RIFT_HTTP_GET, "/deferred", deferred },
};

static void on_request(void *ud, const struct rift_http_route *route, enum rift_http_method method,
                       int status, int64_t latency_us)
{
        struct fixture *f = ud;

        __atomic_add_fetch(&f->hook_calls, 1, __ATOMIC_SEQ_CST);
        if (!route && status == 404)
                __atomic_add_fetch(&f->hook_404, 1, __ATOMIC_SEQ_CST);
        if (route)
                __atomic_store_n(&f->hook_last_route, route->pattern, __ATOMIC_SEQ_CST);
}

/* ---- fixture ---- */

static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
        event_base_loopexit(arg, NULL);
}

static void *loop_thread(void *arg)
{
        struct fixture *f = arg;

        event_base_dispatch(f->base);
        return NULL;
}

static const char *const origins[] = { "https://portal.example", NULL };

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct rift_http_server_config cfg = {
                .address = "127.0.0.1",
                .port = 0,
                .max_body = 4096,
                .cors_origins = origins,
                .shutdown_timeout_ms = 3000,
        };
        struct rift_http_hooks hooks = { on_request, f };

        assert_non_null(f);
        f->base = event_base_new();
        assert_non_null(f->base);
        assert_int_equal(pipe2(f->ctl, O_CLOEXEC), 0);
        f->ctl_ev = event_new(f->base, f->ctl[0], EV_READ, on_ctl, f->base);
        event_add(f->ctl_ev, NULL);
        assert_int_equal(rift_http_server_new(f->base, &cfg, &f->srv), 0);
        assert_true(rift_http_server_port(f->srv) > 0);
        assert_int_equal(rift_http_server_add_routes(f->srv, routes, ARRAY_SIZE(routes), f), 0);
        rift_http_server_set_hooks(f->srv, &hooks);
        snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", rift_http_server_port(f->srv));
        assert_int_equal(rift_http_client_new(&(struct rift_http_client_config){ .timeout_ms = 5000 }, &f->c),
                         0);
        assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        if (!f->joined) {
                if (write(f->ctl[1], "x", 1) != 1)
                        return -1;
                pthread_join(f->thread, NULL);
        }
        rift_http_client_free(f->c);
        rift_http_server_free(f->srv);
        event_free(f->ctl_ev);
        event_base_free(f->base);
        close(f->ctl[0]);
        close(f->ctl[1]);
        free(f);
        return 0;
}

/* Performs one request with the fixture's client; returns the status (negative on transport error). */
static long do_req(struct fixture *f, const char *method, const char *path, const char *body,
                   const struct rift_http_header *h, size_t nh, struct rift_http_response *resp)
{
        char url[256];
        struct rift_http_client_request rq = { .method = method, .url = url, .headers = h, .n_headers = nh };
        int r;

        snprintf(url, sizeof(url), "%s%s", f->url, path);
        if (body) {
                rq.body = body;
                rq.body_len = strlen(body);
        }
        r = rift_http_client_do(f->c, &rq, resp);
        return r < 0 ? r : resp->status;
}

static void assert_json_field(const struct rift_http_response *resp, const char *key, const char *want)
{
        _cleanup_json_ cJSON *o = NULL;
        const char *v;

        assert_int_equal(rift_json_parse_object(resp->body.data, resp->body.len, 1 << 20, NULL, &o), 0);
        assert_int_equal(rift_json_get_string(o, key, &v), 0);
        assert_string_equal(v, want);
}

/* ---- tests ---- */

static void get_json(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        char ct[64];

        assert_int_equal(do_req(f, "GET", "/hello", NULL, NULL, 0, &resp), 200);
        assert_string_equal(resp.body.data, "{\"hello\":\"world\"}");
        assert_int_equal(rift_http_response_header(&resp, "content-type", ct, sizeof(ct)), 0);
        assert_string_equal(ct, "application/json");
        assert_int_equal(resp.attempts, 1);
}

static void path_and_query_params(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };

        assert_int_equal(
            do_req(f, "GET", "/get_project_members/p%201/Accepted?page=2&x=y", NULL, NULL, 0, &resp), 200);
        assert_json_field(&resp, "id", "p 1");
        assert_json_field(&resp, "state", "Accepted");
        assert_json_field(&resp, "page", "2");
        assert_json_field(&resp, "path", "/get_project_members/p 1/Accepted");

        /* an empty segment does not match a parameter; an encoded NUL is refused */
        assert_int_equal(do_req(f, "GET", "/get_project_members//Accepted", NULL, NULL, 0, &resp), 404);
        assert_int_equal(do_req(f, "GET", "/get_project_members/a%00b/Accepted", NULL, NULL, 0, &resp), 400);
        /* extra or missing segments do not match */
        assert_int_equal(do_req(f, "GET", "/get_project_members/a/b/c", NULL, NULL, 0, &resp), 404);
        assert_int_equal(do_req(f, "GET", "/get_project_members/a", NULL, NULL, 0, &resp), 404);
}

static void wildcard_tail(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };

        assert_int_equal(do_req(f, "GET", "/files/assets/app.js", NULL, NULL, 0, &resp), 200);
        assert_string_equal(resp.body.data, "assets/app.js");
}

static void not_found_and_method_not_allowed(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        char allow[64];
        int before = __atomic_load_n(&f->hook_404, __ATOMIC_SEQ_CST);

        assert_int_equal(do_req(f, "GET", "/nope", NULL, NULL, 0, &resp), 404);
        assert_json_field(&resp, "error", "not_found");
        assert_int_equal(do_req(f, "DELETE", "/hello", NULL, NULL, 0, &resp), 405);
        assert_int_equal(rift_http_response_header(&resp, "Allow", allow, sizeof(allow)), 0);
        assert_string_equal(allow, "GET, HEAD");
        assert_int_equal(do_req(f, "GET", "/echo", NULL, NULL, 0, &resp), 405);
        /* the hook saw the unmatched request */
        assert_int_equal(__atomic_load_n(&f->hook_404, __ATOMIC_SEQ_CST), before + 1);
}

static void handler_error_is_mapped(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };

        assert_int_equal(do_req(f, "GET", "/fail", NULL, NULL, 0, &resp), 404);
        assert_json_field(&resp, "error", "not_found");
        assert_json_field(&resp, "errorDescription", rift_strerror(RIFT_E_NOTFOUND));
        assert_string_equal(__atomic_load_n(&f->hook_last_route, __ATOMIC_SEQ_CST), "/fail");
}

static void json_bodies(void **state)
{
        static const struct rift_http_header json = { "Content-Type", "application/json" };
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };

        assert_int_equal(do_req(f, "POST", "/echo", "{\"name\":\"rift\",\"n\":1}", &json, 1, &resp), 201);
        assert_json_field(&resp, "name", "rift");

        assert_int_equal(do_req(f, "POST", "/echo", "{\"name\":", &json, 1, &resp), 400);
        assert_json_field(&resp, "error", "invalid_request");
        assert_int_equal(do_req(f, "POST", "/echo", "[1]", &json, 1, &resp), 400);
        assert_json_field(&resp, "errorDescription", "JSON body is not an object (at byte 0)");
        assert_int_equal(do_req(f, "POST", "/echo", "{\"name\":\"a\",\"role\":\"admin\"}", &json, 1, &resp),
                         400);
        assert_json_field(&resp, "errorDescription", "unknown or repeated field \"role\"");
        assert_int_equal(do_req(f, "POST", "/echo", "{\"n\":1}", &json, 1, &resp), 400);
        assert_json_field(&resp, "errorDescription", "name is required");
        assert_int_equal(do_req(f, "POST", "/echo", "", &json, 1, &resp), 400);
}

static void oversized_body_is_413(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        _cleanup_free_ char *big = malloc(8192);

        assert_non_null(big);
        memset(big, 'a', 8191);
        big[8191] = '\0';
        assert_int_equal(do_req(f, "POST", "/echo", big, NULL, 0, &resp), 413);
        /* the server is still there */
        assert_int_equal(do_req(f, "GET", "/hello", NULL, NULL, 0, &resp), 200);
}

static void oversized_headers_refused(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        _cleanup_free_ char *big = malloc(RIFT_MAX_HTTP_HEADERS + 16);
        struct rift_http_header h = { "X-Big", big };

        assert_non_null(big);
        memset(big, 'a', RIFT_MAX_HTTP_HEADERS - 32);
        big[RIFT_MAX_HTTP_HEADERS - 32] = '\0';
        /* over the cap: 431 with the JSON error */
        assert_int_equal(do_req(f, "GET", "/hello", NULL, &h, 1, &resp), 431);
        assert_non_null(memmem(resp.body.data, resp.body.len, "request_header_fields_too_large", 31));
        /* just under it: served */
        big[RIFT_MAX_HTTP_HEADERS - 300] = '\0';
        assert_int_equal(do_req(f, "GET", "/hello", NULL, &h, 1, &resp), 200);
        assert_int_equal(do_req(f, "GET", "/hello", NULL, NULL, 0, &resp), 200);
}

static void cors_allow_and_deny(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        const struct rift_http_header good = { "Origin", "https://portal.example" };
        const struct rift_http_header evil = { "Origin", "https://portal.example.evil" };
        const struct rift_http_header pre[] = { good, { "Access-Control-Request-Method", "POST" } };
        char v[128];

        assert_int_equal(do_req(f, "GET", "/hello", NULL, &good, 1, &resp), 200);
        assert_int_equal(rift_http_response_header(&resp, "Access-Control-Allow-Origin", v, sizeof(v)), 0);
        assert_string_equal(v, "https://portal.example");

        assert_int_equal(do_req(f, "GET", "/hello", NULL, &evil, 1, &resp), 403);
        assert_string_equal(resp.body.data, "{\"error\":\"Invalid origin\"}");
        assert_int_equal(rift_http_response_header(&resp, "Access-Control-Allow-Origin", v, sizeof(v)),
                         -ENOENT);

        assert_int_equal(do_req(f, "OPTIONS", "/echo", NULL, pre, ARRAY_SIZE(pre), &resp), 204);
        assert_int_equal(rift_http_response_header(&resp, "Access-Control-Allow-Methods", v, sizeof(v)), 0);
        assert_non_null(strstr(v, "POST"));

        /* no Origin (CLI, server to server): no CORS headers, request served */
        assert_int_equal(do_req(f, "GET", "/hello", NULL, NULL, 0, &resp), 200);
        assert_int_equal(rift_http_response_header(&resp, "Access-Control-Allow-Origin", v, sizeof(v)),
                         -ENOENT);
}

static void client_retries_idempotent_only(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_config cfg = { .max_retries = 3, .retry_base_ms = 5, .retry_max_ms = 20 };
        struct rift_http_client *c;
        char url[128];

        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        snprintf(url, sizeof(url), "%s/flaky", f->url);
        __atomic_store_n(&f->flaky, 2, __ATOMIC_SEQ_CST);
        assert_int_equal(rift_http_client_do(c, &(struct rift_http_client_request){ .url = url }, &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.attempts, 3);

        /* a POST that reached the server is not resent */
        __atomic_store_n(&f->flaky, 1, __ATOMIC_SEQ_CST);
        assert_int_equal(
            rift_http_client_do(c, &(struct rift_http_client_request){ .method = "POST", .url = url }, &resp),
            0);
        assert_int_equal(resp.status, 503);
        assert_int_equal(resp.attempts, 1);
        rift_http_client_free(c);
}

static void client_connect_failure_retried_then_unavailable(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_config cfg = { .max_retries = 2, .retry_base_ms = 5, .retry_max_ms = 10 };
        struct rift_http_client *c;
        struct rift_http_server *tmp;
        struct event_base *b = event_base_new();
        char url[64];

        /* a port that was free a moment ago: bind, read it back, close */
        assert_int_equal(rift_http_server_new(b, &(struct rift_http_server_config){ 0 }, &tmp), 0);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/", rift_http_server_port(tmp));
        rift_http_server_free(tmp);
        event_base_free(b);

        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        assert_int_equal(rift_http_client_do(c, &(struct rift_http_client_request){ .url = url }, &resp),
                         RIFT_E_UNAVAILABLE);
        assert_int_equal(resp.attempts, 3);
        rift_http_client_free(c);
        (void)f;
}

/* A TCP server that reads each request and closes without answering. */
struct dropper {
        int fd;           /* listening socket */
        int accepted;     /* connections taken */
        pthread_t thread; /* the accept loop */
};

static void *drop_loop(void *arg)
{
        struct dropper *d = arg;
        char buf[1024];

        for (int i = 0; i < 20; i++) {
                int c = accept4(d->fd, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        break;
                __atomic_add_fetch(&d->accepted, 1, __ATOMIC_SEQ_CST);
                ssize_t n = read(c, buf, sizeof(buf));
                close(c);
                if (n < 0)
                        break;
        }
        return NULL;
}

static void lost_reply_resent_only_if_idempotent(void **state)
{
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_config cfg = { .max_retries = 2, .retry_base_ms = 5, .retry_max_ms = 10 };
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        struct dropper d = { .fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
        struct rift_http_client *c;
        char url[64];

        assert_true(d.fd >= 0);
        assert_int_equal(bind(d.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(d.fd, 8), 0);
        assert_int_equal(getsockname(d.fd, (struct sockaddr *)&sa, &sl), 0);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", ntohs(sa.sin_port));
        assert_int_equal(pthread_create(&d.thread, NULL, drop_loop, &d), 0);
        assert_int_equal(rift_http_client_new(&cfg, &c), 0);

        /* a POST whose reply was lost may have been done: one attempt only */
        assert_int_equal(rift_http_client_do(c,
                                             &(struct rift_http_client_request){
                                                 .method = "POST", .url = url, .body = "x", .body_len = 1 },
                                             &resp),
                         RIFT_E_UNAVAILABLE);
        assert_int_equal(resp.attempts, 1);
        assert_int_equal(__atomic_load_n(&d.accepted, __ATOMIC_SEQ_CST), 1);
        /* a GET is resent */
        assert_int_equal(rift_http_client_do(c, &(struct rift_http_client_request){ .url = url }, &resp),
                         RIFT_E_UNAVAILABLE);
        assert_int_equal(resp.attempts, 3);
        rift_http_client_free(c);
        shutdown(d.fd, SHUT_RDWR);
        pthread_join(d.thread, NULL);
        close(d.fd);
}

static void client_timeout_and_response_cap(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client *c;
        char url[128];

        snprintf(url, sizeof(url), "%s/deferred?ms=1500", f->url);
        assert_int_equal(
            rift_http_client_do(f->c, &(struct rift_http_client_request){ .url = url, .timeout_ms = 200 },
                                &resp),
            RIFT_E_TIMEOUT);

        assert_int_equal(rift_http_client_new(&(struct rift_http_client_config){ .max_response = 8 }, &c), 0);
        snprintf(url, sizeof(url), "%s/hello", f->url);
        assert_int_equal(rift_http_client_do(c, &(struct rift_http_client_request){ .url = url }, &resp),
                         RIFT_E_TOOBIG);
        rift_http_client_free(c);
}

/* A client that gives up while its request is being answered asynchronously: once the late reply is
 * made the request no longer counts as in flight (a graceful stop would otherwise wait its whole
 * timeout for it). */
static void abandoned_request_is_not_left_in_flight(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        char url[128];

        snprintf(url, sizeof(url), "%s/deferred?ms=300", f->url);
        assert_int_equal(
            rift_http_client_do(f->c, &(struct rift_http_client_request){ .url = url, .timeout_ms = 100 },
                                &resp),
            RIFT_E_TIMEOUT);
        for (int i = 0; i < 200 && rift_http_server_inflight(f->srv) != 0; i++)
                usleep(10 * 1000);
        assert_int_equal(rift_http_server_inflight(f->srv), 0);
}

static void client_rejects_header_injection(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        const struct rift_http_header bad = { "X-A", "v\r\nX-Injected: 1" };

        assert_int_equal(do_req(f, "GET", "/hello", NULL, &bad, 1, &resp), -EINVAL);
}

static void sockets_are_close_on_exec(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        char path[64], target[64];
        struct sockaddr_storage ss;
        socklen_t sl;
        int sockets = 0;

        /* a kept-alive connection: the client's socket and the server's accepted one are both open */
        assert_int_equal(do_req(f, "GET", "/hello", NULL, NULL, 0, &resp), 200);
        for (int fd = 0; fd < 1024; fd++) {
                ssize_t n;

                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                sl = sizeof(ss);
                n = readlink(path, target, sizeof(target) - 1);
                if (n <= 0)
                        continue;
                target[n] = '\0';
                if (strncmp(target, "socket:", 7) != 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
                    ss.ss_family != AF_INET)
                        continue; /* only our TCP sockets: libcurl 7.88's internal wake-up socketpair lacks it */
                sockets++;
                if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
                        fail_msg("fd %d (%s) is not close-on-exec", fd, target);
        }
        assert_true(sockets >= 3); /* listener, accepted connection, client connection */
}

/* ---- async client ---- */

struct async_result {
        int err;                 /* callback's err */
        long status;             /* response status (0 on error) */
        char body[32];           /* start of the body */
        bool done;               /* callback ran */
        int *left;               /* shared countdown; the loop exits at 0 */
        struct event_base *base; /* the client's loop */
};

static void async_done(int err, struct rift_http_response *resp, void *ud)
{
        struct async_result *a = ud;

        assert_false(a->done); /* exactly once */
        a->done = true;
        a->err = err;
        if (resp) {
                a->status = resp->status;
                snprintf(a->body, sizeof(a->body), "%s", resp->body.data ? resp->body.data : "");
        }
        if (--*a->left == 0)
                event_base_loopexit(a->base, NULL);
}

/* Runs base until every callback has run, at most 10 s. */
static void run_until_done(struct event_base *base)
{
        struct timeval limit = { 10, 0 };

        event_base_loopexit(base, &limit);
        event_base_dispatch(base);
}

static void async_requests_run_concurrently(void **state)
{
        struct fixture *f = *state;
        struct event_base *base = event_base_new();
        struct rift_http_client *c;
        struct async_result res[6];
        char urls[6][128];
        const char *paths[] = { "/deferred?ms=300", "/hello", "/hello", "/nope", "/echo", "/deferred?ms=50" };
        int left = ARRAY_SIZE(res);

        assert_int_equal(rift_http_client_new(NULL, &c), 0);
        assert_int_equal(rift_http_client_send(c, &(struct rift_http_client_request){ .url = f->url },
                                               async_done, &res[0]),
                         -EINVAL); /* not attached yet */
        assert_int_equal(rift_http_client_attach(c, base), 0);
        for (size_t i = 0; i < ARRAY_SIZE(res); i++) {
                bool post = strcmp(paths[i], "/echo") == 0;
                res[i] = (struct async_result){ .left = &left, .base = base };
                snprintf(urls[i], sizeof(urls[i]), "%s%s", f->url, paths[i]);
                assert_int_equal(rift_http_client_send(c,
                                                       &(struct rift_http_client_request){
                                                           .method = post ? "POST" : "GET",
                                                           .url = urls[i],
                                                           .body = post ? "{\"name\":\"x\"}" : NULL,
                                                           .body_len = post ? 12 : 0 },
                                                       async_done, &res[i]),
                                 0);
        }
        assert_false(res[1].done); /* never called from inside send */
        run_until_done(base);
        assert_int_equal(left, 0);
        assert_int_equal(res[0].status, 200);
        assert_string_equal(res[0].body, "late");
        assert_int_equal(res[1].status, 200);
        assert_int_equal(res[2].status, 200);
        assert_int_equal(res[3].status, 404);
        assert_int_equal(res[4].status, 201);
        assert_int_equal(res[5].status, 200);
        rift_http_client_free(c);
        event_base_free(base);
}

static void async_errors_and_cancel(void **state)
{
        struct fixture *f = *state;
        struct event_base *base = event_base_new();
        struct rift_http_client *c;
        struct async_result slow, canceled;
        char url[128], url2[128];
        int left = 1, left2 = 1;

        assert_int_equal(rift_http_client_new(
                             &(struct rift_http_client_config){ .max_retries = 2, .retry_base_ms = 5 }, &c),
                         0);
        assert_int_equal(rift_http_client_attach(c, base), 0);
        /* a deadline that passes: RIFT_E_TIMEOUT */
        slow = (struct async_result){ .left = &left, .base = base };
        snprintf(url, sizeof(url), "%s/deferred?ms=1500", f->url);
        assert_int_equal(
            rift_http_client_send(c, &(struct rift_http_client_request){ .url = url, .timeout_ms = 200 },
                                  async_done, &slow),
            0);
        run_until_done(base);
        assert_true(slow.done);
        assert_int_equal(slow.err, RIFT_E_TIMEOUT);

        /* retried 503s succeed without the caller noticing */
        __atomic_store_n(&f->flaky, 2, __ATOMIC_SEQ_CST);
        left = 1;
        slow = (struct async_result){ .left = &left, .base = base };
        snprintf(url, sizeof(url), "%s/flaky", f->url);
        assert_int_equal(
            rift_http_client_send(c, &(struct rift_http_client_request){ .url = url }, async_done, &slow), 0);
        run_until_done(base);
        assert_int_equal(slow.err, 0);
        assert_int_equal(slow.status, 200);

        /* freeing the client cancels what is still running, with one callback each */
        canceled = (struct async_result){ .left = &left2, .base = base };
        snprintf(url2, sizeof(url2), "%s/deferred?ms=1000", f->url);
        assert_int_equal(rift_http_client_send(c, &(struct rift_http_client_request){ .url = url2 },
                                               async_done, &canceled),
                         0);
        rift_http_client_free(c);
        assert_true(canceled.done);
        assert_int_equal(canceled.err, -ECANCELED);
        event_base_free(base);
}

/* ---- graceful shutdown ---- */

struct slow_call {
        const char *url; /* request to make */
        long status;     /* its status, or a negative error */
        char body[16];   /* its body */
};

static void *slow_client(void *arg)
{
        struct slow_call *sc = arg;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client *c;
        int r;

        if (rift_http_client_new(NULL, &c) < 0)
                return NULL;
        r = rift_http_client_do(c, &(struct rift_http_client_request){ .url = sc->url }, &resp);
        sc->status = r < 0 ? r : resp.status;
        if (r == 0 && resp.body.data)
                snprintf(sc->body, sizeof(sc->body), "%s", resp.body.data);
        rift_http_client_free(c);
        return NULL;
}

static void sigterm_finishes_inflight_then_exits(void **state)
{
        struct fixture *f = *state;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client *c;
        char url[128];
        struct slow_call sc = { .url = url };
        pthread_t t;

        snprintf(url, sizeof(url), "%s/deferred?ms=400", f->url);
        assert_int_equal(rift_http_server_watch_signals(f->srv), 0);
        assert_int_equal(pthread_create(&t, NULL, slow_client, &sc), 0);
        for (int i = 0; i < 200 && rift_http_server_inflight(f->srv) == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(rift_http_server_inflight(f->srv), 1);

        assert_int_equal(kill(getpid(), SIGTERM), 0);
        pthread_join(t, NULL);
        /* the request in flight got its answer */
        assert_int_equal(sc.status, 200);
        assert_string_equal(sc.body, "late");
        /* the loop exited by itself: joining the server thread does not need the control pipe */
        pthread_join(f->thread, NULL);
        f->joined = true;
        /* and nothing listens any more */
        assert_int_equal(rift_http_client_new(&(struct rift_http_client_config){ .timeout_ms = 2000 }, &c),
                         0);
        snprintf(url, sizeof(url), "%s/hello", f->url);
        assert_int_equal(rift_http_client_do(c, &(struct rift_http_client_request){ .url = url }, &resp),
                         RIFT_E_UNAVAILABLE);
        rift_http_client_free(c);
}

static void tls_config_errors(void **state)
{
        struct event_base *b = event_base_new();
        struct rift_http_server *s = NULL;

        assert_int_equal(
            rift_http_server_new(b,
                                 &(struct rift_http_server_config){ .tls_cert = "/nonexistent.pem",
                                                                    .tls_key = "/nonexistent.key" },
                                 &s),
            RIFT_E_TLS);
        assert_int_equal(
            rift_http_server_new(b, &(struct rift_http_server_config){ .tls_cert = "/x.pem" }, &s), -EINVAL);
        assert_int_equal(
            rift_http_server_new(b, &(struct rift_http_server_config){ .address = "not-an-ip" }, &s),
            -EINVAL);
        assert_null(s);
        event_base_free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(get_json, setup, teardown),
                cmocka_unit_test_setup_teardown(path_and_query_params, setup, teardown),
                cmocka_unit_test_setup_teardown(wildcard_tail, setup, teardown),
                cmocka_unit_test_setup_teardown(not_found_and_method_not_allowed, setup, teardown),
                cmocka_unit_test_setup_teardown(handler_error_is_mapped, setup, teardown),
                cmocka_unit_test_setup_teardown(json_bodies, setup, teardown),
                cmocka_unit_test_setup_teardown(oversized_body_is_413, setup, teardown),
                cmocka_unit_test_setup_teardown(oversized_headers_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(cors_allow_and_deny, setup, teardown),
                cmocka_unit_test_setup_teardown(client_retries_idempotent_only, setup, teardown),
                cmocka_unit_test_setup_teardown(client_connect_failure_retried_then_unavailable, setup,
                                                teardown),
                cmocka_unit_test(lost_reply_resent_only_if_idempotent),
                cmocka_unit_test_setup_teardown(client_timeout_and_response_cap, setup, teardown),
                cmocka_unit_test_setup_teardown(abandoned_request_is_not_left_in_flight, setup, teardown),
                cmocka_unit_test_setup_teardown(client_rejects_header_injection, setup, teardown),
                cmocka_unit_test_setup_teardown(sockets_are_close_on_exec, setup, teardown),
                cmocka_unit_test_setup_teardown(async_requests_run_concurrently, setup, teardown),
                cmocka_unit_test_setup_teardown(async_errors_and_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(sigterm_finishes_inflight_then_exits, setup, teardown),
                cmocka_unit_test(tls_config_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
