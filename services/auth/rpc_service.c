/* AuthService over Twirp (lib/rpc_server): ValidateRequest, GetProjectById and GetUserById for the
 * other Rift services. ValidateRequest is the hot path: the token check goes through the verified-token
 * cache of tokens.c, then one project read decides the membership. Replies never contain the token. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/metrics.h"
#include "lib/rpc_server.h"
#include "lib/str.h"
#include "proto/auth.pb-c.h"
#include "services/auth/auth.h"

#define MSG_NEW(type, init_fn)                                                                               \
        ({                                                                                                   \
                type *_m = malloc(sizeof(type));                                                             \
                if (_m)                                                                                      \
                        init_fn(_m);                                                                         \
                _m;                                                                                          \
        })

/* Sets a string field to a copy of s (left at the shared empty default when s is NULL or ""). */
static int set(char **field, const char *s)
{
        char *d;

        if (!s || !*s)
                return 0;
        d = strdup(s);
        if (!d)
                return -ENOMEM;
        *field = d;
        return 0;
}

static int set_num(char **field, const cJSON *doc, const char *key)
{
        char buf[24];
        int64_t v;

        if (rift_json_get_int64(doc, key, &v) < 0)
                return 0;
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return set(field, buf);
}

static int set_doc(char **field, const cJSON *doc, const char *key)
{
        const char *s;

        return rift_json_get_string(doc, key, &s) == 0 ? set(field, s) : 0;
}

/* Decides a ValidateRequest; returns NULL when valid, else the reason. */
static const char *decide(struct auth_ctx *ctx, const Rift__Auth__V1__ValidateRequestRequest *in,
                          struct auth_session *who, int *ret_err)
{
        const cJSON *p = NULL;
        enum auth_prole required[8], role;
        enum auth_invite want = AUTH_INV_ACCEPTED, st;
        const char *why = "invalid token";
        int r;

        *ret_err = 0;
        r = auth_token_authenticate(ctx, in->jwt, who, &why);
        if (r == RIFT_E_AUTH) {
                rift_metric_inc(ctx->m_auth_failures, RIFT_LV(why));
                return why;
        }
        if (r < 0) {
                *ret_err = r;
                return "server error";
        }
        if (who->initial_login)
                return "default password not updated";
        if (!in->project_id || !*in->project_id)
                return NULL;
        if (in->n_required_roles == 0 || in->n_required_roles > ARRAY_SIZE(required))
                return "between 1 and 8 required roles must be given";
        for (size_t i = 0; i < in->n_required_roles; i++)
                if (auth_prole_parse(in->required_roles[i], &required[i]) < 0)
                        return "unknown role";
        if (in->invitation && *in->invitation && auth_invite_parse(in->invitation, &want) < 0)
                return "unknown invitation state";
        r = auth_project_get_cached(ctx, in->project_id, &p);
        if (r == RIFT_E_NOTFOUND)
                return "permission denied";
        if (r < 0) {
                *ret_err = r;
                return "server error";
        }
        auth_member_state(auth_project_member(p, who->uid), &role, &st);
        if (!auth_rbac_roles_match(role, st, required, in->n_required_roles, want))
                return "permission denied";
        return NULL;
}

static int validate_request(const ProtobufCMessage *msg, ProtobufCMessage **ret_out,
                            struct rift_rpc_ctx *rctx)
{
        const Rift__Auth__V1__ValidateRequestRequest *in = (const void *)msg;
        struct auth_ctx *ctx = rctx->userdata;
        Rift__Auth__V1__ValidateRequestResponse *out;
        struct auth_session who = { 0 };
        const char *why;
        int err;

        why = decide(ctx, in, &who, &err);
        if (err < 0)
                return rift_rpc_error(rctx, err, "could not validate the request");
        out =
            MSG_NEW(Rift__Auth__V1__ValidateRequestResponse, rift__auth__v1__validate_request_response__init);
        if (!out)
                return -ENOMEM;
        out->is_valid = why == NULL;
        if (set(&out->error, why) < 0 || set(&out->user_id, who.uid) < 0 ||
            set(&out->username, who.username) < 0 ||
            set(&out->role, who.uid[0] ? auth_grole_name(who.role) : NULL) < 0) {
                protobuf_c_message_free_unpacked(&out->base, NULL);
                return -ENOMEM;
        }
        rift_metric_inc(ctx->m_validate, RIFT_LV(why ? "denied" : "allowed"));
        *ret_out = &out->base;
        return 0;
}

