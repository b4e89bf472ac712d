#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/error.h"
#include "lib/jwt.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define SIG_BYTES 64u /* HMAC-SHA512 output */
#define SIG_CHARS 86u /* its base64url length */

static const char *const reason_names[_RIFT_JWT_REASON_MAX] = {
        [RIFT_JWT_OK] = "ok",
        [RIFT_JWT_TOO_LONG] = "too_long",
        [RIFT_JWT_MALFORMED] = "malformed",
        [RIFT_JWT_BAD_ALG] = "bad_alg",
        [RIFT_JWT_UNKNOWN_KID] = "unknown_kid",
        [RIFT_JWT_BAD_SIGNATURE] = "bad_signature",
        [RIFT_JWT_EXPIRED] = "expired",
        [RIFT_JWT_NOT_YET_VALID] = "not_yet_valid",
};

const char *rift_jwt_reason_name(enum rift_jwt_reason r)
{
        if ((unsigned)r < _RIFT_JWT_REASON_MAX)
                return reason_names[r];
        return "unknown";
}

static bool kid_valid(const char *kid)
{
        size_t n;

        if (!kid)
                return false;
        n = strnlen(kid, RIFT_MAX_ID + 1);
        if (n == 0 || n > RIFT_MAX_ID)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = kid[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

static bool key_valid(const struct rift_jwt_key *key)
{
        return key && kid_valid(key->kid) && key->secret && key->secret_len >= RIFT_JWT_MIN_SECRET &&
               key->secret_len <= INT32_MAX;
}

static int hmac_sha512(const struct rift_jwt_key *key, const char *data, size_t len, uint8_t out[SIG_BYTES])
{
        unsigned int n = 0;

        if (!HMAC(EVP_sha512(), key->secret, (int)key->secret_len, (const unsigned char *)data, len, out,
                  &n) ||
            n != SIG_BYTES)
                return RIFT_E_CRYPTO;
        return 0;
}

/* ---- signing -------------------------------------------------------------------------------------- */

/* Appends ".<signature>" for the signing input already in b. */
static int append_signature(const struct rift_jwt_key *key, struct rift_buf *b)
{
        uint8_t sig[SIG_BYTES];
        int r;

        r = hmac_sha512(key, b->data, b->len, sig);
        if (r < 0)
                return r;
        r = rift_buf_append_char(b, '.');
        if (r >= 0)
                r = rift_b64url_encode_buf(b, sig, sizeof(sig));
        rift_crypto_zero(sig, sizeof(sig));
        return r;
}

int rift_jwt_sign(const struct rift_jwt_key *key, const cJSON *claims, char **ret_token)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(RIFT_MAX_JWT);
        _cleanup_buf_ struct rift_buf header = RIFT_BUF_INIT(RIFT_MAX_JWT);
        _cleanup_free_ char *payload = NULL;
        int r;

        if (!key_valid(key) || !cJSON_IsObject(claims) || !ret_token)
                return RIFT_E_INVALID;
        /* kid is restricted to characters that need no JSON escaping */
        r = rift_buf_printf(&header, "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"%s\"}", key->kid);
        if (r < 0)
                return r;
        payload = cJSON_PrintUnformatted(claims);
        if (!payload)
                return -ENOMEM;
        if (strlen(payload) > RIFT_MAX_JWT)
                return RIFT_E_TOOBIG;
        r = rift_b64url_encode_buf(&b, header.data, header.len);
        if (r >= 0)
                r = rift_buf_append_char(&b, '.');
        if (r >= 0)
                r = rift_b64url_encode_buf(&b, payload, strlen(payload));
        if (r >= 0)
                r = append_signature(key, &b);
        if (r < 0)
                return r;
        *ret_token = rift_buf_steal(&b);
        return 0;
}

/* ---- verification --------------------------------------------------------------------------------- */

/* One verification in progress; fail() records the first reason. */
struct verify_ctx {
        const struct rift_jwt_verify_opts *opts; /* caller's options */
        const char *token;                       /* whole token (not NUL-terminated) */
        size_t len;                              /* its length */
        size_t dot1, dot2;                       /* offsets of the two separators */
        const struct rift_jwt_key *key;          /* key selected by kid */
        enum rift_jwt_reason reason;             /* why it was refused */
};

static int fail(struct verify_ctx *c, enum rift_jwt_reason reason)
{
        c->reason = reason;
        return RIFT_E_AUTH;
}

/* Finds exactly two dots; refuses one, three or more. */
static int split_segments(struct verify_ctx *c)
{
        const char *d1, *d2;

        d1 = memchr(c->token, '.', c->len);
        if (!d1)
                return fail(c, RIFT_JWT_MALFORMED);
        d2 = memchr(d1 + 1, '.', c->len - (size_t)(d1 + 1 - c->token));
        if (!d2 || memchr(d2 + 1, '.', c->len - (size_t)(d2 + 1 - c->token)))
                return fail(c, RIFT_JWT_MALFORMED);
        c->dot1 = (size_t)(d1 - c->token);
        c->dot2 = (size_t)(d2 - c->token);
        if (c->dot1 == 0 || c->dot2 == c->dot1 + 1)
                return fail(c, RIFT_JWT_MALFORMED);
        return 0;
}

/* True if the object has two members with the same name (JSON allows it, JWT does not). */
static bool has_duplicate_members(const cJSON *obj)
{
        for (const cJSON *a = obj->child; a; a = a->next)
                for (const cJSON *b = a->next; b; b = b->next)
                        if (strcmp(a->string, b->string) == 0)
                                return true;
        return false;
}

/* Decodes one base64url segment and parses it as a JSON object without duplicate members. */
static int parse_segment(struct verify_ctx *c, size_t off, size_t n, cJSON **ret)
{
        _cleanup_free_ char *raw = NULL;
        size_t raw_len = 0;
        cJSON *json;

        raw = malloc(rift_b64url_decoded_max(n) + 1);
        if (!raw)
                return -ENOMEM;
        if (rift_b64url_decode(c->token + off, n, raw, rift_b64url_decoded_max(n), &raw_len) < 0)
                return fail(c, RIFT_JWT_MALFORMED);
        raw[raw_len] = '\0';
        if (memchr(raw, '\0', raw_len) || !rift_utf8_valid(raw, raw_len))
                return fail(c, RIFT_JWT_MALFORMED);
        json = cJSON_ParseWithOpts(raw, NULL, true);
        if (!json)
                return fail(c, RIFT_JWT_MALFORMED);
        if (!cJSON_IsObject(json) || has_duplicate_members(json)) {
                cJSON_Delete(json);
                return fail(c, RIFT_JWT_MALFORMED);
        }
        *ret = json;
        return 0;
}

static const struct rift_jwt_key *find_key(const struct rift_jwt_verify_opts *o, const char *kid)
{
        if (o->lookup)
                return o->lookup(kid, o->userdata);
        for (size_t i = 0; i < o->n_keys; i++)
                if (o->keys[i].kid && strcmp(o->keys[i].kid, kid) == 0)
                        return &o->keys[i];
        return NULL;
}

/* Checks the header: exactly alg=HS512, optional typ=JWT, and a known kid; selects the key. */
static int check_header(struct verify_ctx *c)
{
        cJSON *h = NULL;
        const char *kid = NULL;
        bool alg_ok = false, other = false;
        int r;

        r = parse_segment(c, 0, c->dot1, &h);
        if (r < 0)
                return r;
        for (const cJSON *m = h->child; m; m = m->next) {
                if (strcmp(m->string, "alg") == 0)
                        alg_ok = cJSON_IsString(m) && strcmp(m->valuestring, "HS512") == 0;
                else if (strcmp(m->string, "typ") == 0)
                        other |= !(cJSON_IsString(m) && strcmp(m->valuestring, "JWT") == 0);
                else if (strcmp(m->string, "kid") == 0)
                        kid = cJSON_IsString(m) ? m->valuestring : "";
                else
                        other = true;
        }
        if (!alg_ok || other)
                r = fail(c, RIFT_JWT_BAD_ALG);
        else if (!kid || !kid_valid(kid) || !(c->key = find_key(c->opts, kid)))
                r = fail(c, RIFT_JWT_UNKNOWN_KID);
        else if (!key_valid(c->key) || strcmp(c->key->kid, kid) != 0)
                r = -EINVAL; /* the caller's key set is broken, not the token */
        cJSON_Delete(h);
        return r;
}

static int check_signature(struct verify_ctx *c)
{
        uint8_t want[SIG_BYTES], got[SIG_BYTES];
        size_t sig_off = c->dot2 + 1, got_len = 0;
        bool same;
        int r;

        if (c->len - sig_off != SIG_CHARS)
                return fail(c, RIFT_JWT_BAD_SIGNATURE);
        if (rift_b64url_decode(c->token + sig_off, SIG_CHARS, got, sizeof(got), &got_len) < 0 ||
            got_len != SIG_BYTES)
                return fail(c, RIFT_JWT_MALFORMED);
        r = hmac_sha512(c->key, c->token, c->dot2, want);
        if (r < 0)
                return r;
        same = rift_crypto_memeq(want, got, SIG_BYTES);
        rift_crypto_zero(want, sizeof(want));
        return same ? 0 : fail(c, RIFT_JWT_BAD_SIGNATURE);
}

/* Reads an optional NumericDate claim as milliseconds; -ENOENT if absent. */
static int claim_time_ms(struct verify_ctx *c, const cJSON *claims, const char *name, double *ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);

        if (!v)
                return -ENOENT;
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
                return fail(c, RIFT_JWT_MALFORMED);
        if (!isfinite(v->valuedouble * 1000.0))
                return fail(c, RIFT_JWT_MALFORMED);
        *ret = v->valuedouble * 1000.0;
        return 0;
}

