/* lib/rpc, lib/rpc_server, lib/rpc_client: Twirp round trips in-process (server loop in a thread) and
 * between two processes over TLS with certificates made by the openssl CLI. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/event.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/http_client.h"
#include "lib/http_server.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/rpc.h"
#include "lib/rpc_client.h"
#include "lib/rpc_server.h"
#include "proto/health.pb-c.h"

#define HEALTH "rift.health.v1.Health"
#define TEST   "rift.test.v1.Test"

typedef Rift__Health__V1__CheckRequest CheckRequest;
typedef Rift__Health__V1__CheckResponse CheckResponse;

/* ---- services ---- */

static int health_check(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const CheckRequest *rq = (const CheckRequest *)in;
        CheckResponse *out = malloc(sizeof(*out));

        if (!out)
                return -ENOMEM;
        rift__health__v1__check_response__init(out);
        out->status = RIFT__HEALTH__V1__CHECK_RESPONSE__STATUS__STATUS_SERVING;
        out->version = strdup("1.2.3");
        out->service = strdup(rq->service);
        out->uptime_ms = 42;
        *ret_out = &out->base;
        return 0;
}

static const struct rift_rpc_method health_methods[] = {
        { "Check", &rift__health__v1__check_request__descriptor,
          &rift__health__v1__check_response__descriptor, health_check },
};
static const struct rift_rpc_service health_service = { HEALTH, health_methods, ARRAY_SIZE(health_methods) };

/* Fail: fails with the Rift code named by the request's service field. */
static int test_fail(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        const char *name = ((const CheckRequest *)in)->service;
        static const struct {
                const char *name;
                int err;
        } codes[] = {
                { "invalid", RIFT_E_INVALID }, { "notfound", RIFT_E_NOTFOUND },   { "exists", RIFT_E_EXISTS },
                { "auth", RIFT_E_AUTH },       { "forbidden", RIFT_E_FORBIDDEN }, { "eio", -EIO },
        };

        for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
                if (strcmp(codes[i].name, name) == 0)
                        return rift_rpc_error(ctx, codes[i].err, "failed with %s", name);
        return RIFT_E_UNAVAILABLE; /* no message: the server uses rift_strerror() */
}

static void slow_finish(evutil_socket_t fd, short what, void *arg)
{
        struct rift_rpc_ctx *ctx = arg;
        CheckResponse *out = malloc(sizeof(*out));

        rift__health__v1__check_response__init(out);
        out->version = strdup("slow");
        rift_rpc_finish(ctx, 0, &out->base);
}

/* Slow: answers (asynchronously) after the number of milliseconds in the service field. */
static int test_slow(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        struct event_base *base = ctx->userdata;
        long ms = strtol(((const CheckRequest *)in)->service, NULL, 10);
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

        event_base_once(base, -1, EV_TIMEOUT, slow_finish, ctx, &tv);
        return RIFT_RPC_ASYNC;
}

/* Wrong: returns a message of the wrong type. */
static int test_wrong(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        CheckRequest *out = malloc(sizeof(*out));

        rift__health__v1__check_request__init(out);
        *ret_out = &out->base;
        return 0;
}

static const struct rift_rpc_method test_methods[] = {
        { "Fail", &rift__health__v1__check_request__descriptor, &rift__health__v1__check_response__descriptor,
          test_fail },
        { "Slow", &rift__health__v1__check_request__descriptor, &rift__health__v1__check_response__descriptor,
          test_slow },
        { "Wrong", &rift__health__v1__check_request__descriptor,
          &rift__health__v1__check_response__descriptor, test_wrong },
};
static const struct rift_rpc_service test_service = { TEST, test_methods, ARRAY_SIZE(test_methods) };

/* ---- in-process fixture ---- */

