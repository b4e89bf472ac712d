// link: services/auth/policy.c services/auth/rbac.c services/auth/throttle.c services/auth/tokens.c services/auth/users.c services/auth/projects.c services/auth/invitations.c services/auth/routes.c services/auth/server.c services/auth/rpc_service.c services/auth/audit.c
/* Tokens and keys of rift-auth against an in-memory SQLite store, with the fake clock: issue and verify,
 * rotation (old tokens stay valid), expiry, revocation, deactivation through the verified-token cache,
 * and the route table's own consistency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

static struct auth_config cfg = {
        .admin_username = "admin",
        .admin_password = "Unit@12345",
        .db_server = "sqlite://:memory:",
        .jwt_expiry_mins = 60,
        .pwhash_memory = 8192,
        .pwhash_ops = 1,
};

static int setup(void **state)
{
        struct auth_ctx *ctx = NULL;

        rift_log_init("test", RIFT_LOG_ERROR, 2);
        rift_clock_fake_start(1800000000000);
        assert_int_equal(auth_ctx_new(&cfg, &ctx), 0);
        assert_int_equal(auth_admin_bootstrap(ctx), 0);
        *state = ctx;
        return 0;
}

static int teardown(void **state)
{
        auth_ctx_free(*state);
        rift_clock_fake_stop();
        return 0;
}

static char *issue(struct auth_ctx *ctx, int64_t life_ms)
{
        _cleanup_json_ cJSON *admin = NULL;
        char *token = NULL;

        assert_int_equal(auth_user_by_name(ctx, "admin", &admin), 0);
        assert_int_equal(auth_token_issue(ctx, admin, life_ms, "session", &token, NULL), 0);
        return token;
}

static const char *refusal(struct auth_ctx *ctx, const char *token)
{
        struct auth_session s;
        const char *why = NULL;
        int r = auth_token_authenticate(ctx, token, &s, &why);

        return r == 0 ? NULL : why;
}

static void issue_verify_expire(void **state)
{
        struct auth_ctx *ctx = *state;
        _cleanup_free_ char *t = issue(ctx, 60000);
        struct auth_session s;
        const char *why;

        assert_int_equal(auth_token_authenticate(ctx, t, &s, &why), 0);
        assert_string_equal(s.username, "admin");
        assert_int_equal(s.role, AUTH_GROLE_ADMIN);
        assert_true(s.initial_login);
        rift_clock_fake_advance(59000);
        assert_null(refusal(ctx, t));
        rift_clock_fake_advance(2000);
        assert_string_equal(refusal(ctx, t), "expired");
}

static void rotation_keeps_old_tokens(void **state)
{
        struct auth_ctx *ctx = *state;
        _cleanup_free_ char *old = issue(ctx, 3600000), *fresh = NULL;
        char kid[RIFT_MAX_ID + 1], old_kid[RIFT_MAX_ID + 1];

        rift_strlcpy(old_kid, ctx->keys[ctx->current].kid, sizeof(old_kid));
        assert_int_equal(auth_keys_rotate(ctx->store, kid), 0);
        assert_string_not_equal(kid, old_kid);
        rift_clock_fake_advance(AUTH_KEY_RELOAD_MS); /* the server re-reads its keys */
        fresh = issue(ctx, 3600000);
        assert_string_equal(ctx->keys[ctx->current].kid, kid);
        assert_int_equal(ctx->n_keys, 2);
        assert_null(refusal(ctx, old));
        assert_null(refusal(ctx, fresh));
}

static void revocation_and_deactivation(void **state)
{
        struct auth_ctx *ctx = *state;
        _cleanup_free_ char *t = issue(ctx, 3600000), *t2 = issue(ctx, 3600000);
        _cleanup_json_ cJSON *admin = NULL;
        struct auth_session s;
        const char *why;

        assert_int_equal(auth_token_authenticate(ctx, t, &s, &why), 0);
        assert_int_equal(auth_token_revoke(ctx, s.jti, s.exp_ms), 0);
        assert_string_equal(refusal(ctx, t), "revoked");
        assert_null(refusal(ctx, t2)); /* only that token */
        /* the revocation vanishes with the token's expiry (store TTL) */
        rift_clock_fake_advance(3600000 + 1000);
        assert_string_equal(refusal(ctx, t), "expired");
        {
                _cleanup_json_ cJSON *gone = NULL;

                assert_int_equal(rift_store_get(ctx->store, AUTH_C_REVOKED, s.jti, &gone), RIFT_E_NOTFOUND);
        }

        rift_clock_fake_stop();
        rift_clock_fake_start(1800000000000);
        free(t2);
        t2 = issue(ctx, 3600000);
        assert_null(refusal(ctx, t2)); /* now cached */
        /* deactivated behind the server's back (another replica): the cache trusts it at most 2 s */
        assert_int_equal(auth_user_by_name(ctx, "admin", &admin), 0);
        cJSON_ReplaceItemInObjectCaseSensitive(admin, "deactivated_at", cJSON_CreateNumber(1));
        assert_int_equal(rift_store_update(ctx->store, AUTH_C_USERS, admin, NULL), 0);
        assert_null(refusal(ctx, t2));
        rift_clock_fake_advance(AUTH_CACHE_TTL_MS);
        assert_string_equal(refusal(ctx, t2), "deactivated");
}

static void garbage_is_refused(void **state)
{
        struct auth_ctx *ctx = *state;
        static const char *const bad[] = { "", "a", "a.b", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", NULL };

        for (size_t i = 0; bad[i]; i++)
                assert_non_null(refusal(ctx, bad[i]));
        assert_non_null(refusal(ctx, NULL));
}

static void route_table_is_consistent(void **state)
{
        for (size_t i = 0; i < auth_n_routes; i++) {
                const struct auth_route *r = &auth_routes[i];

                assert_non_null(r->fn);
                assert_true(r->pattern[0] == '/');
                /* a body route lists its fields; only POST routes take bodies */
                assert_true(!(r->flags & AUTH_R_BODY) == !r->fields);
                assert_true(!(r->flags & AUTH_R_BODY) || r->methods == RIFT_HTTP_POST);
                assert_int_equal(auth_route_find(r->pattern), (int)i);
                for (size_t j = i + 1; j < auth_n_routes; j++)
                        assert_string_not_equal(r->pattern, auth_routes[j].pattern);
        }
        /* the public routes are exactly these */
        for (size_t i = 0; i < auth_n_routes; i++)
                if (auth_routes[i].flags & AUTH_R_PUBLIC)
                        assert_true(!strcmp(auth_routes[i].pattern, "/status") ||
                                    !strcmp(auth_routes[i].pattern, "/readiness") ||
                                    !strcmp(auth_routes[i].pattern, "/login"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(issue_verify_expire, setup, teardown),
                cmocka_unit_test_setup_teardown(rotation_keeps_old_tokens, setup, teardown),
                cmocka_unit_test_setup_teardown(revocation_and_deactivation, setup, teardown),
                cmocka_unit_test_setup_teardown(garbage_is_refused, setup, teardown),
                cmocka_unit_test(route_table_is_consistent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
