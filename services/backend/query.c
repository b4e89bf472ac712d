/* POST /query: GraphQL over HTTP ({query, variables, operationName}) with every root resolver
 * authorised through rift-auth's AuthService.ValidateRequest.
 *
 * The engine's resolvers are synchronous and a ValidateRequest is an RPC, so each request is executed
 * twice: a discovery pass, where every root resolver calls backend_authorize() and that only records
 * the (projectID argument, least role) it needs and fails the field; then every need is validated
 * (answers cached for AUTH_CACHE_TTL, calls made in parallel on the loop); then the real pass, where
 * backend_authorize() lets the resolver run only if its need was granted. The projectID is taken
 * from the resolver's own coerced argument, so literals, variables and defaults all work, and a
 * resolver that forgets to call backend_authorize() has no project to act on. A document that fails
 * parsing or validation never reaches a resolver and is answered from the discovery pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/graphql/graphql.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/rpc_client.h"
#include "lib/str.h"
#include "proto/auth.pb-c.h"
#include "services/backend/backend.h"

#define MAX_RESPONSE (8u << 20) /* bytes of one GraphQL response */

/* ---- cache of ValidateRequest answers ---- */
struct authz_entry {
        unsigned char key[32]; /* BLAKE2b of token, project and role */
        int64_t expires;       /* rift_mono_ms() after which it is stale; 0 = empty */
        bool ok;               /* the answer */
        char error[128];       /* why not */
        char user_id[64];      /* the token's user */
        char username[256];    /* that user's name */
        char role[16];         /* that user's global role (admin, user) */
};

struct authz_cache {
        size_t n;                   /* slots */
        struct authz_entry slots[]; /* direct-mapped by the key's first bytes */
};

int authz_cache_new(size_t slots, struct authz_cache **ret)
{
        struct authz_cache *c = calloc(1, sizeof(*c) + slots * sizeof(c->slots[0]));

        if (!c)
                return -ENOMEM;
        c->n = slots;
        *ret = c;
        return 0;
}

void authz_cache_free(struct authz_cache *c)
{
        if (c)
                sodium_memzero(c, sizeof(*c) + c->n * sizeof(c->slots[0]));
        free(c);
}

static void need_key(const char *token, const struct authz_need *n, unsigned char ret[32])
{
        crypto_generichash_state st;
        unsigned char role = (unsigned char)n->role;

        crypto_generichash_init(&st, NULL, 0, 32);
        crypto_generichash_update(&st, (const unsigned char *)token, strlen(token) + 1);
        crypto_generichash_update(&st, (const unsigned char *)n->project, strlen(n->project) + 1);
        crypto_generichash_update(&st, &role, 1);
        crypto_generichash_final(&st, ret, 32);
}

static struct authz_entry *cache_slot(struct authz_cache *c, const unsigned char key[32])
{
        size_t i;

        memcpy(&i, key, sizeof(i));
        return &c->slots[i % c->n];
}

/* ---- one request ---- */
struct query_call {
        struct backend_ctx *b;         /* the process */
        struct rift_http_request *req; /* the HTTP request */
        cJSON *body;                   /* parsed JSON body */
        char *variables;               /* variables as JSON text, or NULL */
        char *token;                   /* bearer token */
        struct gql_req q;              /* resolver context */
        size_t pending;                /* ValidateRequest calls in flight */
        bool abandoned;                /* the server went away */
        int64_t started_us;            /* backend_obs_now_us() at arrival */
};

static void call_free(struct query_call *c)
{
        if (!c)
                return;
        cJSON_Delete(c->body);
        cJSON_Delete(c->q.keep);
        free(c->variables);
        if (c->token)
                sodium_memzero(c->token, strlen(c->token));
        free(c->token);
        free(c);
}

static void count(struct query_call *c, const char *result)
{
        rift_metric_inc(c->b->m_requests, RIFT_LV(result));
        backend_obs_request(c->b, c->q.operation, result, c->started_us);
}

/* A GraphQL-format error reply ({"errors":[{"message":...}]}). */
static int reply_gql_error(struct rift_http_request *req, int status, const char *msg)
{
        cJSON *o = cJSON_CreateObject(), *errs = cJSON_AddArrayToObject(o, "errors"),
              *e = cJSON_CreateObject();
        int r;

        cJSON_AddStringToObject(e, "message", msg);
        cJSON_AddItemToArray(errs, e);
        r = rift_http_reply_json(req, status, o);
        cJSON_Delete(o);
        return r;
}

