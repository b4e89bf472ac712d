#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/error.h"
#include "lib/jwt.h"
#include "lib/limits_rift.h"

#define NOW_MS 1700000000000LL /* fake wall clock for every test */
#define NOW_S  1700000000LL

static const uint8_t secret_a[] = "0123456789abcdef0123456789abcdef-key-a";
static const uint8_t secret_b[] = "fedcba9876543210fedcba9876543210-key-b";

static const struct rift_jwt_key keys[] = {
        { .kid = "2026-01", .secret = secret_a, .secret_len = sizeof(secret_a) - 1 },
        { .kid = "2026-02", .secret = secret_b, .secret_len = sizeof(secret_b) - 1 },
};
#define KEY_A (&keys[0])
#define KEY_B (&keys[1])

static const struct rift_jwt_verify_opts both_keys = { .keys = keys, .n_keys = 2 };

static int setup(void **state)
{
        rift_clock_fake_start(NOW_MS);
        return 0;
}

static int teardown(void **state)
{
        rift_clock_fake_stop();
        return 0;
}

/* ---- hand-made tokens ----------------------------------------------------------------------------- */

enum mac { MAC_NONE, MAC_HS512, MAC_HS256 };

/* Builds b64(header).b64(payload).b64(mac) from raw JSON text, signing with key as told. */
static char *forge(const char *header, const char *payload, const struct rift_jwt_key *key, enum mac mac)
{
        struct rift_buf b = RIFT_BUF_INIT(64 * 1024);
        uint8_t sig[64];
        unsigned int n = 0;

        assert_int_equal(rift_b64url_encode_buf(&b, header, strlen(header)), 0);
        assert_int_equal(rift_buf_append_char(&b, '.'), 0);
        assert_int_equal(rift_b64url_encode_buf(&b, payload, strlen(payload)), 0);
        if (mac != MAC_NONE)
                assert_non_null(HMAC(mac == MAC_HS512 ? EVP_sha512() : EVP_sha256(), key->secret,
                                     (int)key->secret_len, (const uint8_t *)b.data, b.len, sig, &n));
        assert_int_equal(rift_buf_append_char(&b, '.'), 0);
        assert_int_equal(rift_b64url_encode_buf(&b, sig, n), 0);
        return rift_buf_steal(&b);
}

static const char *hdr_a = "{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"2026-01\"}";

/* A valid payload expiring in an hour. */
static char *payload_valid(void)
{
        struct rift_buf b = RIFT_BUF_INIT(1024);

        assert_int_equal(
            rift_buf_printf(&b, "{\"uid\":\"u1\",\"username\":\"admin\",\"role\":\"admin\",\"exp\":%lld}",
                            NOW_S + 3600),
            0);
        return rift_buf_steal(&b);
}

/* Verifies with opts and returns the refusal reason (RIFT_JWT_OK when accepted). */
static enum rift_jwt_reason check(const char *token, const struct rift_jwt_verify_opts *opts)
{
        enum rift_jwt_reason reason = _RIFT_JWT_REASON_MAX;
        cJSON *claims = NULL;
        int r;

        r = rift_jwt_verify(token, strlen(token), opts, &claims, NULL, &reason);
        if (r == 0) {
                assert_int_equal(reason, RIFT_JWT_OK);
                assert_non_null(claims);
                cJSON_Delete(claims);
        } else {
                assert_int_equal(r, RIFT_E_AUTH);
                assert_null(claims);
                assert_true(reason != RIFT_JWT_OK && reason < _RIFT_JWT_REASON_MAX);
        }
        return reason;
}

static enum rift_jwt_reason check_forged(const char *header, const char *payload,
                                         const struct rift_jwt_key *key, enum mac mac)
{
        char *t = forge(header, payload, key, mac);
        enum rift_jwt_reason r = check(t, &both_keys);

        free(t);
        return r;
}

static cJSON *claims_new(long long exp)
{
        cJSON *c = cJSON_CreateObject();

        cJSON_AddStringToObject(c, "uid", "6e7d1a51-0d6a-4d4c-9a52-0e0f4f5b0c11");
        cJSON_AddStringToObject(c, "username", "admin");
        cJSON_AddStringToObject(c, "role", "admin");
        cJSON_AddNumberToObject(c, "exp", (double)exp);
        cJSON_AddStringToObject(c, "jti", "a1b2c3");
        return c;
}

