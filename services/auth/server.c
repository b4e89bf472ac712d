/* The process state of rift-auth: the store with its indexes and TTLs, signing keys, throttle, token
 * cache and metrics. main.c builds one auth_ctx and hands it to the REST routes and the RPC service. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/metrics.h"
#include "lib/store.h"
#include "services/auth/auth.h"

#define THROTTLE_SLOTS 16384 /* login-throttle counters (about 400 KiB) */
#define CACHE_SLOTS    1024  /* verified-token cache entries */

int64_t auth_token_lifetime_ms(const struct auth_config *cfg)
{
        return cfg->jwt_expiry_ms > 0 ? cfg->jwt_expiry_ms : cfg->jwt_expiry_mins * 60000;
}

int auth_store_prepare(struct rift_store *store)
{
        static const struct {
                const char *coll;  /* collection */
                const char *field; /* indexed field */
                bool unique;       /* unique index */
        } indexes[] = {
                { AUTH_C_USERS, "username", true },
                { AUTH_C_PROJECTS, "name", true },
                { AUTH_C_PROJECTS, "members.user_id", false },
                { AUTH_C_TOKENS, "user_id", false },
        };
        static const char *const ttl[] = { AUTH_C_REVOKED, AUTH_C_TOKENS };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(indexes); i++) {
                r = rift_store_ensure_index(store, indexes[i].coll, &indexes[i].field, 1, indexes[i].unique);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(ttl); i++) {
                r = rift_store_ensure_ttl(store, ttl[i], "expires_at");
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *const route_code[] = { "route", "code", NULL };
static const char *const route_only[] = { "route", NULL };
static const char *const reason[] = { "reason", NULL };
static const char *const result[] = { "result", NULL };

static const struct rift_metric_def metric_defs[] = {
        { .name = "rift_auth_http_requests_total",
          .help = "REST requests by route pattern and status.",
          .type = RIFT_METRIC_COUNTER,
          .labels = route_code },
        { .name = "rift_auth_http_request_duration_seconds",
          .help = "REST request latency by route pattern.",
          .type = RIFT_METRIC_HISTOGRAM,
          .labels = route_only },
        { .name = "rift_auth_authentication_failures_total",
          .help =
              "Refused logins and tokens by reason (invalid_credentials, throttled, expired, revoked, ...).",
          .type = RIFT_METRIC_COUNTER,
          .labels = reason },
        { .name = "rift_auth_validate_requests_total",
          .help = "AuthService.ValidateRequest answers by result.",
          .type = RIFT_METRIC_COUNTER,
          .labels = result },
};

static int metrics_setup(struct auth_ctx *ctx)
{
        struct rift_metric *h[ARRAY_SIZE(metric_defs)];
        int r = rift_metrics_new(0, &ctx->metrics);

        if (r < 0)
                return r;
        r = rift_metrics_register_all(ctx->metrics, metric_defs, ARRAY_SIZE(metric_defs), h);
        if (r < 0)
                return r;
        ctx->m_requests = h[0];
        ctx->m_latency = h[1];
        ctx->m_auth_failures = h[2];
        ctx->m_validate = h[3];
        return 0;
}

/* A hash of a random password, verified when a login names an unknown user so that the answer takes
 * as long as for a real one. */
static int dummy_hash_setup(struct auth_ctx *ctx)
{
        struct rift_pwhash_params p = { .opslimit = (uint64_t)ctx->cfg->pwhash_ops,
                                        .memlimit = ctx->cfg->pwhash_memory };
        char pw[33];
        int r;

        r = rift_crypto_random_bytes(pw, 16);
        if (r < 0)
                return r;
        for (size_t i = 0; i < 16; i++)
                pw[16 + i] = "0123456789abcdef"[(unsigned char)pw[i] & 15];
        pw[32] = '\0';
        r = rift_pwhash(pw + 16, 16, &p, ctx->dummy_hash);
        rift_crypto_zero(pw, sizeof(pw));
        return r;
}

int auth_ctx_new(const struct auth_config *cfg, struct auth_ctx **ret)
{
        struct auth_ctx *ctx = calloc(1, sizeof(*ctx));
        int r;

        if (!ctx)
                return -ENOMEM;
        ctx->cfg = cfg;
        if ((r = rift_crypto_init()) < 0 || (r = rift_store_open(cfg->db_server, &ctx->store)) < 0 ||
            (r = auth_store_prepare(ctx->store)) < 0 ||
            (r = auth_throttle_new(THROTTLE_SLOTS, &ctx->throttle)) < 0 ||
            (r = auth_cache_new(CACHE_SLOTS, &ctx->cache)) < 0 || (r = auth_pcache_new(&ctx->pcache)) < 0 ||
            (r = auth_keys_load(ctx)) < 0 || (r = dummy_hash_setup(ctx)) < 0 ||
            (r = metrics_setup(ctx)) < 0) {
                auth_ctx_free(ctx);
                return r;
        }
        *ret = ctx;
        return 0;
}

void auth_ctx_free(struct auth_ctx *ctx)
{
        if (!ctx)
                return;
        auth_keys_clear(ctx);
        auth_cache_free(ctx->cache);
        auth_pcache_free(ctx->pcache);
        auth_throttle_free(ctx->throttle);
        rift_metrics_free(ctx->metrics);
        rift_store_close(ctx->store);
        free(ctx);
}
