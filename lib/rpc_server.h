/* Twirp RPC server over protobuf-c, mounted on a lib/http_server: POST /twirp/<pkg>.<Service>/<Method>
 * with Content-Type application/protobuf. Services come from static const method tables:
 *
 *   static int check(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx);
 *   static const struct rift_rpc_method health_methods[] = {
 *           { "Check", &rift__health__v1__check_request__descriptor,
 *             &rift__health__v1__check_response__descriptor, check },
 *   };
 *   static const struct rift_rpc_service health_service = {
 *           "rift.health.v1.Health", health_methods, ARRAY_SIZE(health_methods) };
 *   r = rift_rpc_server_new(http, 0, &rpc);
 *   r = rift_rpc_server_add_service(rpc, &health_service, app);
 *
 * A handler returns 0 and sets *ret_out to a message of the method's output type, allocated so that
 * protobuf_c_message_free_unpacked(out, NULL) frees it (malloc'ed message, strdup'ed strings, default
 * values left as they are); or returns a negative code, optionally with a message set through
 * rift_rpc_error(), which becomes a Twirp error reply. Errors the layer itself produces: bad_route
 * (unknown service/method, not POST, wrong content type), malformed (undecodable protobuf),
 * invalid_argument (message over the size limit), deadline_exceeded (the caller's
 * Rift-Deadline-Ms budget ran out before or while the handler ran). */
#ifndef RIFT_RPC_SERVER_H
#define RIFT_RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "lib/macro.h"

struct rift_http_server;
struct rift_http_request;
struct rift_rpc_server;

/* What a handler knows about its call. */
struct rift_rpc_ctx {
        struct rift_http_request *http; /* the HTTP request: headers (Authorization), peer address */
        const char *service;            /* full service name, "rift.health.v1.Health" */
        const char *method;             /* method name, "Check" */
        int64_t deadline_ms;            /* rift_mono_ms() time the caller gives up; 0 = no deadline */
        void *userdata;                 /* given to rift_rpc_server_add_service */
        char *error_msg;                /* set by rift_rpc_error(); owned by the server */
};

typedef int (*rift_rpc_handler)(const ProtobufCMessage *in, ProtobufCMessage **ret_out,
                                struct rift_rpc_ctx *ctx);

struct rift_rpc_method {
        const char *name;                         /* method name as in the .proto, "Check" */
        const ProtobufCMessageDescriptor *input;  /* request message type */
        const ProtobufCMessageDescriptor *output; /* response message type */
        rift_rpc_handler handler;                 /* the implementation */
};

struct rift_rpc_service {
        const char *name;                      /* "<package>.<Service>", "rift.health.v1.Health" */
        const struct rift_rpc_method *methods; /* static const table */
        size_t n_methods;                      /* entries in methods */
};

/* Mounts the Twirp route on http. max_message caps a request body (0 = RIFT_MAX_RPC_MESSAGE). The
 * rpc server must be freed after the http server (or never used again once that is freed). */
int rift_rpc_server_new(struct rift_http_server *http, size_t max_message, struct rift_rpc_server **ret);
void rift_rpc_server_free(struct rift_rpc_server *rpc);
/* Adds a service (kept by pointer). -EEXIST if the name is already registered. */
int rift_rpc_server_add_service(struct rift_rpc_server *rpc, const struct rift_rpc_service *svc,
                                void *userdata);

/* Sets the error message for the reply and returns err, for `return rift_rpc_error(ctx, RIFT_E_INVALID,
 * "name is required");`. */
int rift_rpc_error(struct rift_rpc_ctx *ctx, int err, const char *fmt, ...) _printf_(3, 4);

/* Returned by a handler that answers later (long polls, calls to other services) with rift_rpc_finish();
 * ctx stays valid until then. */
#define RIFT_RPC_ASYNC 1
/* Completes an async call: err 0 with out (consumed, freed by the server) or a negative code. */
void rift_rpc_finish(struct rift_rpc_ctx *ctx, int err, ProtobufCMessage *out);

#endif