struct fixture {
        struct event_base *base;      /* server loop */
        struct rift_http_server *srv; /* HTTP server the RPC route is mounted on */
        struct rift_rpc_server *rpc;  /* RPC server under test */
        pthread_t thread;             /* runs the loop */
        int ctl[2];                   /* a byte on ctl[1] exits the loop */
        struct event *ctl_ev;         /* watches ctl[0] */
        char url[64];                 /* base URL */
        struct rift_rpc_client *c;    /* client under test */
        struct rift_http_client *raw; /* plain HTTP client for hand-made requests */
};

static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
        event_base_loopexit(arg, NULL);
}

static void *loop_thread(void *arg)
{
        event_base_dispatch(((struct fixture *)arg)->base);
        return NULL;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct rift_http_server_config cfg = { .max_body = 64 * 1024 };
        struct rift_rpc_client_config ccfg = { .http = { .timeout_ms = 5000 } };

        assert_non_null(f);
        f->base = event_base_new();
        assert_int_equal(pipe2(f->ctl, O_CLOEXEC), 0);
        f->ctl_ev = event_new(f->base, f->ctl[0], EV_READ, on_ctl, f->base);
        event_add(f->ctl_ev, NULL);
        assert_int_equal(rift_http_server_new(f->base, &cfg, &f->srv), 0);
        assert_int_equal(rift_rpc_server_new(f->srv, 1024, &f->rpc), 0);
        assert_int_equal(rift_rpc_server_add_service(f->rpc, &health_service, NULL), 0);
        assert_int_equal(rift_rpc_server_add_service(f->rpc, &test_service, f->base), 0);
        assert_int_equal(rift_rpc_server_add_service(f->rpc, &health_service, NULL), -EEXIST);
        snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", rift_http_server_port(f->srv));
        ccfg.base_url = f->url;
        assert_int_equal(rift_rpc_client_new(&ccfg, &f->c), 0);
        assert_int_equal(rift_http_client_new(NULL, &f->raw), 0);
        assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        if (write(f->ctl[1], "x", 1) != 1)
                return -1;
        pthread_join(f->thread, NULL);
        rift_rpc_client_free(f->c);
        rift_http_client_free(f->raw);
        rift_http_server_free(f->srv);
        rift_rpc_server_free(f->rpc);
        event_free(f->ctl_ev);
        event_base_free(f->base);
        close(f->ctl[0]);
        close(f->ctl[1]);
        free(f);
        return 0;
}

static int check(struct rift_rpc_client *c, const char *method, const char *arg, CheckResponse **ret)
{
        CheckRequest rq = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;

        rq.service = (char *)arg;
        return rift_rpc_call(c, strcmp(method, "Check") == 0 ? HEALTH : TEST, method, &rq.base,
                             &rift__health__v1__check_response__descriptor, (ProtobufCMessage **)ret);
}

/* Sends raw bytes to a Twirp path; returns the status and the parsed Twirp error code (or -1). */
static long raw_post(struct fixture *f, const char *method, const char *path, const char *ctype,
                     const void *body, size_t len, const char *deadline, int *ret_code)
{
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_header h[2] = { { "Content-Type", ctype }, { RIFT_RPC_DEADLINE_HEADER, deadline } };
        char url[256];
        enum rift_twirp_code code;
        struct rift_http_client_request rq = { .method = method,
                                               .url = url,
                                               .headers = h,
                                               .n_headers = deadline ? 2 : 1,
                                               .body = body,
                                               .body_len = len };

        snprintf(url, sizeof(url), "%s%s", f->url, path);
        assert_int_equal(rift_http_client_do(f->raw, &rq, &resp), 0);
        *ret_code =
            rift_twirp_error_parse(resp.body.data, resp.body.len, NULL, 0, &code) == 0 ? (int)code : -1;
        return resp.status;
}

/* ---- tests ---- */

static void round_trip(void **state)
{
        struct fixture *f = *state;
        CheckResponse *out = NULL;

        for (int i = 0; i < 3; i++) { /* several calls over the kept-alive connection */
                assert_int_equal(check(f->c, "Check", "rift-auth", &out), 0);
                assert_int_equal(out->status, RIFT__HEALTH__V1__CHECK_RESPONSE__STATUS__STATUS_SERVING);
                assert_string_equal(out->version, "1.2.3");
                assert_string_equal(out->service, "rift-auth");
                assert_int_equal(out->uptime_ms, 42);
                protobuf_c_message_free_unpacked(&out->base, NULL);
        }
}