/* noinline: gcc's -Wdangling-pointer misreads the inlined out-parameter */
static __attribute__((noinline)) char *sign(const struct rift_jwt_key *key, long long exp)
{
        cJSON *c = claims_new(exp);
        char *t = NULL;

        assert_int_equal(rift_jwt_sign(key, c, &t), 0);
        cJSON_Delete(c);
        return t;
}

/* ---- tests ---------------------------------------------------------------------------------------- */

static void sign_verify_round_trip(void **state)
{
        cJSON *in = claims_new(NOW_S + 3600), *out = NULL;
        enum rift_jwt_reason reason;
        char kid[RIFT_MAX_ID + 1] = "", hdr[128];
        char *t = NULL;
        size_t n;

        assert_int_equal(rift_jwt_sign(KEY_A, in, &t), 0);
        assert_int_equal(rift_jwt_verify(t, strlen(t), &both_keys, &out, kid, &reason), 0);
        assert_int_equal(reason, RIFT_JWT_OK);
        assert_string_equal(kid, "2026-01");
        assert_true(cJSON_Compare(in, out, true));
        /* the header is exactly what the format says */
        assert_int_equal(rift_b64url_decode(t, (size_t)(strchr(t, '.') - t), hdr, sizeof(hdr) - 1, &n), 0);
        hdr[n] = '\0';
        assert_string_equal(hdr, hdr_a);
        /* claims and kid outputs are optional */
        cJSON_Delete(out);
        out = NULL;
        assert_int_equal(rift_jwt_verify(t, strlen(t), &both_keys, NULL, NULL, NULL), 0);
        cJSON_Delete(in);
        free(t);
}

static void verify_uses_length_not_nul(void **state)
{
        char *t = sign(KEY_A, NOW_S + 60);
        size_t n = strlen(t);
        char *longer = malloc(n + 8);

        memcpy(longer, t, n);
        memcpy(longer + n, "garbage", 8);
        assert_int_equal(rift_jwt_verify(longer, n, &both_keys, NULL, NULL, NULL), 0);
        assert_int_equal(rift_jwt_verify(longer, n + 7, &both_keys, NULL, NULL, NULL), RIFT_E_AUTH);
        assert_int_equal(rift_jwt_verify(t, n - 1, &both_keys, NULL, NULL, NULL), RIFT_E_AUTH);
        free(longer);
        free(t);
}