static int member_fill(Rift__Auth__V1__ProjectMember *m, const cJSON *doc)
{
        rift__auth__v1__project_member__init(m);
        if (set_doc(&m->uid, doc, "user_id") < 0 || set_doc(&m->user_name, doc, "username") < 0 ||
            set_doc(&m->role, doc, "role") < 0 || set_doc(&m->email, doc, "email") < 0 ||
            set_doc(&m->invitation, doc, "invitation") < 0 || set_num(&m->joined_at, doc, "joined_at") < 0)
                return -ENOMEM;
        return 0;
}

static int project_fill(Rift__Auth__V1__GetProjectByIdResponse *out, const cJSON *p)
{
        const cJSON *members = cJSON_GetObjectItemCaseSensitive(p, "members"), *m;
        size_t n = (size_t)cJSON_GetArraySize(members);

        if (set_doc(&out->id, p, "_id") < 0 || set_doc(&out->uid, p, "created_by") < 0 ||
            set_doc(&out->name, p, "name") < 0 || set_doc(&out->state, p, "state") < 0 ||
            set_num(&out->created_at, p, "created_at") < 0 || set_num(&out->updated_at, p, "updated_at") < 0)
                return -ENOMEM;
        if (n == 0)
                return 0;
        out->members = calloc(n, sizeof(*out->members));
        if (!out->members)
                return -ENOMEM;
        cJSON_ArrayForEach(m, members)
        {
                Rift__Auth__V1__ProjectMember *pm = malloc(sizeof(*pm));

                if (!pm)
                        return -ENOMEM;
                out->members[out->n_members++] = pm;
                if (member_fill(pm, m) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int get_project_by_id(const ProtobufCMessage *msg, ProtobufCMessage **ret_out,
                             struct rift_rpc_ctx *rctx)
{
        const Rift__Auth__V1__GetProjectByIdRequest *in = (const void *)msg;
        struct auth_ctx *ctx = rctx->userdata;
        Rift__Auth__V1__GetProjectByIdResponse *out;
        _cleanup_json_ cJSON *p = NULL;
        int r = auth_project_get(ctx, in->project_id, &p);

        if (r == RIFT_E_NOTFOUND)
                return rift_rpc_error(rctx, r, "project not found");
        if (r < 0)
                return r;
        out =
            MSG_NEW(Rift__Auth__V1__GetProjectByIdResponse, rift__auth__v1__get_project_by_id_response__init);
        if (!out)
                return -ENOMEM;
        if (project_fill(out, p) < 0) {
                protobuf_c_message_free_unpacked(&out->base, NULL);
                return -ENOMEM;
        }
        *ret_out = &out->base;
        return 0;
}

static int get_user_by_id(const ProtobufCMessage *msg, ProtobufCMessage **ret_out, struct rift_rpc_ctx *rctx)
{
        const Rift__Auth__V1__GetUserByIdRequest *in = (const void *)msg;
        struct auth_ctx *ctx = rctx->userdata;
        Rift__Auth__V1__GetUserByIdResponse *out;
        _cleanup_json_ cJSON *u = NULL;
        int r = auth_user_get(ctx, in->user_id, &u);

        if (r == RIFT_E_NOTFOUND)
                return rift_rpc_error(rctx, r, "user not found");
        if (r < 0)
                return r;
        out = MSG_NEW(Rift__Auth__V1__GetUserByIdResponse, rift__auth__v1__get_user_by_id_response__init);
        if (!out)
                return -ENOMEM;
        if (set_doc(&out->id, u, "_id") < 0 || set_doc(&out->username, u, "username") < 0 ||
            set_doc(&out->email, u, "email") < 0 || set_doc(&out->role, u, "role") < 0 ||
            set_doc(&out->name, u, "name") < 0 || set_num(&out->created_at, u, "created_at") < 0 ||
            set_num(&out->updated_at, u, "updated_at") < 0 ||
            set_num(&out->deactivated_at, u, "deactivated_at") < 0) {
                protobuf_c_message_free_unpacked(&out->base, NULL);
                return -ENOMEM;
        }
        *ret_out = &out->base;
        return 0;
}

static const struct rift_rpc_method auth_methods[] = {
        { "ValidateRequest", &rift__auth__v1__validate_request_request__descriptor,
          &rift__auth__v1__validate_request_response__descriptor, validate_request },
        { "GetProjectById", &rift__auth__v1__get_project_by_id_request__descriptor,
          &rift__auth__v1__get_project_by_id_response__descriptor, get_project_by_id },
        { "GetUserById", &rift__auth__v1__get_user_by_id_request__descriptor,
          &rift__auth__v1__get_user_by_id_response__descriptor, get_user_by_id },
};

static const struct rift_rpc_service auth_service = { "rift.auth.v1.AuthService", auth_methods,
                                                      ARRAY_SIZE(auth_methods) };

int auth_rpc_mount(struct auth_ctx *ctx, struct rift_rpc_server *rpc)
{
        return rift_rpc_server_add_service(rpc, &auth_service, ctx);
}
