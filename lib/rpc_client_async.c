/* Twirp RPC calls on a libevent loop (lib/http_client's curl multi): see rpc_client.h. Kept apart from
 * rpc_client.c so that programs making only synchronous calls do not need the asynchronous HTTP API
 * (rpc_client_internal.h). */
#include <errno.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/rpc_client.h"
#include "lib/rpc_client_internal.h"
#include "lib/str.h"

struct async_call {
        const ProtobufCMessageDescriptor *out_desc; /* response type */
        rift_rpc_call_cb cb;                        /* completion callback */
        void *userdata;                             /* for cb */
};

int rift_rpc_client_attach(struct rift_rpc_client *c, struct event_base *base)
{
        return rift_http_client_attach(c->http, base);
}

static void on_http_done(int r, struct rift_http_response *resp, void *userdata)
{
        struct async_call *ac = userdata;
        static const struct rift_http_response none = { 0 };
        struct rift_rpc_error e = { RIFT_TWIRP_UNKNOWN, "" };
        ProtobufCMessage *out = NULL;

        r = rift_rpc__decode(r, resp ? resp : &none, ac->out_desc, &e, &out);
        ac->cb(r, r < 0 ? NULL : out, &e, ac->userdata);
        free(ac);
}

int rift_rpc_call_async(struct rift_rpc_client *c, const struct rift_rpc_call_opts *opts, const char *service,
                        const char *method, const ProtobufCMessage *in,
                        const ProtobufCMessageDescriptor *out_desc, rift_rpc_call_cb cb, void *userdata)
{
        _cleanup_free_ struct prepared *p = NULL;
        struct async_call *ac;
        int r;

        if (!c || !service || !method || !in || !out_desc || !cb)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        ac = calloc(1, sizeof(*ac));
        if (!p || !ac) {
                free(ac);
                return -ENOMEM;
        }
        *ac = (struct async_call){ out_desc, cb, userdata };
        r = rift_rpc__prepare(c, opts, service, method, in, &c->last, p);
        if (r == 0)
                r = rift_http_client_send(c->http, &p->rq, on_http_done, ac); /* copies the request */
        free(p->body);
        if (r < 0)
                free(ac);
        return r;
}
