/* The REST API: one static table of routes with their policy (public or not, allowed before the first
 * password change, body fields), the dispatcher every call goes through (token, body, handler, error
 * mapping), and the adapter to lib/http_server. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

static int h_status(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "status", "up")) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return auth_reply_json(rp, 200, o);
}

static int h_readiness(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        uint64_t n;
        bool up = rift_store_count(ctx->store, AUTH_C_USERS, NULL, &n) == 0;
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "database", up ? "up" : "down") ||
            !cJSON_AddStringToObject(o, "collections", up ? "up" : "down")) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return auth_reply_json(rp, up ? 200 : 503, o);
}

#define FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define PUB         AUTH_R_PUBLIC
#define INIT        AUTH_R_INITIAL_OK
#define BODY        AUTH_R_BODY
#define PROJ_MEMBER FIELDS("projectID", "userID")
#define GET         RIFT_HTTP_GET
#define POST        RIFT_HTTP_POST

/* Every REST route once: X(name, method, pattern, handler, flags, allowed body fields). The list
 * expands into the policy table (auth_routes), an index enum, one HTTP trampoline per route and the
 * HTTP route table, so the HTTP layer tells us the route by which trampoline it calls. */
#define AUTH_ROUTES(X)                                                                                       \
        X(status, GET, "/status", h_status, PUB | INIT, NULL)                                                \
        X(readiness, GET, "/readiness", h_readiness, PUB | INIT, NULL)                                       \
        X(login, POST, "/login", auth_h_login, PUB | INIT | BODY, FIELDS("username", "password"))            \
        X(logout, POST, "/logout", auth_h_logout, INIT, NULL)                                                \
        X(update_password, POST, "/update/password", auth_h_update_password, INIT | BODY,                    \
          FIELDS("username", "oldPassword", "newPassword"))                                                  \
        X(reset_password, POST, "/reset/password", auth_h_reset_password, BODY,                              \
          FIELDS("username", "newPassword"))                                                                 \
        X(create_user, POST, "/create_user", auth_h_create_user, BODY,                                       \
          FIELDS("username", "password", "role", "email", "name"))                                           \
        X(update_details, POST, "/update/details", auth_h_update_details, BODY, FIELDS("email", "name"))     \
        X(get_user, GET, "/get_user/:uid", auth_h_get_user, 0, NULL)                                         \
        X(users, GET, "/users", auth_h_users, 0, NULL)                                                       \
        X(update_state, POST, "/update/state", auth_h_update_state, BODY,                                    \
          FIELDS("username", "isDeactivate"))                                                                \
        X(list_tokens, GET, "/token/:uid", auth_h_list_tokens, 0, NULL)                                      \
        X(create_token, POST, "/create_token", auth_h_create_token, BODY,                                    \
          FIELDS("user_id", "name", "days_until_expiration"))                                                \
        X(remove_token, POST, "/remove_token", auth_h_remove_token, BODY, FIELDS("token", "userID"))         \
        X(create_project, POST, "/create_project", auth_h_create_project, BODY,                              \
          FIELDS("projectName", "description", "tags"))                                                      \
        X(list_projects, GET, "/list_projects", auth_h_list_projects, 0, NULL)                               \
        X(get_project, GET, "/get_project/:id", auth_h_get_project, 0, NULL)                                 \
        X(get_project_members, GET, "/get_project_members/:id/:state", auth_h_get_members, 0, NULL)          \
        X(get_project_owners, GET, "/get_project_owners/:id", auth_h_get_owners, 0, NULL)                    \
        X(get_project_role, GET, "/get_project_role/:id", auth_h_get_role, 0, NULL)                          \
        X(get_user_with_project, GET, "/get_user_with_project/:username", auth_h_user_with_project, 0, NULL) \
        X(get_owner_projects, GET, "/get_owner_projects", auth_h_owner_projects, 0, NULL)                    \
        X(update_project_name, POST, "/update_project_name", auth_h_rename_project, BODY,                    \
          FIELDS("projectID", "projectName"))                                                                \
        X(delete_project, POST, "/delete_project/:id", auth_h_delete_project, 0, NULL)                       \
        X(send_invitation, POST, "/send_invitation", auth_h_send_invitation, BODY,                           \
          FIELDS("projectID", "userID", "role"))                                                             \
        X(accept_invitation, POST, "/accept_invitation", auth_h_accept_invitation, BODY, PROJ_MEMBER)        \
        X(decline_invitation, POST, "/decline_invitation", auth_h_decline_invitation, BODY, PROJ_MEMBER)     \
        X(remove_invitation, POST, "/remove_invitation", auth_h_remove_invitation, BODY, PROJ_MEMBER)        \
        X(leave_project, POST, "/leave_project", auth_h_leave_project, BODY, PROJ_MEMBER)                    \
        X(update_member_role, POST, "/update_member_role", auth_h_update_member_role, BODY,                  \
          FIELDS("projectID", "userID", "role"))                                                             \
        X(invite_users, GET, "/invite_users/:project_id", auth_h_invite_users, 0, NULL)                      \
        X(list_invitations, GET, "/list_invitations_with_filters/:state", auth_h_list_invitations, 0, NULL)  \
        X(audit_events, GET, "/audit_events", auth_h_audit_events, 0, NULL)

