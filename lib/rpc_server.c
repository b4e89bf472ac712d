/* Twirp RPC server: see rpc_server.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/http_server.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/rpc.h"
#include "lib/rpc_server.h"
#include "lib/str.h"

#define MAX_SERVICES    32                   /* services on one RPC server */
#define MAX_DEADLINE_MS (24LL * 3600 * 1000) /* longest budget a caller may announce */

struct service_entry {
        const struct rift_rpc_service *svc; /* caller's static table */
        void *userdata;                     /* handed to every handler of the service */
};

struct rift_rpc_server {
        struct rift_http_server *http;               /* the server the route is mounted on */
        size_t max_message;                          /* request message cap */
        struct service_entry services[MAX_SERVICES]; /* registered services */
        size_t n_services;                           /* entries in services */
};

/* A call in progress: lives from dispatch to the reply (longer for async handlers). */
struct call {
        struct rift_rpc_ctx ctx;         /* what the handler sees; first so ctx casts back */
        const struct rift_rpc_method *m; /* the method being called */
        ProtobufCMessage *in;            /* decoded request */
};

static int on_twirp(struct rift_http_request *req, void *userdata);

static const struct rift_http_route twirp_routes[] = {
        { RIFT_HTTP_ANY, "/twirp/:service/:method", on_twirp },
};

static int reply_twirp_error(struct rift_http_request *req, enum rift_twirp_code code, const char *msg)
{
        _cleanup_buf_ struct rift_buf body = RIFT_BUF_INIT(64 * 1024);
        int r;

        r = rift_twirp_error_format(code, msg, &body);
        if (r < 0)
                return r;
        return rift_http_reply(req, rift_twirp_http_status(code), "application/json", body.data, body.len);
}

int rift_rpc_error(struct rift_rpc_ctx *ctx, int err, const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        free(ctx->error_msg);
        ctx->error_msg = s;
        return err;
}

static void call_free(struct call *call)
{
        if (call->in)
                protobuf_c_message_free_unpacked(call->in, NULL);
        free(call->ctx.error_msg);
        free(call);
}

/* The server went away before an async handler answered. */
static void abandon_call(void *userdata)
{
        call_free(userdata);
}

static int reply_message(struct call *call, const ProtobufCMessage *out)
{
        struct rift_http_request *req = call->ctx.http;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len;

        if (out->descriptor != call->m->output)
                return reply_twirp_error(req, RIFT_TWIRP_INTERNAL, "handler returned the wrong message type");
        len = protobuf_c_message_get_packed_size(out);
        if (len > RIFT_MAX_RPC_MESSAGE)
                return reply_twirp_error(req, RIFT_TWIRP_INTERNAL, "response message too large");
        buf = malloc(len ? len : 1);
        if (!buf)
                return reply_twirp_error(req, RIFT_TWIRP_INTERNAL, "out of memory");
        protobuf_c_message_pack(out, buf);
        return rift_http_reply(req, 200, RIFT_RPC_CONTENT_TYPE, buf, len);
}

void rift_rpc_finish(struct rift_rpc_ctx *ctx, int err, ProtobufCMessage *out)
{
        struct call *call = (struct call *)ctx;
        struct rift_http_request *req = ctx->http;

        if (err < 0) {
                enum rift_twirp_code code = rift_twirp_code_from_error(err);
                reply_twirp_error(req, code, ctx->error_msg ? ctx->error_msg : rift_strerror(err));
        } else if (ctx->deadline_ms && rift_mono_ms() > ctx->deadline_ms) {
                reply_twirp_error(req, RIFT_TWIRP_DEADLINE_EXCEEDED, "deadline exceeded while handling");
        } else if (!out) {
                reply_twirp_error(req, RIFT_TWIRP_INTERNAL, "handler returned no message");
        } else {
                reply_message(call, out);
        }
        if (out)
                protobuf_c_message_free_unpacked(out, NULL);
        call_free(call);
}

static const struct rift_rpc_method *find_method(struct rift_rpc_server *rpc, const char *service,
                                                 const char *method, void **ret_userdata)
{
        for (size_t i = 0; i < rpc->n_services; i++) {
                const struct rift_rpc_service *svc = rpc->services[i].svc;

                if (strcmp(svc->name, service) != 0)
                        continue;
                for (size_t k = 0; k < svc->n_methods; k++) {
                        if (strcmp(svc->methods[k].name, method) == 0) {
                                *ret_userdata = rpc->services[i].userdata;
                                return &svc->methods[k];
                        }
                }
        }
        return NULL;
}

/* Reads the optional deadline header into a monotonic time; RIFT_E_INVALID if it is not a number. */
static int read_deadline(struct rift_http_request *req, int64_t *ret)
{
        const char *h = rift_http_request_header(req, RIFT_RPC_DEADLINE_HEADER);
        int64_t ms;

        *ret = 0;
        if (!h)
                return 0;
        if (rift_parse_int64(h, 0, MAX_DEADLINE_MS, &ms) < 0)
                return RIFT_E_INVALID;
        *ret = rift_mono_ms() + ms;
        return ms == 0 ? RIFT_E_TIMEOUT : 0;
}

