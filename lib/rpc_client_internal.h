/* Shared by lib/rpc_client.c (synchronous calls) and lib/rpc_client_async.c (calls on a libevent loop),
 * not for other callers. The split keeps rpc_client.o free of the asynchronous HTTP API, so a program
 * can link its own implementation of lib/http_client.h's synchronous functions (rift-agent:
 * agent/http_lite.c) and never pull the curl-based lib/http_client.o out of librift.a. */
#ifndef RIFT_RPC_CLIENT_INTERNAL_H
#define RIFT_RPC_CLIENT_INTERNAL_H

#include <stdint.h>

#include "lib/http_client.h"
#include "lib/rpc_client.h"

#define MAX_CALL_HEADERS 16   /* extra headers one call may carry */
#define MAX_URL          2048 /* base URL + /twirp/service/method */

struct rift_rpc_client {
        struct rift_http_client *http; /* transport (keep-alive, TLS, retries) */
        char *base_url;                /* "https://host:port", no trailing slash */
        size_t max_message;            /* request and response message cap */
        int timeout_ms;                /* default per-call budget */
        struct rift_rpc_error last;    /* the last failed call's error */
};

/* A call's HTTP request, ready to send. */
struct prepared {
        char url[MAX_URL];                                     /* base URL + /twirp/service/method */
        char deadline[24];                                     /* Rift-Deadline-Ms value */
        struct rift_http_header headers[MAX_CALL_HEADERS + 2]; /* content type, deadline, caller's */
        uint8_t *body;                                         /* packed request message (owned) */
        struct rift_http_client_request rq;                    /* points into the members above */
};

/* Packs in and builds the POST for service/method into *p (p->body is the caller's to free); errors are
 * also described in *e. */
int rift_rpc__prepare(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                      const char *method, const ProtobufCMessage *in, struct rift_rpc_error *e,
                      struct prepared *p);
/* Decodes a finished HTTP exchange (r: its transport result) into the response message or an error. */
int rift_rpc__decode(int r, const struct rift_http_response *resp, const ProtobufCMessageDescriptor *out_desc,
                     struct rift_rpc_error *e, ProtobufCMessage **ret);

#endif
