/* JWTs of rift-auth: signing keys kept in the store (rotatable, each with a kid), issuing and verifying
 * tokens, revocation until expiry (a TTL collection), a short cache of verified tokens, and the API
 * token endpoints. Tokens and secrets are never logged nor put in replies other than the one that
 * hands a new token to its owner. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

#define KEYS_DOC_ID "jwt_keys"

/* ---- signing keys ---------------------------------------------------------------------------------- */

void auth_keys_clear(struct auth_ctx *ctx)
{
        for (size_t i = 0; i < ctx->n_keys; i++) {
                rift_crypto_zero((void *)ctx->keys[i].secret, AUTH_SECRET_LEN);
                free((void *)ctx->keys[i].secret);
                free((void *)ctx->keys[i].kid);
        }
        free(ctx->keys);
        ctx->keys = NULL;
        ctx->n_keys = ctx->current = 0;
}

static int key_entry_new(cJSON **ret_entry, char ret_kid[RIFT_MAX_ID + 1])
{
        _cleanup_json_ cJSON *e = cJSON_CreateObject();
        uint8_t secret[AUTH_SECRET_LEN];
        char b64[64], kid[RIFT_UUID_STRLEN + 1];
        int r;

        if (!e)
                return -ENOMEM;
        r = rift_crypto_uuid4(kid);
        if (r < 0)
                return r;
        r = rift_crypto_random_bytes(secret, sizeof(secret));
        if (r < 0)
                return r;
        r = rift_b64url_encode(secret, sizeof(secret), b64, sizeof(b64));
        rift_crypto_zero(secret, sizeof(secret));
        if (r < 0)
                return r;
        if (rift_json_add_string(e, "kid", kid) < 0 || rift_json_add_string(e, "secret", b64) < 0 ||
            rift_json_add_int64(e, "created_at", rift_now_ms()) < 0)
                r = -ENOMEM;
        rift_crypto_zero(b64, sizeof(b64));
        if (r < 0)
                return r;
        rift_strlcpy(ret_kid, kid, RIFT_MAX_ID + 1);
        *ret_entry = TAKE_PTR(e);
        return 0;
}

/* Adds a new key and makes it current, keeping at most AUTH_MAX_KEYS (oldest dropped). Creates the
 * keys document on first use. Safe against concurrent rotation through the document's _version. */
int auth_keys_rotate(struct rift_store *store, char ret_kid[RIFT_MAX_ID + 1])
{
        for (int attempt = 0; attempt < 5; attempt++) {
                _cleanup_json_ cJSON *doc = NULL;
                cJSON *keys, *entry = NULL;
                char kid[RIFT_MAX_ID + 1];
                int r = rift_store_get(store, AUTH_C_CONFIG, KEYS_DOC_ID, &doc);

                if (r == RIFT_E_NOTFOUND) {
                        doc = cJSON_CreateObject();
                        if (!doc || !cJSON_AddStringToObject(doc, "_id", KEYS_DOC_ID) ||
                            !cJSON_AddArrayToObject(doc, "keys"))
                                return -ENOMEM;
                } else if (r < 0)
                        return r;
                keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
                if (!cJSON_IsArray(keys))
                        return RIFT_E_INVALID;
                r = key_entry_new(&entry, kid);
                if (r < 0)
                        return r;
                cJSON_AddItemToArray(keys, entry);
                while (cJSON_GetArraySize(keys) > (int)AUTH_MAX_KEYS)
                        cJSON_DeleteItemFromArray(keys, 0);
                cJSON_DeleteItemFromObjectCaseSensitive(doc, "current");
                if (!cJSON_AddStringToObject(doc, "current", kid))
                        return -ENOMEM;
                r = cJSON_GetObjectItemCaseSensitive(doc, "_version")
                        ? rift_store_update(store, AUTH_C_CONFIG, doc, NULL)
                        : rift_store_insert(store, AUTH_C_CONFIG, doc, NULL);
                if (r == RIFT_E_CONFLICT || r == RIFT_E_EXISTS)
                        continue;
                if (r < 0)
                        return r;
                if (ret_kid)
                        rift_strlcpy(ret_kid, kid, RIFT_MAX_ID + 1);
                return 0;
        }
        return RIFT_E_CONFLICT;
}