static void handler_errors_map_to_twirp(void **state)
{
        static const struct {
                const char *arg;
                int err;                   /* what the client reports */
                enum rift_twirp_code code; /* what went over the wire */
                int status;
                const char *msg;
        } cases[] = {
                { "invalid", RIFT_E_INVALID, RIFT_TWIRP_INVALID_ARGUMENT, 400, "failed with invalid" },
                { "notfound", RIFT_E_NOTFOUND, RIFT_TWIRP_NOT_FOUND, 404, "failed with notfound" },
                { "exists", RIFT_E_EXISTS, RIFT_TWIRP_ALREADY_EXISTS, 409, "failed with exists" },
                { "auth", RIFT_E_AUTH, RIFT_TWIRP_UNAUTHENTICATED, 401, "failed with auth" },
                { "forbidden", RIFT_E_FORBIDDEN, RIFT_TWIRP_PERMISSION_DENIED, 403, "failed with forbidden" },
                { "eio", -EIO, RIFT_TWIRP_INTERNAL, 500, "failed with eio" },
                { "other", RIFT_E_UNAVAILABLE, RIFT_TWIRP_UNAVAILABLE, 503, NULL },
        };
        struct fixture *f = *state;

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                CheckResponse *out = NULL;
                CheckRequest rq = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;
                uint8_t buf[64];
                size_t len;
                int code;

                assert_int_equal(check(f->c, "Fail", cases[i].arg, &out), cases[i].err);
                assert_null(out);
                assert_int_equal(rift_rpc_client_last_error(f->c)->code, cases[i].code);
                assert_string_equal(rift_rpc_client_last_error(f->c)->msg,
                                    cases[i].msg ? cases[i].msg : rift_strerror(cases[i].err));
                /* and the status on the wire is Twirp's */
                rq.service = (char *)cases[i].arg;
                len = protobuf_c_message_pack(&rq.base, buf);
                assert_int_equal(
                    raw_post(f, "POST", "/twirp/" TEST "/Fail", RIFT_RPC_CONTENT_TYPE, buf, len, NULL, &code),
                    cases[i].status);
                assert_int_equal(code, cases[i].code);
        }
}

static void bad_routes(void **state)
{
        struct fixture *f = *state;
        int code;

        assert_int_equal(
            raw_post(f, "POST", "/twirp/" HEALTH "/Nope", RIFT_RPC_CONTENT_TYPE, "", 0, NULL, &code), 404);
        assert_int_equal(code, RIFT_TWIRP_BAD_ROUTE);
        assert_int_equal(
            raw_post(f, "POST", "/twirp/rift.x.v1.None/Check", RIFT_RPC_CONTENT_TYPE, "", 0, NULL, &code),
            404);
        assert_int_equal(code, RIFT_TWIRP_BAD_ROUTE);
        assert_int_equal(
            raw_post(f, "GET", "/twirp/" HEALTH "/Check", RIFT_RPC_CONTENT_TYPE, NULL, 0, NULL, &code), 404);
        assert_int_equal(code, RIFT_TWIRP_BAD_ROUTE);
        assert_int_equal(raw_post(f, "POST", "/twirp/" HEALTH "/Check", "text/plain", "", 0, NULL, &code),
                         404);
        assert_int_equal(code, RIFT_TWIRP_BAD_ROUTE);
        /* a content type with parameters is still protobuf */
        assert_int_equal(raw_post(f, "POST", "/twirp/" HEALTH "/Check",
                                  RIFT_RPC_CONTENT_TYPE "; charset=binary", "", 0, NULL, &code),
                         200);

        CheckResponse *out = NULL;
        assert_int_equal(
            rift_rpc_call(f->c, HEALTH, "Nope", &(CheckRequest)RIFT__HEALTH__V1__CHECK_REQUEST__INIT.base,
                          &rift__health__v1__check_response__descriptor, (ProtobufCMessage **)&out),
            RIFT_E_NOTFOUND);
        assert_int_equal(rift_rpc_client_last_error(f->c)->code, RIFT_TWIRP_BAD_ROUTE);
}