static const char *member_str(const cJSON *body, const char *name, bool *bad)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

        if (!v || cJSON_IsNull(v))
                return NULL;
        if (!cJSON_IsString(v))
                *bad = true;
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int execute(struct query_call *c, bool discover, struct rift_buf *out)
{
        const char *query = cJSON_GetObjectItemCaseSensitive(c->body, "query")->valuestring;
        bool bad = false;
        const char *op = member_str(c->body, "operationName", &bad);

        c->q.discover = discover;
        cJSON_Delete(c->q.keep);
        c->q.keep = cJSON_CreateArray();
        if (!c->q.keep)
                return -ENOMEM;
        /* discovery resolves every root field even after one failed (each records its own need) */
        return gql_execute_flags(c->b->engine, query, strlen(query), c->variables, op, &c->q,
                                 discover ? GQL_EXEC_ALL_ROOT_FIELDS : 0, out);
}

static void finish(struct query_call *c)
{
        _cleanup_(rift_buf_free) struct rift_buf out = RIFT_BUF_INIT(MAX_RESPONSE);
        int r;

        if (c->abandoned) {
                call_free(c);
                return;
        }
        r = execute(c, false, &out);
        if (r < 0) {
                count(c, "too_big");
                reply_gql_error(c->req, 200, r == RIFT_E_TOOBIG ? "response too large" : "internal error");
        } else {
                count(c, memmem(out.data, out.len, "\"errors\":", 9) ? "errors" : "ok");
                rift_http_reply(c->req, 200, "application/json", out.data, out.len);
        }
        call_free(c);
}

static void need_answered(struct query_call *c, struct authz_need *n, const struct authz_entry *e)
{
        n->ok = e->ok;
        rift_strlcpy(n->error, e->error, sizeof(n->error));
        if (e->user_id[0] && !c->q.user_id[0]) { /* one token: also who was refused (audit trail) */
                rift_strlcpy(c->q.user_id, e->user_id, sizeof(c->q.user_id));
                rift_strlcpy(c->q.username, e->username, sizeof(c->q.username));
                rift_strlcpy(c->q.user_role, e->role, sizeof(c->q.user_role));
        }
}

struct validate_call {
        struct query_call *c;  /* the request */
        struct authz_need *n;  /* the need being checked */
        unsigned char key[32]; /* its cache key */
};

static void validated(int err, ProtobufCMessage *out, const struct rift_rpc_error *e, void *userdata)
{
        struct validate_call *v = userdata;
        struct query_call *c = v->c;
        struct authz_entry ent = { .expires = rift_mono_ms() + c->b->cfg->auth_cache_ms };

        memcpy(ent.key, v->key, sizeof(ent.key));
        if (err < 0) {
                snprintf(ent.error, sizeof(ent.error), "authorization service unavailable");
                ent.expires = 0;
                log_warn("ValidateRequest failed", LOG_ERR(err), LOG_STR("twirp", e ? e->msg : ""));
        } else {
                Rift__Auth__V1__ValidateRequestResponse *m = (void *)out;
                ent.ok = m->is_valid;
                rift_strlcpy(ent.error, m->error ? m->error : "", sizeof(ent.error));
                rift_strlcpy(ent.user_id, m->user_id ? m->user_id : "", sizeof(ent.user_id));
                rift_strlcpy(ent.username, m->username ? m->username : "", sizeof(ent.username));
                rift_strlcpy(ent.role, m->role ? m->role : "", sizeof(ent.role));
                protobuf_c_message_free_unpacked(out, NULL);
        }
        if (ent.expires && c->b->cfg->auth_cache_ms > 0)
                *cache_slot(c->b->cache, ent.key) = ent;
        need_answered(c, v->n, &ent);
        free(v);
        if (--c->pending == 0)
                finish(c);
}

static const char *const roles_owner[] = { "Owner" };
static const char *const roles_exec[] = { "Owner", "Executor" };
static const char *const roles_any[] = { "Owner", "Executor", "Viewer" };

static int validate_start(struct query_call *c, struct authz_need *n, const unsigned char key[32])
{
        Rift__Auth__V1__ValidateRequestRequest in = RIFT__AUTH__V1__VALIDATE_REQUEST_REQUEST__INIT;
        struct rift_rpc_call_opts opts = { .timeout_ms = 5000, .idempotent = true };
        struct validate_call *v = calloc(1, sizeof(*v));
        int r;

        if (!v)
                return -ENOMEM;
        *v = (struct validate_call){ .c = c, .n = n };
        memcpy(v->key, key, 32);
        in.jwt = c->token;
        in.project_id = n->project;
        in.invitation = n->role == ROLE_TOKEN ? (char *)"" : (char *)"Accepted";
        in.required_roles = (char **)(n->role == ROLE_OWNER      ? roles_owner
                                      : n->role == ROLE_EXECUTOR ? roles_exec
                                                                 : roles_any);
        in.n_required_roles = n->role == ROLE_OWNER      ? 1
                              : n->role == ROLE_EXECUTOR ? 2
                              : n->role == ROLE_VIEWER   ? 3
                                                         : 0;
        c->pending++;
        r = rift_rpc_call_async(c->b->auth, &opts, "rift.auth.v1.AuthService", "ValidateRequest", &in.base,
                                &rift__auth__v1__validate_request_response__descriptor, validated, v);
        if (r < 0) {
                c->pending--;
                free(v);
        }
        return r;
}

