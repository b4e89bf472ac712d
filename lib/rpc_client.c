/* Twirp RPC client: see rpc_client.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/rpc_client.h"
#include "lib/rpc_client_internal.h"
#include "lib/str.h"

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

static int set_error(struct rift_rpc_error *e, enum rift_twirp_code code, const char *msg, int err)
{
        e->code = code;
        rift_strlcpy(e->msg, msg, sizeof(e->msg));
        return err;
}

/* Turns a non-200 reply into the Twirp code and Rift error it carries. */
static int error_reply(struct rift_rpc_error *e, const struct rift_http_response *resp)
{
        enum rift_twirp_code code;
        char msg[sizeof(e->msg)];

        if (rift_twirp_error_parse(resp->body.data, resp->body.len, msg, sizeof(msg), &code) < 0) {
                code = rift_twirp_code_from_http_status((int)resp->status);
                snprintf(msg, sizeof(msg), "HTTP status %ld without a Twirp error body", resp->status);
        }
        return set_error(e, code, msg, rift_twirp_code_to_error(code));
}

static int transport_error(struct rift_rpc_error *e, int r)
{
        enum rift_twirp_code code = r == RIFT_E_TIMEOUT  ? RIFT_TWIRP_DEADLINE_EXCEEDED
                                    : r == RIFT_E_TOOBIG ? RIFT_TWIRP_RESOURCE_EXHAUSTED
                                                         : RIFT_TWIRP_UNAVAILABLE;

        return set_error(e, code, rift_strerror(r), r);
}

int rift_rpc__prepare(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                      const char *method, const ProtobufCMessage *in, struct rift_rpc_error *e,
                      struct prepared *p)
{
        static const struct rift_rpc_call_opts no_opts = { 0 };
        int timeout_ms;
        size_t len, n = 0;

        opts = opts ? opts : &no_opts;
        timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : c->timeout_ms;
        if ((size_t)snprintf(p->url, sizeof(p->url), "%s/twirp/%s/%s", c->base_url, service, method) >=
            sizeof(p->url))
                return set_error(e, RIFT_TWIRP_INVALID_ARGUMENT, "URL too long", -EINVAL);
        if (opts->n_headers > MAX_CALL_HEADERS)
                return set_error(e, RIFT_TWIRP_INVALID_ARGUMENT, "too many headers", -EINVAL);
        len = protobuf_c_message_get_packed_size(in);
        if (len > c->max_message)
                return set_error(e, RIFT_TWIRP_INVALID_ARGUMENT, "request message too large", RIFT_E_TOOBIG);
        p->body = malloc(len ? len : 1);
        if (!p->body)
                return set_error(e, RIFT_TWIRP_INTERNAL, "out of memory", -ENOMEM);
        protobuf_c_message_pack(in, p->body);
        snprintf(p->deadline, sizeof(p->deadline), "%d", timeout_ms);
        p->headers[n++] = (struct rift_http_header){ "Content-Type", RIFT_RPC_CONTENT_TYPE };
        p->headers[n++] = (struct rift_http_header){ RIFT_RPC_DEADLINE_HEADER, p->deadline };
        for (size_t i = 0; i < opts->n_headers; i++)
                p->headers[n++] = opts->headers[i];
        p->rq = (struct rift_http_client_request){ "POST",  p->url, p->headers, n,
                                                   p->body, len,    timeout_ms, opts->idempotent };
        return 0;
}

/* Decodes a finished HTTP exchange into the response message or an error. */
int rift_rpc__decode(int r, const struct rift_http_response *resp, const ProtobufCMessageDescriptor *out_desc,
                     struct rift_rpc_error *e, ProtobufCMessage **ret)
{
        ProtobufCMessage *out;

        if (r < 0)
                return transport_error(e, r);
        if (resp->status != 200)
                return error_reply(e, resp);
        out = protobuf_c_message_unpack(out_desc, NULL, resp->body.len, (const uint8_t *)resp->body.data);
        if (!out || !rift_rpc_message_utf8_valid(out)) {
                if (out)
                        protobuf_c_message_free_unpacked(out, NULL);
                return set_error(e, RIFT_TWIRP_MALFORMED, "failed to parse response proto", RIFT_E_PARSE);
        }
        *ret = out;
        return 0;
}

int rift_rpc_call_with(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                       const char *method, const ProtobufCMessage *in,
                       const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **ret)
{
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        _cleanup_free_ struct prepared *p = NULL;
        int r;

        if (!c || !service || !method || !in || !out_desc || !ret)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = rift_rpc__prepare(c, opts, service, method, in, &c->last, p);
        if (r < 0)
                return r;
        r = rift_http_client_do(c->http, &p->rq, &resp);
        free(p->body);
        return rift_rpc__decode(r, &resp, out_desc, &c->last, ret);
}

int rift_rpc_call(struct rift_rpc_client *c, const char *service, const char *method,
                  const ProtobufCMessage *in, const ProtobufCMessageDescriptor *out_desc,
                  ProtobufCMessage **ret)
{
        return rift_rpc_call_with(c, NULL, service, method, in, out_desc, ret);
}