static void malformed_and_oversized_frames(void **state)
{
        struct fixture *f = *state;
        static const struct {
                const char *bytes;
                size_t len;
        } bad[] = {
                { "\xff\xff\xff\xff", 4 },         /* bad varint tag */
                { "\x0a\x10short", 7 },            /* string length past the end */
                { "\x0a\xff\xff\xff\xff\x0f", 6 }, /* huge length */
                { "\x0b", 1 },                     /* start-group wire type */
                { "\x0a\x02\xc3\x28", 4 },         /* invalid UTF-8 in a proto3 string */
        };
        _cleanup_free_ char *big = malloc(2048);
        int code;

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                long st = raw_post(f, "POST", "/twirp/" HEALTH "/Check", RIFT_RPC_CONTENT_TYPE, bad[i].bytes,
                                   bad[i].len, NULL, &code);
                if (st != 400 || code != RIFT_TWIRP_MALFORMED)
                        fail_msg("frame %zu: status %ld code %d", i, st, code);
        }
        /* over the RPC cap (1024) but under the HTTP cap: a Twirp error */
        memset(big, 'a', 2048);
        big[0] = 0x0a;
        big[1] = (char)0xfd; /* length 2045 as a varint: 0xfd 0x0f */
        big[2] = 0x0f;
        assert_int_equal(
            raw_post(f, "POST", "/twirp/" HEALTH "/Check", RIFT_RPC_CONTENT_TYPE, big, 2048, NULL, &code),
            400);
        assert_int_equal(code, RIFT_TWIRP_INVALID_ARGUMENT);

        /* the client refuses to send a message over its own cap */
        _cleanup_free_ char *huge = calloc(1, RIFT_MAX_RPC_MESSAGE + 2);
        CheckResponse *out = NULL;
        memset(huge, 'x', RIFT_MAX_RPC_MESSAGE + 1);
        assert_int_equal(check(f->c, "Check", huge, &out), RIFT_E_TOOBIG);
        /* the server is unharmed */
        assert_int_equal(check(f->c, "Check", "", &out), 0);
        protobuf_c_message_free_unpacked(&out->base, NULL);
}

static void wrong_output_type_is_internal(void **state)
{
        struct fixture *f = *state;
        CheckResponse *out = NULL;

        assert_int_equal(check(f->c, "Wrong", "", &out), -EIO);
        assert_int_equal(rift_rpc_client_last_error(f->c)->code, RIFT_TWIRP_INTERNAL);
}

static void deadlines(void **state)
{
        struct fixture *f = *state;
        CheckResponse *out = NULL;
        CheckRequest rq = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;
        struct rift_rpc_call_opts opts = { .timeout_ms = 150 };
        uint8_t buf[32];
        size_t len;
        int code;

        /* the client gives up */
        rq.service = "1000";
        assert_int_equal(rift_rpc_call_with(f->c, &opts, TEST, "Slow", &rq.base,
                                            &rift__health__v1__check_response__descriptor,
                                            (ProtobufCMessage **)&out),
                         RIFT_E_TIMEOUT);
        assert_int_equal(rift_rpc_client_last_error(f->c)->code, RIFT_TWIRP_DEADLINE_EXCEEDED);

        /* an async handler within its budget answers */
        rq.service = "20";
        assert_int_equal(rift_rpc_call(f->c, TEST, "Slow", &rq.base,
                                       &rift__health__v1__check_response__descriptor,
                                       (ProtobufCMessage **)&out),
                         0);
        assert_string_equal(out->version, "slow");
        protobuf_c_message_free_unpacked(&out->base, NULL);

        /* the server enforces the budget the caller announced */
        rq.service = "300";
        len = protobuf_c_message_pack(&rq.base, buf);
        assert_int_equal(
            raw_post(f, "POST", "/twirp/" TEST "/Slow", RIFT_RPC_CONTENT_TYPE, buf, len, "100", &code), 408);
        assert_int_equal(code, RIFT_TWIRP_DEADLINE_EXCEEDED);
        assert_int_equal(
            raw_post(f, "POST", "/twirp/" HEALTH "/Check", RIFT_RPC_CONTENT_TYPE, "", 0, "0", &code), 408);
        assert_int_equal(code, RIFT_TWIRP_DEADLINE_EXCEEDED);
        assert_int_equal(
            raw_post(f, "POST", "/twirp/" HEALTH "/Check", RIFT_RPC_CONTENT_TYPE, "", 0, "soon", &code), 400);
        assert_int_equal(code, RIFT_TWIRP_MALFORMED);
}

