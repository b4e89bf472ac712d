/* Twirp RPC client: see rpc_client.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/rpc_client.h"
#include "lib/str.h"

#define MAX_CALL_HEADERS 16   /* extra headers one call may carry */
#define MAX_URL          2048 /* base URL + /twirp/service/method */

struct rift_rpc_client {
        struct rift_http_client *http; /* transport (keep-alive, TLS, retries) */
        char *base_url;                /* "https://host:port", no trailing slash */
        size_t max_message;            /* request and response message cap */
        int timeout_ms;                /* default per-call budget */
        struct rift_rpc_error last;    /* the last failed call's error */
};

int rift_rpc_client_new(const struct rift_rpc_client_config *cfg, struct rift_rpc_client **ret)
{
        struct rift_http_client_config http;
        struct rift_rpc_client *c;
        size_t n;
        int r;

        if (!cfg || !cfg->base_url || !ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        http = cfg->http;
        c->max_message = cfg->max_message ? cfg->max_message : RIFT_MAX_RPC_MESSAGE;
        http.max_response = c->max_message;
        c->timeout_ms = http.timeout_ms > 0 ? http.timeout_ms : 30000;
        c->base_url = strdup(cfg->base_url);
        if (!c->base_url) {
                free(c);
                return -ENOMEM;
        }
        n = strlen(c->base_url);
        while (n > 0 && c->base_url[n - 1] == '/')
                c->base_url[--n] = '\0';
        r = rift_http_client_new(&http, &c->http);
        if (r < 0) {
                rift_rpc_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void rift_rpc_client_free(struct rift_rpc_client *c)
{
        if (!c)
                return;
        rift_http_client_free(c->http);
        free(c->base_url);
        free(c);
}

const struct rift_rpc_error *rift_rpc_client_last_error(const struct rift_rpc_client *c)
{
        return &c->last;
}

static int set_error(struct rift_rpc_client *c, enum rift_twirp_code code, const char *msg, int err)
{
        c->last.code = code;
        rift_strlcpy(c->last.msg, msg, sizeof(c->last.msg));
        return err;
}

/* Turns a non-200 reply into the Twirp code and Rift error it carries. */
static int error_reply(struct rift_rpc_client *c, const struct rift_http_response *resp)
{
        enum rift_twirp_code code;
        char msg[sizeof(c->last.msg)];

        if (rift_twirp_error_parse(resp->body.data, resp->body.len, msg, sizeof(msg), &code) < 0) {
                code = rift_twirp_code_from_http_status((int)resp->status);
                snprintf(msg, sizeof(msg), "HTTP status %ld without a Twirp error body", resp->status);
        }
        return set_error(c, code, msg, rift_twirp_code_to_error(code));
}

static int transport_error(struct rift_rpc_client *c, int r)
{
        enum rift_twirp_code code = r == RIFT_E_TIMEOUT  ? RIFT_TWIRP_DEADLINE_EXCEEDED
                                    : r == RIFT_E_TOOBIG ? RIFT_TWIRP_RESOURCE_EXHAUSTED
                                                         : RIFT_TWIRP_UNAVAILABLE;

        return set_error(c, code, rift_strerror(r), r);
}

static int pack(const ProtobufCMessage *in, size_t max, uint8_t **ret, size_t *ret_len)
{
        size_t len = protobuf_c_message_get_packed_size(in);
        uint8_t *buf;

        if (len > max)
                return RIFT_E_TOOBIG;
        buf = malloc(len ? len : 1);
        if (!buf)
                return -ENOMEM;
        protobuf_c_message_pack(in, buf);
        *ret = buf;
        *ret_len = len;
        return 0;
}

static int build_headers(const struct rift_rpc_call_opts *opts, int timeout_ms, char *deadline, size_t size,
                         struct rift_http_header *h, size_t *ret_n)
{
        size_t n = 0;

        if (opts->n_headers > MAX_CALL_HEADERS)
                return -EINVAL;
        snprintf(deadline, size, "%d", timeout_ms);
        h[n++] = (struct rift_http_header){ "Content-Type", RIFT_RPC_CONTENT_TYPE };
        h[n++] = (struct rift_http_header){ RIFT_RPC_DEADLINE_HEADER, deadline };
        for (size_t i = 0; i < opts->n_headers; i++)
                h[n++] = opts->headers[i];
        *ret_n = n;
        return 0;
}

int rift_rpc_call_with(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                       const char *method, const ProtobufCMessage *in,
                       const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **ret)
{
        static const struct rift_rpc_call_opts no_opts = { 0 };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_header headers[MAX_CALL_HEADERS + 2];
        _cleanup_free_ uint8_t *body = NULL;
        char url[MAX_URL], deadline[24];
        ProtobufCMessage *out;
        size_t body_len, n_headers;
        int timeout_ms, r;

        if (!c || !service || !method || !in || !out_desc || !ret)
                return -EINVAL;
        opts = opts ? opts : &no_opts;
        timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : c->timeout_ms;
        if ((size_t)snprintf(url, sizeof(url), "%s/twirp/%s/%s", c->base_url, service, method) >= sizeof(url))
                return set_error(c, RIFT_TWIRP_INVALID_ARGUMENT, "URL too long", -EINVAL);
        r = pack(in, c->max_message, &body, &body_len);
        if (r < 0)
                return set_error(c, RIFT_TWIRP_INVALID_ARGUMENT, "request message too large", r);
        r = build_headers(opts, timeout_ms, deadline, sizeof(deadline), headers, &n_headers);
        if (r < 0)
                return set_error(c, RIFT_TWIRP_INVALID_ARGUMENT, "too many headers", r);
        struct rift_http_client_request rq = { "POST", url,      headers,    n_headers,
                                               body,   body_len, timeout_ms, opts->idempotent };
        r = rift_http_client_do(c->http, &rq, &resp);
        if (r < 0)
                return transport_error(c, r);
        if (resp.status != 200)
                return error_reply(c, &resp);
        out = protobuf_c_message_unpack(out_desc, NULL, resp.body.len, (const uint8_t *)resp.body.data);
        if (!out || !rift_rpc_message_utf8_valid(out)) {
                if (out)
                        protobuf_c_message_free_unpacked(out, NULL);
                return set_error(c, RIFT_TWIRP_MALFORMED, "failed to parse response proto", RIFT_E_PARSE);
        }
        *ret = out;
        return 0;
}

int rift_rpc_call(struct rift_rpc_client *c, const char *service, const char *method,
                  const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out_desc,
                  ProtobufCMessage **ret)
{
        return rift_rpc_call_with(c, NULL, service, method, in, out_desc, ret);
}