static int key_decode(const cJSON *e, struct rift_jwt_key *k)
{
        const char *kid, *b64;
        uint8_t *secret;
        size_t len;

        if (rift_json_get_string(e, "kid", &kid) < 0 || rift_json_get_string(e, "secret", &b64) < 0)
                return RIFT_E_INVALID;
        secret = malloc(AUTH_SECRET_LEN + 8);
        if (!secret)
                return -ENOMEM;
        if (rift_b64url_decode(b64, strlen(b64), secret, AUTH_SECRET_LEN + 8, &len) < 0 ||
            len != AUTH_SECRET_LEN) {
                free(secret);
                return RIFT_E_INVALID;
        }
        k->kid = strdup(kid);
        if (!k->kid) {
                free(secret);
                return -ENOMEM;
        }
        k->secret = secret;
        k->secret_len = len;
        return 0;
}

/* (Re)reads the keys from the store, creating the first one if there is none. */
int auth_keys_load(struct auth_ctx *ctx)
{
        _cleanup_json_ cJSON *doc = NULL;
        const cJSON *keys, *e;
        const char *current;
        struct rift_jwt_key *arr;
        size_t n = 0, cur = 0;
        int r = rift_store_get(ctx->store, AUTH_C_CONFIG, KEYS_DOC_ID, &doc);

        if (r == RIFT_E_NOTFOUND) {
                r = auth_keys_rotate(ctx->store, NULL);
                if (r < 0)
                        return r;
                r = rift_store_get(ctx->store, AUTH_C_CONFIG, KEYS_DOC_ID, &doc);
        }
        if (r < 0)
                return r;
        if (rift_json_get_array(doc, "keys", &keys) < 0 || rift_json_get_string(doc, "current", &current) < 0)
                return RIFT_E_INVALID;
        arr = calloc(MAX(cJSON_GetArraySize(keys), 1), sizeof(*arr));
        if (!arr)
                return -ENOMEM;
        cJSON_ArrayForEach(e, keys)
        {
                if (key_decode(e, &arr[n]) < 0)
                        continue;
                if (strcmp(arr[n].kid, current) == 0)
                        cur = n;
                n++;
        }
        if (n == 0) {
                free(arr);
                return RIFT_E_INVALID;
        }
        auth_keys_clear(ctx);
        ctx->keys = arr;
        ctx->n_keys = n;
        ctx->current = cur;
        ctx->keys_loaded_ms = rift_mono_ms();
        return 0;
}

static void keys_refresh(struct auth_ctx *ctx)
{
        if (rift_mono_ms() - ctx->keys_loaded_ms >= AUTH_KEY_RELOAD_MS) {
                int r = auth_keys_load(ctx);

                if (r < 0)
                        log_warn("could not reload signing keys", LOG_ERR(r));
        }
}

int auth_token_issue(struct auth_ctx *ctx, const cJSON *user, int64_t lifetime_ms, const char *kind,
                     char **ret_token, char ret_jti[RIFT_MAX_ID + 1])
{
        _cleanup_json_ cJSON *claims = cJSON_CreateObject();
        char jti[RIFT_UUID_STRLEN + 1];
        const char *uid, *username, *role;
        int64_t exp = (rift_now_ms() + lifetime_ms) / 1000;
        int r;

        keys_refresh(ctx);
        if (!claims)
                return -ENOMEM;
        if (rift_json_get_string(user, "_id", &uid) < 0 ||
            rift_json_get_string(user, "username", &username) < 0 ||
            rift_json_get_string(user, "role", &role) < 0)
                return RIFT_E_INVALID;
        r = rift_crypto_uuid4(jti);
        if (r < 0)
                return r;
        if (rift_json_add_string(claims, "uid", uid) < 0 ||
            rift_json_add_string(claims, "username", username) < 0 ||
            rift_json_add_string(claims, "role", role) < 0 || rift_json_add_int64(claims, "exp", exp) < 0 ||
            rift_json_add_int64(claims, "iat", rift_now_ms() / 1000) < 0 ||
            rift_json_add_string(claims, "jti", jti) < 0 || rift_json_add_string(claims, "typ", kind) < 0)
                return -ENOMEM;
        r = rift_jwt_sign(&ctx->keys[ctx->current], claims, ret_token);
        if (r < 0)
                return r;
        if (ret_jti)
                rift_strlcpy(ret_jti, jti, RIFT_MAX_ID + 1);
        return 0;
}

/* ---- verified-token cache ------------------------------------------------------------------------ */

struct cache_entry {
        uint8_t digest[16];          /* BLAKE2b-128 of the token; all zero = empty */
        int64_t until_ms;            /* monotonic time the entry stops being trusted */
        struct auth_session session; /* what the token resolved to */
};