struct async_rpc {
        int err;                   /* callback's err */
        enum rift_twirp_code code; /* callback's Twirp code on error */
        char version[16];          /* response version on success */
        int calls;                 /* callback invocations */
        int *left;                 /* shared countdown; the loop exits at 0 */
        struct event_base *base;   /* the caller's loop */
};

static void rpc_done(int err, ProtobufCMessage *out, const struct rift_rpc_error *e, void *ud)
{
        struct async_rpc *a = ud;

        a->calls++;
        a->err = err;
        if (out) {
                snprintf(a->version, sizeof(a->version), "%s", ((CheckResponse *)out)->version);
                protobuf_c_message_free_unpacked(out, NULL);
        } else {
                a->code = e->code;
        }
        if (--*a->left == 0)
                event_base_loopexit(a->base, NULL);
}

static void async_calls(void **state)
{
        struct fixture *f = *state;
        struct event_base *base = event_base_new();
        struct timeval limit = { 10, 0 };
        struct rift_rpc_client *c;
        struct async_rpc ok, slow, fail, cancel;
        CheckRequest rq = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;
        int left = 3, left2 = 1;

        assert_int_equal(rift_rpc_client_new(&(struct rift_rpc_client_config){ .base_url = f->url }, &c), 0);
        assert_int_equal(rift_rpc_client_attach(c, base), 0);
        ok = slow = fail = (struct async_rpc){ .left = &left, .base = base };
        rq.service = "200";
        assert_int_equal(rift_rpc_call_async(c, NULL, TEST, "Slow", &rq.base,
                                             &rift__health__v1__check_response__descriptor, rpc_done, &slow),
                         0);
        rq.service = "a";
        assert_int_equal(rift_rpc_call_async(c, NULL, HEALTH, "Check", &rq.base,
                                             &rift__health__v1__check_response__descriptor, rpc_done, &ok),
                         0);
        rq.service = "forbidden";
        assert_int_equal(rift_rpc_call_async(c, NULL, TEST, "Fail", &rq.base,
                                             &rift__health__v1__check_response__descriptor, rpc_done, &fail),
                         0);
        event_base_loopexit(base, &limit);
        event_base_dispatch(base);
        assert_int_equal(left, 0);
        assert_int_equal(ok.err, 0);
        assert_string_equal(ok.version, "1.2.3");
        assert_int_equal(slow.err, 0);
        assert_string_equal(slow.version, "slow");
        assert_int_equal(fail.err, RIFT_E_FORBIDDEN);
        assert_int_equal(fail.code, RIFT_TWIRP_PERMISSION_DENIED);
        assert_int_equal(ok.calls + slow.calls + fail.calls, 3);

        cancel = (struct async_rpc){ .left = &left2, .base = base };
        rq.service = "1000";
        assert_int_equal(rift_rpc_call_async(c, NULL, TEST, "Slow", &rq.base,
                                             &rift__health__v1__check_response__descriptor, rpc_done,
                                             &cancel),
                         0);
        rift_rpc_client_free(c);
        assert_int_equal(cancel.calls, 1);
        assert_int_equal(cancel.err, -ECANCELED);
        event_base_free(base);
}