static int check_times(struct verify_ctx *c, const cJSON *claims)
{
        double now = (double)rift_now_ms(), leeway = (double)c->opts->leeway_ms, exp_ms, nbf_ms;
        int r;

        r = claim_time_ms(c, claims, "exp", &exp_ms);
        if (r == -ENOENT)
                return fail(c, RIFT_JWT_EXPIRED);
        if (r < 0)
                return r;
        r = claim_time_ms(c, claims, "nbf", &nbf_ms);
        if (r < 0 && r != -ENOENT)
                return r;
        if (exp_ms <= now - leeway)
                return fail(c, RIFT_JWT_EXPIRED);
        if (r == 0 && nbf_ms > now + leeway)
                return fail(c, RIFT_JWT_NOT_YET_VALID);
        return 0;
}

static int verify_token(struct verify_ctx *c, cJSON **ret_claims)
{
        cJSON *claims = NULL;
        size_t max = c->opts->max_len == 0 ? RIFT_MAX_JWT : MIN(c->opts->max_len, (size_t)RIFT_MAX_JWT);
        int r;

        if (c->len > max)
                return fail(c, RIFT_JWT_TOO_LONG);
        r = split_segments(c);
        if (r < 0)
                return r;
        r = check_header(c);
        if (r < 0)
                return r;
        /* the payload is parsed only once it is known to come from a key holder */
        r = check_signature(c);
        if (r < 0)
                return r;
        r = parse_segment(c, c->dot1 + 1, c->dot2 - c->dot1 - 1, &claims);
        if (r < 0)
                return r;
        r = check_times(c, claims);
        if (r < 0) {
                cJSON_Delete(claims);
                return r;
        }
        *ret_claims = claims;
        return 0;
}

int rift_jwt_verify(const char *token, size_t len, const struct rift_jwt_verify_opts *opts,
                    cJSON **ret_claims, char *ret_kid, enum rift_jwt_reason *reason)
{
        struct verify_ctx c = { .opts = opts, .token = token, .len = len, .reason = RIFT_JWT_MALFORMED };
        cJSON *claims = NULL;
        int r;

        if (!opts || (!opts->lookup && opts->n_keys > 0 && !opts->keys) || opts->leeway_ms < 0)
                return -EINVAL;
        r = token ? verify_token(&c, &claims) : fail(&c, RIFT_JWT_MALFORMED);
        if (r < 0) {
                if (reason && r == RIFT_E_AUTH)
                        *reason = c.reason;
                return r;
        }
        if (ret_kid)
                rift_strlcpy(ret_kid, c.key->kid, RIFT_MAX_ID + 1);
        if (reason)
                *reason = RIFT_JWT_OK;
        if (ret_claims)
                *ret_claims = claims;
        else
                cJSON_Delete(claims);
        return 0;
}