#define AS_ENUM(name, m, pattern, fn, flags, fields)   R_##name,
#define AS_POLICY(name, m, pattern, fn, flags, fields) { m, pattern, #name, fn, flags, fields },
enum { AUTH_ROUTES(AS_ENUM) _R_MAX };

const struct auth_route auth_routes[] = { AUTH_ROUTES(AS_POLICY) };
const size_t auth_n_routes = ARRAY_SIZE(auth_routes);

int auth_route_find(const char *pattern)
{
        for (size_t i = 0; i < auth_n_routes; i++)
                if (strcmp(auth_routes[i].pattern, pattern) == 0)
                        return (int)i;
        return -1;
}

/* ---- replies -------------------------------------------------------------------------------------- */

void auth_reply_free(struct auth_reply *rp)
{
        cJSON_Delete(rp->body);
        rp->body = NULL;
}

int auth_reply_json(struct auth_reply *rp, int status, cJSON *body)
{
        if (!body)
                return -ENOMEM;
        auth_reply_free(rp);
        rp->status = status;
        rp->body = body;
        return 0;
}

int auth_reply_error(struct auth_reply *rp, int status, const char *code, const char *description)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "error", code) ||
            !cJSON_AddStringToObject(o, "errorDescription", description)) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return auth_reply_json(rp, status, o);
}

int auth_reply_message(struct auth_reply *rp, const char *message)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "message", message)) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        return auth_reply_json(rp, 200, o);
}

int auth_body_string(struct auth_call *c, const char *key, bool required, const char **ret)
{
        int r = rift_json_get_string(c->json, key, ret);

        if (r == -ENOENT && !required) {
                *ret = NULL;
                return 0;
        }
        if (r < 0) {
                snprintf(c->problem, sizeof(c->problem),
                         r == -ENOENT ? "%s is required" : "%s must be a string", key);
                return RIFT_E_INVALID;
        }
        if (strlen(*ret) > RIFT_MAX_CONFIG_VALUE) {
                snprintf(c->problem, sizeof(c->problem), "%s is too long", key);
                return RIFT_E_INVALID;
        }
        return 0;
}