struct auth_cache {
        struct cache_entry *e; /* direct-mapped slots */
        size_t n;              /* number of slots */
};

int auth_cache_new(size_t slots, struct auth_cache **ret)
{
        struct auth_cache *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->n = MAX(slots, 1);
        c->e = calloc(c->n, sizeof(*c->e));
        if (!c->e) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void auth_cache_free(struct auth_cache *c)
{
        if (!c)
                return;
        free(c->e);
        free(c);
}

void auth_cache_flush(struct auth_cache *c)
{
        if (c)
                memset(c->e, 0, c->n * sizeof(*c->e));
}

static struct cache_entry *cache_slot(struct auth_cache *c, const char *token, uint8_t digest[16])
{
        uint64_t h;

        crypto_generichash(digest, 16, (const unsigned char *)token, strlen(token), NULL, 0);
        memcpy(&h, digest, sizeof(h));
        return &c->e[h % c->n];
}

/* ---- authentication ------------------------------------------------------------------------------- */

static const struct rift_jwt_key *key_lookup(const char *kid, void *ud)
{
        struct auth_ctx *ctx = ud;

        for (size_t i = 0; i < ctx->n_keys; i++)
                if (strcmp(ctx->keys[i].kid, kid) == 0)
                        return &ctx->keys[i];
        return NULL;
}

static int verify(struct auth_ctx *ctx, const char *token, cJSON **ret_claims, const char **ret_reason)
{
        struct rift_jwt_verify_opts o = { .lookup = key_lookup, .userdata = ctx };
        enum rift_jwt_reason why = RIFT_JWT_OK;
        size_t len = strnlen(token, RIFT_MAX_JWT + 1);
        int r = rift_jwt_verify(token, len, &o, ret_claims, NULL, &why);

        if (r == RIFT_E_AUTH && why == RIFT_JWT_UNKNOWN_KID && rift_mono_ms() - ctx->keys_loaded_ms >= 1000) {
                /* maybe rotated by another process: reload once, at most every second */
                if (auth_keys_load(ctx) == 0)
                        r = rift_jwt_verify(token, len, &o, ret_claims, NULL, &why);
        }
        if (r < 0)
                *ret_reason = r == RIFT_E_AUTH ? rift_jwt_reason_name(why) : "server_error";
        return r;
}

/* Fills a session from verified claims and the current user document. */
static int session_fill(struct auth_ctx *ctx, const cJSON *claims, struct auth_session *s,
                        const char **ret_reason)
{
        _cleanup_json_ cJSON *user = NULL, *revoked = NULL;
        const char *uid, *jti, *role;
        int64_t exp;
        bool initial = false;
        int r;

        if (rift_json_get_string(claims, "uid", &uid) < 0 || rift_json_get_string(claims, "jti", &jti) < 0 ||
            rift_json_get_int64(claims, "exp", &exp) < 0 || strlen(uid) > RIFT_MAX_ID ||
            strlen(jti) > RIFT_MAX_ID) {
                *ret_reason = "malformed";
                return RIFT_E_AUTH;
        }
        r = rift_store_get(ctx->store, AUTH_C_REVOKED, jti, &revoked);
        if (r == 0) {
                *ret_reason = "revoked";
                return RIFT_E_AUTH;
        }
        if (r != RIFT_E_NOTFOUND)
                return r;
        r = auth_user_get(ctx, uid, &user);
        if (r == RIFT_E_NOTFOUND ||
            (r == 0 && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(user, "deactivated_at")))) {
                *ret_reason = r == 0 ? "deactivated" : "unknown_user";
                return RIFT_E_AUTH;
        }
        if (r < 0)
                return r;
        *s = (struct auth_session){ .exp_ms = exp * 1000 };
        rift_strlcpy(s->uid, uid, sizeof(s->uid));
        rift_strlcpy(s->jti, jti, sizeof(s->jti));
        if (rift_json_get_string(user, "username", &uid) == 0)
                rift_strlcpy(s->username, uid, sizeof(s->username));
        if (rift_json_get_string(user, "role", &role) == 0)
                (void)auth_grole_parse(role, &s->role);
        (void)rift_json_get_bool(user, "is_initial_login", &initial);
        s->initial_login = initial;
        return 0;
}

