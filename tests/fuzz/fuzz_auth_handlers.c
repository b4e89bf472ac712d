// link: services/auth/policy.c services/auth/rbac.c services/auth/throttle.c services/auth/tokens.c services/auth/users.c services/auth/projects.c services/auth/invitations.c services/auth/routes.c services/auth/server.c services/auth/rpc_service.c services/auth/audit.c
/* libFuzzer target: rift-auth's REST handlers called through auth_dispatch() (body parsing, field
 * checks, RBAC, store updates, replies) against an in-memory SQLite store, without HTTP. Input layout:
 *   byte 0: route index (mod the number of routes)
 *   byte 1: caller (0 admin, 1 user, 2 no token, 3 a garbage token)
 *   then a NUL-terminated string used for every path and query parameter, then the body.
 * Every reply must be a JSON value with a status in 200..599; error bodies must have exactly the two
 * Litmus members. The store is recreated every 512 inputs so it does not grow without bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "services/auth/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct auth_config cfg = {
        .admin_username = "admin",
        .admin_password = "Fuzz@12345",
        .db_server = "sqlite://:memory:",
        .jwt_expiry_mins = 60,
        .pwhash_memory = 8192,
        .pwhash_ops = 1,
};
static struct auth_ctx *ctx;
static char *tokens[2];
static unsigned runs;

static const char *param(void *ud, const char *name)
{
        return ud;
}

static char *login(const char *username)
{
        _cleanup_json_ cJSON *user = NULL;
        char *token = NULL;

        if (auth_user_by_name(ctx, username, &user) < 0)
                abort();
        cJSON_ReplaceItemInObjectCaseSensitive(user, "is_initial_login", cJSON_CreateFalse());
        if (rift_store_update(ctx->store, AUTH_C_USERS, user, NULL) < 0)
                abort();
        if (auth_token_issue(ctx, user, 3600000, "session", &token, NULL) < 0)
                abort();
        return token;
}

static void world_new(void)
{
        struct auth_call c = { .peer = "127.0.0.1", .param = param, .query = param, .ud = "" };
        struct auth_reply rp;
        static const char body[] = "{\"username\":\"user1\",\"password\":\"Fuzz@12345\"}";

        if (ctx) {
                auth_ctx_free(ctx);
                free(tokens[0]);
                free(tokens[1]);
        }
        rift_log_init("fuzz", RIFT_LOG_ERROR, 2);
        if (auth_ctx_new(&cfg, &ctx) < 0 || auth_admin_bootstrap(ctx) < 0)
                abort();
        tokens[0] = login("admin");
        c.bearer = tokens[0];
        c.body = body;
        c.body_len = sizeof(body) - 1;
        auth_dispatch(ctx, &auth_routes[auth_route_find("/create_user")], &c, &rp);
        if (rp.status != 200)
                abort();
        auth_reply_free(&rp);
        tokens[1] = login("user1");
}

static void check_reply(const struct auth_reply *rp)
{
        const cJSON *e;

        if (rp->status < 200 || rp->status > 599 || !rp->body)
                abort();
        if (rp->status >= 400) {
                e = cJSON_GetObjectItemCaseSensitive(rp->body, "error");
                if (!cJSON_IsString(e) ||
                    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rp->body, "errorDescription")) ||
                    cJSON_GetArraySize(rp->body) != 2)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct auth_call c = { .peer = "10.0.0.1", .param = param, .query = param };
        struct auth_reply rp;
        const uint8_t *nul;
        char *p;

        if (size < 2)
                return 0;
        if (!ctx || ++runs % 512 == 0)
                world_new();
        nul = memchr(data + 2, '\0', size - 2);
        if (!nul || nul - (data + 2) > 256)
                return 0;
        p = strdup((const char *)data + 2);
        if (!p)
                return 0;
        c.ud = p;
        c.bearer = data[1] % 4 < 2 ? tokens[data[1] % 4] : data[1] % 4 == 2 ? NULL : "x.y.z";
        c.body = (const char *)nul + 1;
        c.body_len = size - (size_t)(nul + 1 - data);
        auth_dispatch(ctx, &auth_routes[data[0] % auth_n_routes], &c, &rp);
        check_reply(&rp);
        auth_reply_free(&rp);
        free(p);
        return 0;
}