/* The Litmus-shaped error body for a handler's negative code. */
static void reply_from_error(const struct auth_route *route, struct auth_call *c, struct auth_reply *rp,
                             int r)
{
        static const struct {
                int err;          /* Rift or errno code */
                int status;       /* HTTP status */
                const char *code; /* "error" member */
                const char *desc; /* default "errorDescription" */
        } map[] = {
                { RIFT_E_INVALID, 400, "invalid_request", "the request is not valid" },
                { RIFT_E_PARSE, 400, "invalid_request", "the request is not valid" },
                { -ENOENT, 400, "invalid_request", "a required field is missing" },
                { RIFT_E_AUTH, 401, "unauthorized", "authentication is required" },
                { RIFT_E_FORBIDDEN, 403, "permission_denied", "you are not allowed to do this" },
                { RIFT_E_NOTFOUND, 404, "not_found", "no such resource" },
                { RIFT_E_EXISTS, 409, "already_exists", "it exists already" },
                { RIFT_E_CONFLICT, 409, "conflict", "the resource changed meanwhile; retry" },
                { RIFT_E_TOOBIG, 413, "request_too_large", "the request is too large" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (map[i].err == r) {
                        bool own = map[i].status == 400 && c->problem[0];

                        (void)auth_reply_error(rp, map[i].status, map[i].code,
                                               own ? c->problem : map[i].desc);
                        return;
                }
        log_error("request failed", LOG_STR("route", route->name), LOG_ERR(r));
        (void)auth_reply_error(rp, 500, "server_error", "internal server error");
}

static int parse_body(const struct auth_route *route, struct auth_call *c, struct auth_reply *rp)
{
        struct rift_json_error e = { 0 };
        const char *bad = NULL;
        size_t n = 0;
        int r = rift_json_parse_object(c->body ? c->body : "", c->body_len, RIFT_MAX_HTTP_BODY, &e,
                                       (cJSON **)&c->json);

        if (r == RIFT_E_TOOBIG)
                return auth_reply_error(rp, 413, "request_too_large", "the request body is too large");
        if (r < 0)
                return auth_reply_error(rp, 400, "invalid_request",
                                        r == RIFT_E_INVALID ? "the body must be a JSON object" : e.msg);
        while (route->fields[n])
                n++;
        if (rift_json_check_fields(c->json, route->fields, n, &bad) < 0) {
                char msg[160];

                snprintf(msg, sizeof(msg), "unknown or repeated field: %.100s", bad ? bad : "?");
                return auth_reply_error(rp, 400, "invalid_request", msg);
        }
        return 0;
}

static int authenticate(struct auth_ctx *ctx, const struct auth_route *route, struct auth_call *c,
                        struct auth_reply *rp)
{
        const char *why = "unknown";
        int r = auth_token_authenticate(ctx, c->bearer, &c->who, &why);

        if (r == RIFT_E_AUTH) {
                rift_metric_inc(ctx->m_auth_failures, RIFT_LV(why));
                return auth_reply_error(rp, 401, "unauthorized",
                                        "the token is missing, invalid, expired or revoked");
        }
        if (r < 0)
                return r;
        if (c->who.initial_login && !(route->flags & AUTH_R_INITIAL_OK))
                return auth_reply_error(
                    rp, 403, "password_change_required",
                    "default password not updated: change it with /update/password first");
        return 0;
}

void auth_dispatch(struct auth_ctx *ctx, const struct auth_route *route, struct auth_call *c,
                   struct auth_reply *rp)
{
        int r = 0;

        *rp = (struct auth_reply){ 0 };
        c->json = NULL;
        c->problem[0] = '\0';
        if (!(route->flags & AUTH_R_PUBLIC))
                r = authenticate(ctx, route, c, rp);
        if (r == 0 && !rp->status && (route->flags & AUTH_R_BODY))
                r = parse_body(route, c, rp);
        if (r == 0 && !rp->status)
                r = route->fn(ctx, c, rp);
        if (r < 0) {
                auth_reply_free(rp);
                reply_from_error(route, c, rp, r);
        } else if (r > 0 && !rp->status) {
                reply_from_error(route, c, rp, RIFT_E_INVALID);
        }
        if (!rp->status)
                (void)auth_reply_error(rp, 500, "server_error", "internal server error");
        cJSON_Delete(c->json);
        c->json = NULL;
}

/* ---- lib/http_server adapter ---------------------------------------------------------------------- */

static const char *req_param(void *ud, const char *name)
{
        return rift_http_request_param(ud, name);
}

static const char *req_query(void *ud, const char *name)
{
        return rift_http_request_query(ud, name);
}

static int serve(struct auth_ctx *ctx, const struct auth_route *route, struct rift_http_request *req)
{
        const char *authz = rift_http_request_header(req, "Authorization");
        struct auth_call c = {
                .peer = rift_http_request_peer(req), .param = req_param, .query = req_query, .ud = req
        };
        struct auth_reply rp;
        int r;

        if (authz)
                c.bearer = rift_startswith(authz, "Bearer ") ? authz + 7 : authz;
        if (rift_http_request_method(req) == RIFT_HTTP_POST && (route->flags & AUTH_R_BODY)) {
                r = rift_http_request_body(req, &c.body, &c.body_len);
                if (r < 0)
                        return r;
        }
        auth_dispatch(ctx, route, &c, &rp);
        if (rp.retry_after > 0) {
                char v[24];

                snprintf(v, sizeof(v), "%lld", (long long)rp.retry_after);
                (void)rift_http_set_header(req, "Retry-After", v);
        }
        r = rift_http_reply_json(req, rp.status, rp.body);
        auth_reply_free(&rp);
        return r;
}

#define AS_TRAMPOLINE(name, m, pattern, fn, flags, fields)                                                   \
        static int t_##name(struct rift_http_request *req, void *ud)                                         \
        {                                                                                                    \
                return serve(ud, &auth_routes[R_##name], req);                                               \
        }
AUTH_ROUTES(AS_TRAMPOLINE)

#define AS_HTTP(name, m, pattern, fn, flags, fields) { m, pattern, t_##name },
static const struct rift_http_route http_routes[] = { AUTH_ROUTES(AS_HTTP) };

static int metrics_handler(struct rift_http_request *req, void *ud)
{
        struct auth_ctx *ctx = ud;
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(4u * 1024 * 1024);
        int r = rift_metrics_format(ctx->metrics, &b);

        if (r < 0)
                return r;
        return rift_http_reply(req, 200, RIFT_METRICS_CONTENT_TYPE, b.data ? b.data : "", b.len);
}

static const struct rift_http_route metrics_route[] = {
        { RIFT_HTTP_GET, "/metrics", metrics_handler },
};

static void on_request(void *ud, const struct rift_http_route *route, enum rift_http_method method,
                       int status, int64_t latency_us)
{
        struct auth_ctx *ctx = ud;
        const char *name = route ? route->pattern : "unmatched";
        char code[8];

        snprintf(code, sizeof(code), "%d", status);
        rift_metric_inc(ctx->m_requests, RIFT_LV(name, code));
        rift_metric_observe(ctx->m_latency, RIFT_LV(name), (double)latency_us / 1e6);
}

int auth_routes_mount(struct auth_ctx *ctx, struct rift_http_server *http)
{
        struct rift_http_hooks hooks = { .on_request = on_request, .userdata = ctx };
        int r = rift_http_server_add_routes(http, http_routes, ARRAY_SIZE(http_routes), ctx);

        if (r < 0)
                return r;
        r = rift_http_server_add_routes(http, metrics_route, ARRAY_SIZE(metrics_route), ctx);
        if (r < 0)
                return r;
        rift_http_server_set_hooks(http, &hooks);
        return 0;
}