static void twirp_tables(void **state)
{
        enum rift_twirp_code c;
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(256);
        char msg[8];

        /* every code's name parses back to it */
        for (int i = 0; i < _RIFT_TWIRP_MAX; i++) {
                assert_int_equal(rift_twirp_code_from_name(rift_twirp_code_name(i), &c), 0);
                assert_int_equal(c, i);
        }
        assert_int_equal(rift_twirp_code_from_name("Not_Found", &c), RIFT_E_INVALID);
        assert_int_equal(rift_twirp_http_status(RIFT_TWIRP_FAILED_PRECONDITION), 412);
        assert_int_equal(rift_twirp_http_status(RIFT_TWIRP_RESOURCE_EXHAUSTED), 429);
        assert_int_equal(rift_twirp_http_status(RIFT_TWIRP_UNIMPLEMENTED), 501);
        assert_int_equal(rift_twirp_http_status(RIFT_TWIRP_CANCELED), 408);
        assert_int_equal(rift_twirp_code_from_http_status(502), RIFT_TWIRP_UNAVAILABLE);
        assert_int_equal(rift_twirp_code_from_http_status(404), RIFT_TWIRP_BAD_ROUTE);

        assert_int_equal(rift_twirp_error_format(RIFT_TWIRP_NOT_FOUND, "no \"x\"", &b), 0);
        assert_string_equal(b.data, "{\"code\":\"not_found\",\"msg\":\"no \\\"x\\\"\"}");
        assert_int_equal(rift_twirp_error_parse(b.data, b.len, msg, sizeof(msg), &c), 0);
        assert_int_equal(c, RIFT_TWIRP_NOT_FOUND);
        assert_string_equal(msg, "no \"x\""); /* fits in 8 */
        assert_int_equal(rift_twirp_error_parse("{\"code\":\"nope\"}", 15, NULL, 0, &c), RIFT_E_PARSE);
        assert_int_equal(rift_twirp_error_parse("<html>", 6, NULL, 0, &c), RIFT_E_PARSE);
}

/* ---- two processes over TLS ---- */

static int run(char *const argv[])
{
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, 1);
                dup2(devnull, 2);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void make_ca(const char *dir, const char *name)
{
        char key[256], crt[256], subj[64];

        snprintf(key, sizeof(key), "%s/%s.key", dir, name);
        snprintf(crt, sizeof(crt), "%s/%s.pem", dir, name);
        snprintf(subj, sizeof(subj), "/CN=%s", name);
        char *const argv[] = {
                "openssl", "req",     "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes",  "-keyout", key,     "-out",    crt,  "-days",    "1",
                "-subj",   subj,      NULL
        };
        assert_int_equal(run(argv), 0);
}

static void make_server_cert(const char *dir)
{
        char key[256], csr[256], crt[256], ca[256], cakey[256], ext[256];
        FILE *fp;

        snprintf(key, sizeof(key), "%s/server.key", dir);
        snprintf(csr, sizeof(csr), "%s/server.csr", dir);
        snprintf(crt, sizeof(crt), "%s/server.pem", dir);
        snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
        snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
        snprintf(ext, sizeof(ext), "%s/ext.cnf", dir);
        fp = fopen(ext, "we");
        assert_non_null(fp);
        fputs("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n", fp);
        fclose(fp);
        char *const req[] = {
                "openssl", "req",     "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes",  "-keyout", key,    "-out",    csr,  "-subj",    "/CN=127.0.0.1",
                NULL
        };
        char *const sign[] = { "openssl", "x509", "-req",   "-in", csr,
                               "-CA",     ca,     "-CAkey", cakey, "-CAcreateserial",
                               "-out",    crt,    "-days",  "1",   "-extfile",
                               ext,       NULL };
        assert_int_equal(run(req), 0);
        assert_int_equal(run(sign), 0);
}