int auth_token_authenticate(struct auth_ctx *ctx, const char *token, struct auth_session *ret,
                            const char **ret_reason)
{
        _cleanup_json_ cJSON *claims = NULL;
        struct cache_entry *slot;
        uint8_t digest[16];
        int64_t now = rift_mono_ms();
        int r;

        if (!token || !*token) {
                *ret_reason = "missing_token";
                return RIFT_E_AUTH;
        }
        if (strnlen(token, RIFT_MAX_JWT + 1) > RIFT_MAX_JWT) {
                *ret_reason = "too_long";
                return RIFT_E_AUTH;
        }
        slot = cache_slot(ctx->cache, token, digest);
        if (slot->until_ms > now && sodium_memcmp(slot->digest, digest, 16) == 0 &&
            slot->session.exp_ms > rift_now_ms()) {
                *ret = slot->session;
                return 0;
        }
        r = verify(ctx, token, &claims, ret_reason);
        if (r < 0)
                return r;
        r = session_fill(ctx, claims, ret, ret_reason);
        if (r < 0)
                return r;
        memcpy(slot->digest, digest, 16);
        slot->until_ms = now + AUTH_CACHE_TTL_MS;
        slot->session = *ret;
        return 0;
}

int auth_token_revoke(struct auth_ctx *ctx, const char *jti, int64_t exp_ms)
{
        _cleanup_json_ cJSON *doc = cJSON_CreateObject();
        int r;

        if (!doc || rift_json_add_string(doc, "_id", jti) < 0 ||
            rift_json_add_int64(doc, "expires_at", exp_ms) < 0 ||
            rift_json_add_int64(doc, "created_at", rift_now_ms()) < 0)
                return -ENOMEM;
        r = rift_store_insert(ctx->store, AUTH_C_REVOKED, doc, NULL);
        auth_cache_flush(ctx->cache);
        return r == RIFT_E_EXISTS ? 0 : r;
}

/* ---- endpoints ------------------------------------------------------------------------------------- */

int auth_h_logout(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        int r = auth_token_revoke(ctx, c->who.jti, c->who.exp_ms);

        if (r < 0)
                return r;
        return auth_reply_message(rp, "successfully logged out");
}

static cJSON *token_json(const cJSON *doc)
{
        cJSON *o = cJSON_CreateObject();
        const char *s;
        int64_t v;

        if (!o)
                return NULL;
        if (rift_json_get_string(doc, "_id", &s) == 0)
                cJSON_AddStringToObject(o, "tokenID", s);
        if (rift_json_get_string(doc, "user_id", &s) == 0)
                cJSON_AddStringToObject(o, "userID", s);
        if (rift_json_get_string(doc, "name", &s) == 0)
                cJSON_AddStringToObject(o, "name", s);
        if (rift_json_get_int64(doc, "expires_at", &v) == 0)
                cJSON_AddNumberToObject(o, "expiresAt", (double)(v / 1000));
        if (rift_json_get_int64(doc, "created_at", &v) == 0)
                cJSON_AddNumberToObject(o, "createdAt", (double)(v / 1000));
        return o;
}

int auth_h_list_tokens(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *filter = cJSON_CreateObject(), *docs = NULL;
        const char *uid = c->param(c->ud, "uid");
        static const struct rift_store_sort by_time = { "created_at", false };
        struct rift_store_query q = { .sort = &by_time, .n_sort = 1, .limit = AUTH_MAX_API_TOKENS };
        cJSON *out, *list, *d;
        int r;

        if (auth_rbac_user(AUTH_UACT_TOKENS, c->who.role, c->who.uid, uid) < 0)
                return RIFT_E_FORBIDDEN;
        if (!filter || rift_json_add_string(filter, "user_id", uid) < 0)
                return -ENOMEM;
        q.filter = filter;
        r = rift_store_find(ctx->store, AUTH_C_TOKENS, &q, &docs);
        if (r < 0)
                return r;
        out = cJSON_CreateObject();
        list = cJSON_AddArrayToObject(out, "apiTokens");
        if (!list) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        cJSON_ArrayForEach(d, docs) cJSON_AddItemToArray(list, token_json(d));
        return auth_reply_json(rp, 200, out);
}

