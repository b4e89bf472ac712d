/* Twirp RPC client over lib/http_client (synchronous, keep-alive):
 *
 *   struct rift_rpc_client_config cfg = { .base_url = "https://127.0.0.1:8443",
 *                                         .http = { .ca_file = "ca.pem" } };
 *   r = rift_rpc_client_new(&cfg, &c);
 *   Rift__Health__V1__CheckRequest req = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;
 *   ProtobufCMessage *out = NULL;
 *   r = rift_rpc_call(c, "rift.health.v1.Health", "Check", &req.base,
 *                     &rift__health__v1__check_response__descriptor, &out);
 *   ... protobuf_c_message_free_unpacked(out, NULL);
 *
 * A Twirp error reply becomes the matching Rift code (rift_twirp_code_to_error: not_found ->
 * RIFT_E_NOTFOUND, unauthenticated -> RIFT_E_AUTH, deadline_exceeded -> RIFT_E_TIMEOUT, ...) and
 * rift_rpc_client_last_error() tells the Twirp code and message. Transport errors are those of
 * lib/http_client (RIFT_E_UNAVAILABLE, RIFT_E_TIMEOUT, RIFT_E_TLS). The call's timeout is sent to the
 * server as Rift-Deadline-Ms. rift_rpc_call_async() does the same on a libevent loop.
 *
 * The synchronous calls (rpc_client.c) use only lib/http_client.h's synchronous API; the asynchronous
 * ones live in rpc_client_async.c. rift-agent links agent/http_lite.c for that synchronous API instead
 * of lib/http_client.c (no libcurl in its control-plane client); riftctl and the services use libcurl. */
#ifndef RIFT_RPC_CLIENT_H
#define RIFT_RPC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#include "lib/http_client.h"
#include "lib/rpc.h"

struct rift_rpc_client;

struct rift_rpc_client_config {
        const char *base_url;                /* "https://host:port" (no trailing /twirp) */
        struct rift_http_client_config http; /* TLS, timeouts, retries (RPCs are POSTs: only connection
                                              * failures are retried unless a call is idempotent) */
        size_t max_message;                  /* response message cap; 0 = RIFT_MAX_RPC_MESSAGE */
};

/* Per-call options. */
struct rift_rpc_call_opts {
        int timeout_ms;                         /* 0 = the client's timeout */
        const struct rift_http_header *headers; /* extra headers, e.g. Authorization */
        size_t n_headers;                       /* entries in headers */
        bool idempotent;                        /* the method may be retried after a timeout/5xx */
};

/* The last failed call's Twirp error (code and message), for logs and CLI output. */
struct rift_rpc_error {
        enum rift_twirp_code code; /* Twirp code (transport failures: unavailable/deadline_exceeded) */
        char msg[256];             /* the server's message or a transport description */
};

int rift_rpc_client_new(const struct rift_rpc_client_config *cfg, struct rift_rpc_client **ret);
void rift_rpc_client_free(struct rift_rpc_client *c);
int rift_rpc_call(struct rift_rpc_client *c, const char *service, const char *method,
                  const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out_desc,
                  ProtobufCMessage **ret);
int rift_rpc_call_with(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                       const char *method, const ProtobufCMessage *in,
                       const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **ret);
const struct rift_rpc_error *rift_rpc_client_last_error(const struct rift_rpc_client *c);

/* ---- asynchronous calls on a libevent loop (lib/http_client's curl multi) ---- */

/* Completion: err 0 with out (the callee owns it: protobuf_c_message_free_unpacked(out, NULL)), or a
 * negative code with out NULL and e telling the Twirp code and message. */
typedef void (*rift_rpc_call_cb)(int err, ProtobufCMessage *out, const struct rift_rpc_error *e,
                                 void *userdata);
/* Lets c make async calls on base's loop (once per client). */
int rift_rpc_client_attach(struct rift_rpc_client *c, struct event_base *base);
/* Starts a call; in is packed at once (the caller may free it on return). cb runs exactly once, from
 * the loop, or with -ECANCELED when the client is freed first. */
int rift_rpc_call_async(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                        const char *method, const ProtobufCMessage *in,
                        const ProtobufCMessageDescriptor *out_desc, rift_rpc_call_cb cb, void *userdata);

#endif