static void on_abandon(void *userdata)
{
        struct query_call *c = userdata;

        if (c->pending)
                c->abandoned = true;
        else
                call_free(c);
}

/* Validates every need, from the cache or over RPC; finish() runs when the last answer is in. */
static int authorize_all(struct query_call *c)
{
        c->pending = 1; /* held while starting calls */
        for (size_t i = 0; i < c->q.n_needs; i++) {
                struct authz_need *n = &c->q.needs[i];
                unsigned char key[32];
                struct authz_entry *e;

                need_key(c->token, n, key);
                e = cache_slot(c->b->cache, key);
                if (e->expires > rift_mono_ms() && sodium_memcmp(e->key, key, 32) == 0) {
                        need_answered(c, n, e);
                        continue;
                }
                if (validate_start(c, n, key) < 0)
                        snprintf(n->error, sizeof(n->error), "authorization service unavailable");
        }
        if (--c->pending == 0) {
                finish(c);
                return 0;
        }
        rift_http_request_on_abandon(c->req, on_abandon, c);
        return RIFT_HTTP_ASYNC;
}

static char *bearer(struct rift_http_request *req)
{
        const char *h = rift_http_request_header(req, "Authorization");

        if (!h)
                return NULL;
        if (strncasecmp(h, "Bearer ", 7) == 0)
                h += 7;
        while (*h == ' ')
                h++;
        return *h && strlen(h) < 8192 ? strdup(h) : NULL;
}

/* Parses and checks the body; on failure replies 400 in GraphQL's error format. */
static int parse_body(struct query_call *c)
{
        const char *data;
        size_t len;
        const cJSON *q, *vars;
        bool bad = false;
        int r = rift_http_request_body(c->req, &data, &len);

        if (r < 0)
                return r;
        if (!rift_utf8_valid(data, len) || !(c->body = cJSON_ParseWithLength(data, len)) ||
            !cJSON_IsObject(c->body))
                return reply_gql_error(c->req, 400, "request body is not a JSON object"), RIFT_E_PARSE;
        q = cJSON_GetObjectItemCaseSensitive(c->body, "query");
        vars = cJSON_GetObjectItemCaseSensitive(c->body, "variables");
        member_str(c->body, "operationName", &bad);
        if (!cJSON_IsString(q) || bad || (vars && !cJSON_IsNull(vars) && !cJSON_IsObject(vars)))
                return reply_gql_error(
                           c->req, 400,
                           "expected {\"query\": string, \"variables\": object, \"operationName\": string}"),
                       RIFT_E_INVALID;
        if (cJSON_IsObject(vars) && !(c->variables = cJSON_PrintUnformatted(vars)))
                return -ENOMEM;
        return 0;
}

static int h_query(struct rift_http_request *req, void *userdata)
{
        struct backend_ctx *b = userdata;
        _cleanup_(rift_buf_free) struct rift_buf out = RIFT_BUF_INIT(MAX_RESPONSE);
        struct query_call *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (struct query_call){ .b = b, .req = req, .q = { .b = b }, .started_us = backend_obs_now_us() };
        rift_strlcpy(c->q.peer, rift_http_request_peer(req) ? rift_http_request_peer(req) : "",
                     sizeof(c->q.peer));
        r = parse_body(c);
        if (r < 0) {
                count(c, "bad_request");
                call_free(c);
                return rift_http_request_replied(req) ? 0 : r;
        }
        r = execute(c, true, &out);
        if (r < 0 || c->q.n_needs == 0 || c->q.overflow) {
                /* invalid documents (and pure introspection) never reached a resolver */
                count(c, c->q.overflow ? "bad_request" : r < 0 ? "too_big" : "errors");
                if (c->q.overflow)
                        reply_gql_error(req, 200, "too many distinct projects in one request");
                else if (r < 0)
                        reply_gql_error(req, 200, "response too large");
                else
                        rift_http_reply(req, 200, "application/json", out.data, out.len);
                call_free(c);
                return 0;
        }
        c->token = bearer(req);
        if (!c->token) {
                count(c, "denied");
                call_free(c);
                return reply_gql_error(req, 401, "unauthorized: missing bearer token");
        }
        return authorize_all(c);
}