/* The server process: TLS + Health, exits 0 when SIGTERM has drained it. Writes its port to fd. */
static void server_child(const char *dir, int fd)
{
        char crt[256], key[256];
        struct event_base *base = event_base_new();
        struct rift_http_server *srv;
        struct rift_rpc_server *rpc;
        uint16_t port;

        snprintf(crt, sizeof(crt), "%s/server.pem", dir);
        snprintf(key, sizeof(key), "%s/server.key", dir);
        if (!base ||
            rift_http_server_new(base, &(struct rift_http_server_config){ .tls_cert = crt, .tls_key = key },
                                 &srv) < 0 ||
            rift_rpc_server_new(srv, 0, &rpc) < 0 ||
            rift_rpc_server_add_service(rpc, &health_service, NULL) < 0 ||
            rift_http_server_watch_signals(srv) < 0)
                _exit(2);
        port = rift_http_server_port(srv);
        if (write(fd, &port, sizeof(port)) != sizeof(port))
                _exit(3);
        close(fd);
        alarm(30); /* never outlive a broken test */
        event_base_dispatch(base);
        rift_http_server_free(srv);
        rift_rpc_server_free(rpc);
        event_base_free(base);
        _exit(0);
}

static int wait_exit(pid_t pid, int timeout_ms)
{
        int status;

        for (int i = 0; i < timeout_ms / 10; i++) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid)
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                usleep(10 * 1000);
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -ETIMEDOUT;
}

static void tls_between_processes(void **state)
{
        char dir[] = "/tmp/rift-rpc-tls-XXXXXX", url[64], ca[300], wrong[300];
        struct rift_rpc_client *good, *bad;
        CheckResponse *out = NULL;
        uint16_t port = 0;
        int pfd[2];
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        make_ca(dir, "ca");
        make_ca(dir, "other-ca");
        make_server_cert(dir);
        assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(pfd[0]);
                server_child(dir, pfd[1]);
        }
        close(pfd[1]);
        assert_int_equal(read(pfd[0], &port, sizeof(port)), sizeof(port));
        close(pfd[0]);
        snprintf(url, sizeof(url), "https://127.0.0.1:%u", port);
        snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
        snprintf(wrong, sizeof(wrong), "%s/other-ca.pem", dir);

        assert_int_equal(
            rift_rpc_client_new(
                &(struct rift_rpc_client_config){ .base_url = url, .http = { .ca_file = ca } }, &good),
            0);
        assert_int_equal(check(good, "Check", "over-tls", &out), 0);
        assert_string_equal(out->service, "over-tls");
        protobuf_c_message_free_unpacked(&out->base, NULL);

        /* a client that trusts another CA refuses the server */
        assert_int_equal(
            rift_rpc_client_new(
                &(struct rift_rpc_client_config){ .base_url = url, .http = { .ca_file = wrong } }, &bad),
            0);
        assert_int_equal(check(bad, "Check", "x", &out), RIFT_E_TLS);
        rift_rpc_client_free(bad);
        /* plain HTTP to the TLS port gets no answer it can use */
        snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
        assert_int_equal(
            rift_rpc_client_new(
                &(struct rift_rpc_client_config){ .base_url = url, .http = { .timeout_ms = 2000 } }, &bad),
            0);
        assert_true(check(bad, "Check", "x", &out) < 0);
        rift_rpc_client_free(bad);

        /* SIGTERM: the server drains and exits 0 */
        assert_int_equal(kill(pid, SIGTERM), 0);
        assert_int_equal(wait_exit(pid, 10000), 0);
        rift_rpc_client_free(good);

        char *const rm[] = { "rm", "-rf", dir, NULL };
        run(rm);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(handler_errors_map_to_twirp, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_routes, setup, teardown),
                cmocka_unit_test_setup_teardown(malformed_and_oversized_frames, setup, teardown),
                cmocka_unit_test_setup_teardown(wrong_output_type_is_internal, setup, teardown),
                cmocka_unit_test_setup_teardown(deadlines, setup, teardown),
                cmocka_unit_test_setup_teardown(async_calls, setup, teardown),
                cmocka_unit_test(twirp_tables),
                cmocka_unit_test(tls_between_processes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