static bool content_type_ok(struct rift_http_request *req)
{
        const char *ct = rift_http_request_header(req, "Content-Type");
        size_t n = strlen(RIFT_RPC_CONTENT_TYPE);

        return ct && strncmp(ct, RIFT_RPC_CONTENT_TYPE, n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

/* A reason to refuse a call before its handler runs. */
struct refusal {
        enum rift_twirp_code code; /* Twirp error code */
        char msg[160];             /* error message */
};

static int refuse(struct refusal *ret, enum rift_twirp_code code, const char *msg)
{
        ret->code = code;
        rift_strlcpy(ret->msg, msg, sizeof(ret->msg));
        return -1;
}

/* Checks method, route, content type and deadline; -1 with *ret filled if the call is refused. */
static int precheck(struct rift_http_request *req, const struct rift_rpc_method *m, int64_t *ret_deadline,
                    struct refusal *ret)
{
        char msg[160];
        int r;

        if (rift_http_request_method(req) != RIFT_HTTP_POST)
                return refuse(ret, RIFT_TWIRP_BAD_ROUTE, "only POST is allowed");
        if (!m) {
                snprintf(msg, sizeof(msg), "no handler for path \"%.100s\"", rift_http_request_path(req));
                return refuse(ret, RIFT_TWIRP_BAD_ROUTE, msg);
        }
        if (!content_type_ok(req))
                return refuse(ret, RIFT_TWIRP_BAD_ROUTE,
                              "unexpected Content-Type (use " RIFT_RPC_CONTENT_TYPE ")");
        r = read_deadline(req, ret_deadline);
        if (r == RIFT_E_TIMEOUT)
                return refuse(ret, RIFT_TWIRP_DEADLINE_EXCEEDED, "deadline exceeded before handling");
        if (r < 0)
                return refuse(ret, RIFT_TWIRP_MALFORMED, "bad " RIFT_RPC_DEADLINE_HEADER " header");
        return 0;
}

static int on_twirp(struct rift_http_request *req, void *userdata)
{
        struct rift_rpc_server *rpc = userdata;
        const char *service = rift_http_request_param(req, "service");
        const char *method = rift_http_request_param(req, "method");
        void *svc_userdata = NULL;
        const struct rift_rpc_method *m = find_method(rpc, service, method, &svc_userdata);
        ProtobufCMessage *out = NULL;
        struct call *call;
        const char *data;
        size_t len;
        struct refusal no;
        int64_t deadline = 0;
        int r;

        if (precheck(req, m, &deadline, &no) < 0)
                return reply_twirp_error(req, no.code, no.msg);
        r = rift_http_request_body(req, &data, &len);
        if (r < 0)
                return r;
        if (len > rpc->max_message)
                return reply_twirp_error(req, RIFT_TWIRP_INVALID_ARGUMENT, "request message too large");
        call = calloc(1, sizeof(*call));
        if (!call)
                return -ENOMEM;
        call->m = m;
        call->ctx = (struct rift_rpc_ctx){ req, service, method, deadline, svc_userdata, NULL };
        call->in = protobuf_c_message_unpack(m->input, NULL, len, (const uint8_t *)data);
        if (!call->in || !rift_rpc_message_utf8_valid(call->in)) {
                call_free(call);
                return reply_twirp_error(req, RIFT_TWIRP_MALFORMED, "failed to parse request proto");
        }
        r = m->handler(call->in, &out, &call->ctx);
        if (r == RIFT_RPC_ASYNC) {
                rift_http_request_on_abandon(req, abandon_call, call);
                return RIFT_HTTP_ASYNC;
        }
        rift_rpc_finish(&call->ctx, r, r < 0 ? NULL : out);
        if (r < 0 && out)
                protobuf_c_message_free_unpacked(out, NULL);
        return 0;
}

int rift_rpc_server_new(struct rift_http_server *http, size_t max_message, struct rift_rpc_server **ret)
{
        struct rift_rpc_server *rpc;
        int r;

        if (!http || !ret)
                return -EINVAL;
        rpc = calloc(1, sizeof(*rpc));
        if (!rpc)
                return -ENOMEM;
        rpc->http = http;
        rpc->max_message = max_message ? MIN(max_message, RIFT_MAX_RPC_MESSAGE) : RIFT_MAX_RPC_MESSAGE;
        r = rift_http_server_add_routes(http, twirp_routes, ARRAY_SIZE(twirp_routes), rpc);
        if (r < 0) {
                free(rpc);
                return r;
        }
        *ret = rpc;
        return 0;
}

void rift_rpc_server_free(struct rift_rpc_server *rpc)
{
        free(rpc);
}

int rift_rpc_server_add_service(struct rift_rpc_server *rpc, const struct rift_rpc_service *svc,
                                void *userdata)
{
        if (!svc || !svc->name || (!svc->methods && svc->n_methods > 0))
                return -EINVAL;
        for (size_t i = 0; i < svc->n_methods; i++)
                if (!svc->methods[i].name || !svc->methods[i].input || !svc->methods[i].output ||
                    !svc->methods[i].handler)
                        return -EINVAL;
        for (size_t i = 0; i < rpc->n_services; i++)
                if (strcmp(rpc->services[i].svc->name, svc->name) == 0)
                        return -EEXIST;
        if (rpc->n_services == MAX_SERVICES)
                return RIFT_E_TOOBIG;
        rpc->services[rpc->n_services++] = (struct service_entry){ svc, userdata };
        return 0;
}