int backend_authorize(struct gql_resolve_info *ri, enum backend_role role, const char **ret_project)
{
        struct gql_req *q = ri->ctx;
        const char *project = role == ROLE_TOKEN ? "" : backend_arg_str(ri, "projectID");

        if (!q->operation[0] && ri->field_name)
                rift_strlcpy(q->operation, ri->field_name, sizeof(q->operation));
        if (!project || (role != ROLE_TOKEN && !project[0]) || strlen(project) >= sizeof(q->needs[0].project))
                return gql_resolve_error(ri, "projectID is required");
        for (size_t i = 0; i < q->n_needs; i++) {
                struct authz_need *n = &q->needs[i];
                if (n->role != role || strcmp(n->project, project) != 0)
                        continue;
                if (q->discover)
                        return gql_resolve_error(ri, "authorization pending");
                if (!n->ok)
                        return gql_resolve_error(ri, n->error[0] ? n->error : "permission_denied");
                *ret_project = project;
                return 0;
        }
        if (!q->discover)
                return gql_resolve_error(ri, "permission_denied");
        if (q->n_needs == BACKEND_MAX_NEEDS) {
                q->overflow = true;
                return gql_resolve_error(ri, "too many projects");
        }
        q->needs[q->n_needs].role = role;
        rift_strlcpy(q->needs[q->n_needs++].project, project, sizeof(q->needs[0].project));
        return gql_resolve_error(ri, "authorization pending");
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_POST, "/query", h_query },
};

int backend_query_mount(struct backend_ctx *b, struct rift_http_server *http)
{
        return rift_http_server_add_routes(http, routes, ARRAY_SIZE(routes), b);
}

/* ---- one authorisation outside GraphQL (the SSE endpoint): the same cache, the same RPC ---- */
struct single_check {
        void (*done)(void *userdata, const struct backend_authz_answer *a); /* the caller's continuation */
        void *userdata;                                                     /* for done */
};

static void single_answer(const struct authz_entry *e, struct backend_authz_answer *a)
{
        a->ok = e->ok;
        a->authenticated = e->user_id[0] != '\0';
        rift_strlcpy(a->error, e->error, sizeof(a->error));
}

static void single_validated(int err, ProtobufCMessage *out, const struct rift_rpc_error *e, void *userdata)
{
        struct single_check *s = userdata;
        struct backend_authz_answer a = { .unavailable = err < 0 };

        if (err < 0) {
                rift_strlcpy(a.error, "authorization service unavailable", sizeof(a.error));
                log_warn("ValidateRequest failed", LOG_ERR(err), LOG_STR("twirp", e ? e->msg : ""));
        } else {
                Rift__Auth__V1__ValidateRequestResponse *m = (void *)out;
                a.ok = m->is_valid;
                a.authenticated = m->user_id && m->user_id[0];
                rift_strlcpy(a.error, m->error ? m->error : "", sizeof(a.error));
                protobuf_c_message_free_unpacked(out, NULL);
        }
        s->done(s->userdata, &a);
        free(s);
}

int backend_authz_check(struct backend_ctx *b, const char *token, const char *project, enum backend_role role,
                        void (*done)(void *userdata, const struct backend_authz_answer *a), void *userdata,
                        struct backend_authz_answer *ret)
{
        Rift__Auth__V1__ValidateRequestRequest in = RIFT__AUTH__V1__VALIDATE_REQUEST_REQUEST__INIT;
        struct rift_rpc_call_opts opts = { .timeout_ms = 5000, .idempotent = true };
        struct authz_need n = { .role = role };
        struct single_check *s;
        unsigned char key[32];
        struct authz_entry *e;
        int r;

        if (strlen(project) >= sizeof(n.project))
                return -EINVAL;
        rift_strlcpy(n.project, project, sizeof(n.project));
        need_key(token, &n, key);
        e = cache_slot(b->cache, key);
        if (e->expires > rift_mono_ms() && sodium_memcmp(e->key, key, 32) == 0) {
                single_answer(e, ret);
                return 1;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct single_check){ .done = done, .userdata = userdata };
        in.jwt = (char *)token;
        in.project_id = n.project;
        in.invitation = role == ROLE_TOKEN ? (char *)"" : (char *)"Accepted";
        in.required_roles = (char **)(role == ROLE_OWNER      ? roles_owner
                                      : role == ROLE_EXECUTOR ? roles_exec
                                                              : roles_any);
        in.n_required_roles = role == ROLE_OWNER      ? 1
                              : role == ROLE_EXECUTOR ? 2
                              : role == ROLE_VIEWER   ? 3
                                                      : 0;
        r = rift_rpc_call_async(b->auth, &opts, "rift.auth.v1.AuthService", "ValidateRequest", &in.base,
                                &rift__auth__v1__validate_request_response__descriptor, single_validated, s);
        if (r < 0)
                free(s);
        return r < 0 ? r : 0;
}
