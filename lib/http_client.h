/* HTTP client on libcurl. The synchronous API serves the CLI, the agent and tests; it reuses one
 * connection (keep-alive) per client. TLS is verified against ca_file (or the system CAs), with an
 * optional client certificate. Connection failures, and for idempotent requests also timeouts and
 * 502/503/504, are retried with exponential backoff and full jitter within the request's deadline.
 *
 *   struct rift_http_client_config cfg = { .ca_file = "ca.pem", .max_retries = 3 };
 *   r = rift_http_client_new(&cfg, &c);
 *   struct rift_http_client_request rq = { .method = "GET", .url = "https://127.0.0.1:8443/status" };
 *   _cleanup_(rift_http_response_free) struct rift_http_response resp = {};
 *   r = rift_http_client_do(c, &rq, &resp);   // resp.status, resp.body.data/len
 *
 * Errors: RIFT_E_UNAVAILABLE (cannot connect), RIFT_E_TIMEOUT, RIFT_E_TLS (handshake or certificate
 * verification failed), RIFT_E_TOOBIG (response over max_response), RIFT_E_PROTOCOL, -EINVAL, -ENOMEM.
 * An HTTP error status is not an error of the call: check resp.status.
 *
 * The asynchronous variant runs on a libevent loop (curl multi; same requests, retries and errors):
 *   r = rift_http_client_attach(c, base);
 *   r = rift_http_client_send(c, &rq, done, ud);   // done(err, resp, ud) runs later from the loop
 *
 * rift-agent links another implementation of the synchronous half (new/free/do, response_free,
 * response_header): agent/http_lite.c, an HTTP/1.1 client without libcurl with this same contract, so
 * its network process does not map libcurl's dependency tree. Changes to this contract go to both. */
#ifndef RIFT_HTTP_CLIENT_H
#define RIFT_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct rift_http_client;
struct event_base;

struct rift_http_client_config {
        const char *ca_file;     /* PEM CA bundle the server must chain to; NULL = system CAs */
        const char *client_cert; /* PEM client certificate for mutual TLS; NULL = none */
        const char *client_key;  /* PEM key for client_cert */
        int connect_timeout_ms;  /* per attempt; 0 = 5000 */
        int timeout_ms;          /* whole-request deadline including retries; 0 = 30000 */
        int max_retries;         /* extra attempts after the first; 0 = none */
        int retry_base_ms;       /* first backoff ceiling, doubled per attempt; 0 = 100 */
        int retry_max_ms;        /* backoff ceiling; 0 = 5000 */
        size_t max_response;     /* response body cap; 0 = RIFT_MAX_HTTP_RESPONSE */
        const char *user_agent;  /* NULL = "rift" */
        bool insecure;           /* skip TLS certificate and host verification (riftctl --skip-ssl) */
};

struct rift_http_header {
        const char *name;  /* "Authorization" */
        const char *value; /* "Bearer ..." */
};

struct rift_http_client_request {
        const char *method;                     /* "GET", "POST"...; NULL = GET */
        const char *url;                        /* absolute http:// or https:// URL */
        const struct rift_http_header *headers; /* extra request headers */
        size_t n_headers;                       /* entries in headers */
        const void *body;                       /* request body; NULL = none */
        size_t body_len;                        /* bytes in body */
        int timeout_ms;                         /* deadline for this request; 0 = the config's */
        bool idempotent; /* safe to resend after it may have reached the server; GET/HEAD/PUT/DELETE
                          * are treated as idempotent regardless */
};

struct rift_http_response {
        long status;             /* HTTP status code */
        struct rift_buf body;    /* response body (capped) */
        struct rift_buf headers; /* raw response header lines of the final response */
        int attempts;            /* attempts made (1 = no retry) */
};

int rift_http_client_new(const struct rift_http_client_config *cfg, struct rift_http_client **ret);
void rift_http_client_free(struct rift_http_client *c);
/* Performs rq; on success fills *ret (which must be zeroed or freed before). */
int rift_http_client_do(struct rift_http_client *c, const struct rift_http_client_request *rq,
                        struct rift_http_response *ret);
/* Frees the body and headers of r; accepts NULL. */
void rift_http_response_free(struct rift_http_response *r);
/* Async completion: err 0 with resp (valid only during the call; move resp->body out with
 * rift_buf_steal to keep it), or a negative error with resp NULL. */
typedef void (*rift_http_client_cb)(int err, struct rift_http_response *resp, void *userdata);
/* Lets c run requests on base's loop (once per client). The sync API stays usable. */
int rift_http_client_attach(struct rift_http_client *c, struct event_base *base);
/* Starts rq on the loop; everything in rq is copied. cb runs exactly once, from the loop, never from
 * inside this call; requests still running when the client is freed get -ECANCELED then (do not free
 * the client from inside a callback). */
int rift_http_client_send(struct rift_http_client *c, const struct rift_http_client_request *rq,
                          rift_http_client_cb cb, void *userdata);
/* Value of a response header (case-insensitive) copied into out[size]; -ENOENT if absent. */
int rift_http_response_header(const struct rift_http_response *r, const char *name, char *out, size_t size);

#endif