static void refuses_other_algorithms(void **state)
{
        char *p = payload_valid();

        /* alg none with an empty signature: the classic forgery */
        assert_int_equal(
            check_forged("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_NONE),
            RIFT_JWT_BAD_ALG);
        assert_int_equal(check_forged("{\"alg\":\"None\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_NONE),
                         RIFT_JWT_BAD_ALG);
        /* HS256 with the right key is still refused: only HS512 is accepted */
        assert_int_equal(
            check_forged("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS256),
            RIFT_JWT_BAD_ALG);
        assert_int_equal(
            check_forged("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
            RIFT_JWT_BAD_ALG);
        assert_int_equal(check_forged("{\"typ\":\"JWT\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_BAD_ALG);
        assert_int_equal(check_forged("{\"alg\":\"hs512\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_BAD_ALG);
        assert_int_equal(check_forged("{\"alg\":512,\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_BAD_ALG);
        assert_int_equal(
            check_forged("{\"alg\":\"HS512\",\"typ\":\"JWE\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
            RIFT_JWT_BAD_ALG);
        /* any other header member (jku, crit, x5u...) is refused */
        assert_int_equal(
            check_forged("{\"alg\":\"HS512\",\"kid\":\"2026-01\",\"crit\":[\"exp\"]}", p, KEY_A, MAC_HS512),
            RIFT_JWT_BAD_ALG);
        /* typ is optional; the same header without it is accepted */
        assert_int_equal(check_forged("{\"alg\":\"HS512\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_OK);
        /* and the exact header forged by hand is accepted too (the forge helper is sound) */
        assert_int_equal(check_forged(hdr_a, p, KEY_A, MAC_HS512), RIFT_JWT_OK);
        free(p);
}

static void refuses_duplicate_members(void **state)
{
        char *p = payload_valid();
        char dup[256];

        assert_int_equal(
            check_forged("{\"alg\":\"HS512\",\"alg\":\"none\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
            RIFT_JWT_MALFORMED);
        assert_int_equal(
            check_forged("{\"alg\":\"none\",\"alg\":\"HS512\",\"kid\":\"2026-01\"}", p, KEY_A, MAC_HS512),
            RIFT_JWT_MALFORMED);
        assert_int_equal(
            check_forged("{\"alg\":\"HS512\",\"kid\":\"2026-01\",\"kid\":\"2026-02\"}", p, KEY_A, MAC_HS512),
            RIFT_JWT_MALFORMED);
        /* a properly signed payload with two exp claims is refused: which one would count? */
        snprintf(dup, sizeof(dup), "{\"role\":\"admin\",\"exp\":%lld,\"exp\":%lld}", NOW_S - 10,
                 NOW_S + 3600);
        assert_int_equal(check_forged(hdr_a, dup, KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        free(p);
}

static void refuses_changed_kid_and_payload(void **state)
{
        char *t = sign(KEY_A, NOW_S + 3600), *p = payload_valid(), *forged;
        char *dot2 = strrchr(t, '.');

        /* header rewritten to name the other known key: signature no longer matches */
        forged = forge("{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"2026-02\"}", p, KEY_A, MAC_HS512);
        assert_int_equal(check(forged, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        free(forged);
        /* unknown or missing kid */
        assert_int_equal(
            check_forged("{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"2025-99\"}", p, KEY_A, MAC_HS512),
            RIFT_JWT_UNKNOWN_KID);
        assert_int_equal(check_forged("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_UNKNOWN_KID);
        assert_int_equal(check_forged("{\"alg\":\"HS512\",\"kid\":7}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_UNKNOWN_KID);
        assert_int_equal(check_forged("{\"alg\":\"HS512\",\"kid\":\"\"}", p, KEY_A, MAC_HS512),
                         RIFT_JWT_UNKNOWN_KID);
        /* payload swapped after signing (role escalated) with the original signature */
        {
                struct rift_buf b = RIFT_BUF_INIT(4096);
                const char *evil =
                    "{\"uid\":\"u1\",\"username\":\"admin\",\"role\":\"owner\",\"exp\":1700003600}";

                assert_int_equal(rift_buf_append(&b, t, (size_t)(strchr(t, '.') - t + 1)), 0);
                assert_int_equal(rift_b64url_encode_buf(&b, evil, strlen(evil)), 0);
                assert_int_equal(rift_buf_append_str(&b, dot2), 0);
                assert_int_equal(check(b.data, &both_keys), RIFT_JWT_BAD_SIGNATURE);
                rift_buf_free(&b);
        }
        /* signed by a key that is not the one its kid names */
        forged = forge(hdr_a, p, KEY_B, MAC_HS512);
        assert_int_equal(check(forged, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        free(forged);
        free(p);
        free(t);
}

static void refuses_bad_signatures(void **state)
{
        char *t = sign(KEY_A, NOW_S + 3600);
        size_t n = strlen(t);
        char *c = strdup(t);

        /* truncated by one character, by a whole quantum, emptied */
        c[n - 1] = '\0';
        assert_int_equal(check(c, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        c[n - 4] = '\0';
        assert_int_equal(check(c, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        *(strrchr(c, '.') + 1) = '\0';
        assert_int_equal(check(c, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        /* one flipped character in the middle of the signature */
        memcpy(c, t, n + 1);
        c[n - 20] = c[n - 20] == 'A' ? 'B' : 'A';
        assert_int_equal(check(c, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        /* an extra character after the signature */
        free(c);
        c = malloc(n + 2);
        memcpy(c, t, n);
        memcpy(c + n, "A", 2);
        assert_int_equal(check(c, &both_keys), RIFT_JWT_BAD_SIGNATURE);
        free(c);
        free(t);
}

static void refuses_malformed_structure(void **state)
{
        char *t = sign(KEY_A, NOW_S + 3600), *p = payload_valid();
        char buf[2048];
        size_t n = strlen(t);

        assert_int_equal(check("", &both_keys), RIFT_JWT_MALFORMED);
        assert_int_equal(check("abc", &both_keys), RIFT_JWT_MALFORMED);
        assert_int_equal(check("a.b", &both_keys), RIFT_JWT_MALFORMED);
        assert_int_equal(check("..", &both_keys), RIFT_JWT_MALFORMED);
        snprintf(buf, sizeof(buf), "%s.", t); /* four segments */
        assert_int_equal(check(buf, &both_keys), RIFT_JWT_MALFORMED);
        snprintf(buf, sizeof(buf), "%s.%s", t, strrchr(t, '.') + 1);
        assert_int_equal(check(buf, &both_keys), RIFT_JWT_MALFORMED);
        /* padded base64, standard alphabet in the header */
        snprintf(buf, sizeof(buf), "%.*s=%s", (int)(strchr(t, '.') - t), t, strchr(t, '.'));
        assert_int_equal(check(buf, &both_keys), RIFT_JWT_MALFORMED);
        memcpy(buf, t, n + 1);
        buf[3] = '+';
        assert_int_equal(check(buf, &both_keys), RIFT_JWT_MALFORMED);
        /* non-JSON or non-object header/payload, even when properly signed */
        assert_int_equal(check_forged("alg=HS512", p, KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged("[\"HS512\"]", p, KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "not json", KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "[1,2]", KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "{\"exp\":1700003600} trailing", KEY_A, MAC_HS512),
                         RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "{\"exp\":1700003600,\"u\":\"\xff\"}", KEY_A, MAC_HS512),
                         RIFT_JWT_MALFORMED); /* not UTF-8 */
        assert_int_equal(rift_jwt_verify(NULL, 0, &both_keys, NULL, NULL, NULL), RIFT_E_AUTH);
        free(p);
        free(t);
}

static void expiry_with_fake_clock(void **state)
{
        char *t = sign(KEY_A, NOW_S + 60);
        struct rift_jwt_verify_opts lenient = both_keys;
        char buf[256];

        assert_int_equal(check(t, &both_keys), RIFT_JWT_OK);
        rift_clock_fake_advance(59999);
        assert_int_equal(check(t, &both_keys), RIFT_JWT_OK);
        rift_clock_fake_advance(1); /* now == exp: expired (exp is exclusive) */
        assert_int_equal(check(t, &both_keys), RIFT_JWT_EXPIRED);
        lenient.leeway_ms = 5000;
        assert_int_equal(check(t, &lenient), RIFT_JWT_OK);
        rift_clock_fake_advance(5000);
        assert_int_equal(check(t, &lenient), RIFT_JWT_EXPIRED);
        free(t);
        /* exp is required and must be a number */
        assert_int_equal(check_forged(hdr_a, "{\"uid\":\"u1\"}", KEY_A, MAC_HS512), RIFT_JWT_EXPIRED);
        snprintf(buf, sizeof(buf), "{\"exp\":\"%lld\"}", NOW_S + 3600);
        assert_int_equal(check_forged(hdr_a, buf, KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "{\"exp\":1e999}", KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "{\"exp\":1e308}", KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        assert_int_equal(check_forged(hdr_a, "{\"exp\":-5}", KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
        lenient.leeway_ms = -1;
        assert_int_equal(rift_jwt_verify("a.b.c", 5, &lenient, NULL, NULL, NULL), -EINVAL);
}

static void not_before(void **state)
{
        char buf[256];
        char *t;

        snprintf(buf, sizeof(buf), "{\"exp\":%lld,\"nbf\":%lld}", NOW_S + 3600, NOW_S + 10);
        t = forge(hdr_a, buf, KEY_A, MAC_HS512);
        assert_int_equal(check(t, &both_keys), RIFT_JWT_NOT_YET_VALID);
        rift_clock_fake_advance(10000);
        assert_int_equal(check(t, &both_keys), RIFT_JWT_OK);
        free(t);
        snprintf(buf, sizeof(buf), "{\"exp\":%lld,\"nbf\":null}", NOW_S + 3600);
        assert_int_equal(check_forged(hdr_a, buf, KEY_A, MAC_HS512), RIFT_JWT_MALFORMED);
}

static void length_limits(void **state)
{
        char *big = malloc(RIFT_MAX_JWT + 2), *t = NULL;
        struct rift_jwt_verify_opts small = both_keys;
        char *ok = sign(KEY_A, NOW_S + 60);
        cJSON *c = claims_new(NOW_S + 60);

        memset(big, 'A', RIFT_MAX_JWT + 1);
        big[RIFT_MAX_JWT + 1] = '\0';
        assert_int_equal(check(big, &both_keys), RIFT_JWT_TOO_LONG);
        small.max_len = strlen(ok) - 1;
        assert_int_equal(check(ok, &small), RIFT_JWT_TOO_LONG);
        small.max_len = strlen(ok);
        assert_int_equal(check(ok, &small), RIFT_JWT_OK);
        /* signing refuses claims that would make a token over the limit */
        big[RIFT_MAX_JWT - 100] = '\0';
        cJSON_AddStringToObject(c, "pad", big);
        assert_int_equal(rift_jwt_sign(KEY_A, c, &t), RIFT_E_TOOBIG);
        assert_null(t);
        cJSON_Delete(c);
        free(ok);
        free(big);
}

static void key_rotation(void **state)
{
        char *old = sign(KEY_A, NOW_S + 3600), *cur = sign(KEY_B, NOW_S + 3600);
        const struct rift_jwt_verify_opts only_new = { .keys = KEY_B, .n_keys = 1 };
        char kid[RIFT_MAX_ID + 1];

        /* during the overlap both verify, each with its own key */
        assert_int_equal(rift_jwt_verify(old, strlen(old), &both_keys, NULL, kid, NULL), 0);
        assert_string_equal(kid, "2026-01");
        assert_int_equal(rift_jwt_verify(cur, strlen(cur), &both_keys, NULL, kid, NULL), 0);
        assert_string_equal(kid, "2026-02");
        /* once the old key is retired its tokens are refused as unknown */
        assert_int_equal(check(old, &only_new), RIFT_JWT_UNKNOWN_KID);
        assert_int_equal(check(cur, &only_new), RIFT_JWT_OK);
        free(old);
        free(cur);
}

static const struct rift_jwt_key *lookup_b_only(const char *kid, void *userdata)
{
        int *calls = userdata;

        (*calls)++;
        return strcmp(kid, "2026-02") == 0 ? KEY_B : NULL;
}

static const struct rift_jwt_key *lookup_liar(const char *kid, void *userdata)
{
        return KEY_A; /* returns a key whatever kid is asked for */
}

static void key_lookup_callback(void **state)
{
        char *a = sign(KEY_A, NOW_S + 3600), *b = sign(KEY_B, NOW_S + 3600);
        int calls = 0;
        struct rift_jwt_verify_opts o = { .lookup = lookup_b_only, .userdata = &calls };

        assert_int_equal(check(b, &o), RIFT_JWT_OK);
        assert_int_equal(check(a, &o), RIFT_JWT_UNKNOWN_KID);
        assert_int_equal(calls, 2);
        /* a lookup returning a key with another kid is a caller bug, not an accepted token */
        o.lookup = lookup_liar;
        assert_int_equal(rift_jwt_verify(b, strlen(b), &o, NULL, NULL, NULL), -EINVAL);
        free(a);
        free(b);
}

static void sign_refuses_bad_keys(void **state)
{
        static const uint8_t short_secret[] = "too-short";
        const struct rift_jwt_key k_short = { .kid = "k", .secret = short_secret, .secret_len = 9 };
        const struct rift_jwt_key k_badkid = { .kid = "a\"b", .secret = secret_a, .secret_len = 32 };
        const struct rift_jwt_key k_nokid = { .kid = NULL, .secret = secret_a, .secret_len = 32 };
        cJSON *c = claims_new(NOW_S + 60), *arr = cJSON_CreateArray();
        char *t = NULL;

        assert_int_equal(rift_jwt_sign(&k_short, c, &t), RIFT_E_INVALID);
        assert_int_equal(rift_jwt_sign(&k_badkid, c, &t), RIFT_E_INVALID);
        assert_int_equal(rift_jwt_sign(&k_nokid, c, &t), RIFT_E_INVALID);
        assert_int_equal(rift_jwt_sign(KEY_A, arr, &t), RIFT_E_INVALID);
        assert_int_equal(rift_jwt_sign(KEY_A, NULL, &t), RIFT_E_INVALID);
        assert_null(t);
        cJSON_Delete(c);
        cJSON_Delete(arr);
}

static void reason_names(void **state)
{
        assert_string_equal(rift_jwt_reason_name(RIFT_JWT_OK), "ok");
        assert_string_equal(rift_jwt_reason_name(RIFT_JWT_EXPIRED), "expired");
        assert_string_equal(rift_jwt_reason_name(RIFT_JWT_BAD_SIGNATURE), "bad_signature");
        assert_string_equal(rift_jwt_reason_name(RIFT_JWT_UNKNOWN_KID), "unknown_kid");
        assert_string_equal(rift_jwt_reason_name((enum rift_jwt_reason)99), "unknown");
        for (int i = 0; i < _RIFT_JWT_REASON_MAX; i++)
                assert_string_not_equal(rift_jwt_reason_name((enum rift_jwt_reason)i), "unknown");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                T(sign_verify_round_trip),
                T(verify_uses_length_not_nul),
                T(refuses_other_algorithms),
                T(refuses_duplicate_members),
                T(refuses_changed_kid_and_payload),
                T(refuses_bad_signatures),
                T(refuses_malformed_structure),
                T(expiry_with_fake_clock),
                T(not_before),
                T(length_limits),
                T(key_rotation),
                T(key_lookup_callback),
                T(sign_refuses_bad_keys),
                T(reason_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