int auth_h_create_token(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL, *doc = NULL, *count_filter = cJSON_CreateObject();
        _cleanup_free_ char *token = NULL;
        char jti[RIFT_MAX_ID + 1];
        const char *uid, *name;
        int64_t days, exp_ms;
        uint64_t n = 0;
        cJSON *out;
        int r;

        if ((r = auth_body_string(c, "user_id", true, &uid)) < 0 ||
            (r = auth_body_string(c, "name", true, &name)) < 0)
                return r;
        r = rift_json_get_int64(c->json, "days_until_expiration", &days);
        if (r < 0 || days < 1 || days > AUTH_MAX_TOKEN_DAYS)
                return auth_reply_error(rp, 400, "invalid_request", "days_until_expiration must be 1 to 365");
        if (!auth_display_name_valid(name) || !*name)
                return auth_reply_error(rp, 400, "invalid_request", "invalid token name");
        if (auth_rbac_user(AUTH_UACT_TOKENS, c->who.role, c->who.uid, uid) < 0)
                return RIFT_E_FORBIDDEN;
        if (!count_filter || rift_json_add_string(count_filter, "user_id", uid) < 0)
                return -ENOMEM;
        r = rift_store_count(ctx->store, AUTH_C_TOKENS, count_filter, &n);
        if (r < 0)
                return r;
        if (n >= AUTH_MAX_API_TOKENS)
                return auth_reply_error(rp, 409, "too_many_tokens",
                                        "this user already holds the most API tokens allowed");
        r = auth_user_get(ctx, uid, &user);
        if (r < 0)
                return r;
        exp_ms = rift_now_ms() + days * 86400000LL;
        r = auth_token_issue(ctx, user, days * 86400000LL, "api", &token, jti);
        if (r < 0)
                return r;
        doc = cJSON_CreateObject();
        if (!doc || rift_json_add_string(doc, "_id", jti) < 0 ||
            rift_json_add_string(doc, "user_id", uid) < 0 || rift_json_add_string(doc, "name", name) < 0 ||
            rift_json_add_int64(doc, "expires_at", exp_ms) < 0 ||
            rift_json_add_int64(doc, "created_at", rift_now_ms()) < 0)
                return -ENOMEM;
        r = rift_store_insert(ctx->store, AUTH_C_TOKENS, doc, NULL);
        if (r < 0)
                return r;
        out = cJSON_CreateObject();
        if (!out || !cJSON_AddStringToObject(out, "accessToken", token) ||
            !cJSON_AddStringToObject(out, "type", "Bearer") ||
            !cJSON_AddStringToObject(out, "tokenID", jti)) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        return auth_reply_json(rp, 200, out);
}

/* The id of the API token to remove: "token" may hold the token itself (Litmus) or its id. */
static int token_id_of(struct auth_ctx *ctx, const char *token, char ret[RIFT_MAX_ID + 1])
{
        _cleanup_json_ cJSON *claims = NULL;
        const char *why, *jti;

        if (!strchr(token, '.'))
                return rift_strlcpy(ret, token, RIFT_MAX_ID + 1) < 0 ? RIFT_E_INVALID : 0;
        if (verify(ctx, token, &claims, &why) < 0 || rift_json_get_string(claims, "jti", &jti) < 0)
                return RIFT_E_INVALID;
        return rift_strlcpy(ret, jti, RIFT_MAX_ID + 1) < 0 ? RIFT_E_INVALID : 0;
}

int auth_h_remove_token(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *doc = NULL;
        char id[RIFT_MAX_ID + 1];
        const char *token, *uid, *owner;
        int64_t exp;
        int r;

        if ((r = auth_body_string(c, "token", true, &token)) < 0 ||
            (r = auth_body_string(c, "userID", true, &uid)) < 0)
                return r;
        if (auth_rbac_user(AUTH_UACT_TOKENS, c->who.role, c->who.uid, uid) < 0)
                return RIFT_E_FORBIDDEN;
        if (token_id_of(ctx, token, id) < 0)
                return auth_reply_error(rp, 400, "invalid_request", "not an API token of this user");
        r = rift_store_get(ctx->store, AUTH_C_TOKENS, id, &doc);
        if (r == RIFT_E_NOTFOUND ||
            (r == 0 && (rift_json_get_string(doc, "user_id", &owner) < 0 || strcmp(owner, uid) != 0)))
                return auth_reply_error(rp, 404, "not_found", "no such API token");
        if (r < 0)
                return r;
        if (rift_json_get_int64(doc, "expires_at", &exp) < 0)
                exp = rift_now_ms() + AUTH_MAX_TOKEN_DAYS * 86400000LL;
        r = auth_token_revoke(ctx, id, exp);
        if (r < 0)
                return r;
        r = rift_store_delete(ctx->store, AUTH_C_TOKENS, id);
        if (r < 0 && r != RIFT_E_NOTFOUND)
                return r;
        return auth_reply_message(rp, "token deleted successfully");
}
