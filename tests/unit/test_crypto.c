#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "lib/crypto.h"
#include "lib/error.h"
#include "lib/limits_rift.h"

static void uuid4_format_and_uniqueness(void **state)
{
        enum { N = 2000 };
        char(*ids)[RIFT_UUID_STRLEN + 1] = calloc(N, sizeof(*ids));

        assert_non_null(ids);
        for (int i = 0; i < N; i++) {
                assert_int_equal(rift_crypto_uuid4(ids[i]), 0);
                assert_int_equal(strlen(ids[i]), 36);
                assert_true(rift_crypto_uuid_valid(ids[i]));
                assert_int_equal(ids[i][14], '4');                          /* version */
                assert_non_null(strchr("89ab", ids[i][19]));                /* variant */
                assert_null(strpbrk(ids[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ")); /* lower case */
        }
        qsort(ids, N, sizeof(*ids), (int (*)(const void *, const void *))strcmp);
        for (int i = 1; i < N; i++)
                assert_string_not_equal(ids[i - 1], ids[i]);
        free(ids);
}

static void uuid_valid_rejects(void **state)
{
        assert_true(rift_crypto_uuid_valid("123e4567-E89B-12d3-a456-426614174000"));
        assert_false(rift_crypto_uuid_valid(NULL));
        assert_false(rift_crypto_uuid_valid(""));
        assert_false(rift_crypto_uuid_valid("123e4567e89b12d3a456426614174000"));
        assert_false(rift_crypto_uuid_valid("123e4567-e89b-12d3-a456-42661417400g"));
        assert_false(rift_crypto_uuid_valid("123e4567-e89b-12d3-a456-4266141740000"));
        assert_false(rift_crypto_uuid_valid("123e4567-e89b-12d3-a456_426614174000"));
}

static void random_hex_and_b64url(void **state)
{
        char *a = NULL, *b = NULL, *c = NULL;

        assert_int_equal(rift_crypto_random_hex(32, &a), 0);
        assert_int_equal(strlen(a), 64);
        assert_int_equal(strspn(a, "0123456789abcdef"), 64);
        assert_int_equal(rift_crypto_random_hex(32, &b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(rift_crypto_random_b64url(32, &c), 0);
        assert_int_equal(strlen(c), 43);
        assert_int_equal(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
        assert_int_equal(rift_crypto_random_hex(0, &a), -EINVAL);
        assert_int_equal(rift_crypto_random_b64url(1u << 30, &a), -EINVAL);
        rift_crypto_free_str(a);
        rift_crypto_free_str(b);
        rift_crypto_free_str(c);
        rift_crypto_free_str(NULL);
}

/* RFC 4648 section 10 vectors, in the URL alphabet without padding. */
static void b64url_vectors(void **state)
{
        static const struct {
                const char *plain, *enc;
        } v[] = {
                { "", "" },           { "f", "Zg" },          { "fo", "Zm8" },          { "foo", "Zm9v" },
                { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
        };
        char enc[32];
        uint8_t dec[32];
        size_t n;

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                assert_int_equal(rift_b64url_encode(v[i].plain, strlen(v[i].plain), enc, sizeof(enc)),
                                 (int)strlen(v[i].enc));
                assert_string_equal(enc, v[i].enc);
                assert_int_equal(rift_b64url_encoded_len(strlen(v[i].plain)), strlen(v[i].enc));
                assert_int_equal(rift_b64url_decode(v[i].enc, strlen(v[i].enc), dec, sizeof(dec), &n), 0);
                assert_int_equal(n, strlen(v[i].plain));
                assert_memory_equal(dec, v[i].plain, n);
        }
        /* the URL alphabet: 0xfb 0xff -> "-_8" (standard base64 would say "+/8=") */
        assert_int_equal(rift_b64url_encode("\xfb\xff", 2, enc, sizeof(enc)), 3);
        assert_string_equal(enc, "-_8");
        assert_int_equal(rift_b64url_encode("foobar", 6, enc, 8), RIFT_E_TOOBIG); /* no room for NUL */
}

static void b64url_strict_decoding(void **state)
{
        static const char *const bad[] = {
                "Zg==",  /* padding */
                "Zm9v=", /* padding */
                "Zm+v",  /* standard alphabet */
                "Zm/v",  /* standard alphabet */
                "Zm9 v", /* whitespace */
                "Zm9\n", /* newline */
                "Z",     /* one char cannot hold a byte */
                "Zm9vY", /* same, after a full quantum */
                "Zh",    /* non-zero trailing bits: "Zg" is the only encoding of "f" */
                "Zm9",   /* non-zero trailing bits: "Zm8" is the only encoding of "fo" */
        };
        uint8_t dec[16];
        size_t n = 99;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(rift_b64url_decode(bad[i], strlen(bad[i]), dec, sizeof(dec), &n),
                                 RIFT_E_PARSE);
        assert_int_equal(n, 99); /* untouched on failure */
        assert_int_equal(rift_b64url_decode("Zm9vYmFy", 8, dec, 5, &n), RIFT_E_TOOBIG);
        assert_int_equal(rift_b64url_decode("Zm\0v", 4, dec, sizeof(dec), &n), RIFT_E_PARSE);
}

static void b64url_round_trip_all_lengths(void **state)
{
        uint8_t in[70], out[70];
        char enc[100];
        size_t n;

        assert_int_equal(rift_crypto_random_bytes(in, sizeof(in)), 0);
        for (size_t len = 0; len <= sizeof(in); len++) {
                int w = rift_b64url_encode(in, len, enc, sizeof(enc));

                assert_int_equal(w, (int)rift_b64url_encoded_len(len));
                assert_true(rift_b64url_decoded_max((size_t)w) >= len);
                assert_int_equal(rift_b64url_decode(enc, (size_t)w, out, sizeof(out), &n), 0);
                assert_int_equal(n, len);
                assert_memory_equal(in, out, len);
        }
}

static void constant_time_compare_and_zero(void **state)
{
        char secret[16] = "0123456789abcdef";

        assert_true(rift_crypto_memeq("abc", "abc", 3));
        assert_false(rift_crypto_memeq("abc", "abd", 3));
        assert_true(rift_crypto_memeq("x", "y", 0));
        assert_true(rift_crypto_streq("token", "token"));
        assert_false(rift_crypto_streq("token", "token2"));
        assert_false(rift_crypto_streq("token", "tokeN"));
        assert_false(rift_crypto_streq(NULL, "a"));
        assert_false(rift_crypto_streq(NULL, NULL));
        rift_crypto_zero(secret, sizeof(secret));
        for (size_t i = 0; i < sizeof(secret); i++)
                assert_int_equal(secret[i], 0);
        rift_crypto_zero(NULL, 5);
}

static void pwhash_verify_and_wrong_password(void **state)
{
        struct rift_pwhash_params p;
        char h1[RIFT_PWHASH_STRLEN], h2[RIFT_PWHASH_STRLEN];

        rift_pwhash_params_min(&p);
        assert_int_equal(rift_pwhash("litmus", 6, &p, h1), 0);
        assert_true(strncmp(h1, "$argon2id$v=19$m=8,t=1,p=1$", 27) == 0);
        assert_int_equal(rift_pwhash_verify(h1, "litmus", 6), 0);
        assert_int_equal(rift_pwhash_verify(h1, "litmuS", 6), RIFT_E_AUTH);
        assert_int_equal(rift_pwhash_verify(h1, "litmus", 5), RIFT_E_AUTH);
        assert_int_equal(rift_pwhash_verify(h1, "", 0), RIFT_E_AUTH);
        /* salted: the same password hashes differently, both verify */
        assert_int_equal(rift_pwhash("litmus", 6, &p, h2), 0);
        assert_string_not_equal(h1, h2);
        assert_int_equal(rift_pwhash_verify(h2, "litmus", 6), 0);
        /* malformed or foreign hashes never verify */
        assert_int_equal(rift_pwhash_verify("", "litmus", 6), RIFT_E_AUTH);
        assert_int_equal(rift_pwhash_verify("$2b$10$abcdefghijklmnopqrstuv", "litmus", 6), RIFT_E_AUTH);
        assert_int_equal(rift_pwhash_verify(NULL, "litmus", 6), RIFT_E_AUTH);
        h1[strlen(h1) - 2] = h1[strlen(h1) - 2] == 'A' ? 'B' : 'A'; /* tamper with the digest */
        assert_int_equal(rift_pwhash_verify(h1, "litmus", 6), RIFT_E_AUTH);
}

static void pwhash_embedded_nul_and_limits(void **state)
{
        struct rift_pwhash_params p;
        char h[RIFT_PWHASH_STRLEN];
        char *big = calloc(1, RIFT_MAX_PASSWORD + 2);

        rift_pwhash_params_min(&p);
        /* the length is what counts, not a NUL: "a\0b" differs from "a" */
        assert_int_equal(rift_pwhash("a\0b", 3, &p, h), 0);
        assert_int_equal(rift_pwhash_verify(h, "a", 1), RIFT_E_AUTH);
        assert_int_equal(rift_pwhash_verify(h, "a\0b", 3), 0);
        assert_non_null(big);
        memset(big, 'x', RIFT_MAX_PASSWORD + 1);
        assert_int_equal(rift_pwhash(big, RIFT_MAX_PASSWORD + 1, &p, h), -EINVAL);
        assert_int_equal(rift_pwhash(big, RIFT_MAX_PASSWORD, &p, h), 0);
        assert_int_equal(rift_pwhash_verify(h, big, RIFT_MAX_PASSWORD), 0);
        assert_int_equal(rift_pwhash_verify(h, big, RIFT_MAX_PASSWORD + 1), RIFT_E_AUTH);
        free(big);
        p.memlimit = 1024; /* below argon2id's minimum */
        assert_int_equal(rift_pwhash("a", 1, &p, h), -EINVAL);
}

static void pwhash_needs_rehash_when_params_change(void **state)
{
        struct rift_pwhash_params min, more, def;
        char h[RIFT_PWHASH_STRLEN];

        rift_pwhash_params_min(&min);
        rift_pwhash_params_default(&def);
        assert_true(def.opslimit == 2 && def.memlimit == 64u * 1024 * 1024); /* libsodium INTERACTIVE */
        more = min;
        more.opslimit = 2;
        assert_int_equal(rift_pwhash("pw", 2, &min, h), 0);
        assert_int_equal(rift_pwhash_needs_rehash(h, &min), 0);
        assert_int_equal(rift_pwhash_needs_rehash(h, &more), 1);
        assert_int_equal(rift_pwhash_needs_rehash(h, NULL), 1); /* default is stronger */
        more = min;
        more.memlimit = 16 * 1024;
        assert_int_equal(rift_pwhash_needs_rehash(h, &more), 1);
        assert_int_equal(rift_pwhash_needs_rehash("not a hash", &min), RIFT_E_PARSE);
        /* an argon2i hash (older variant) still verifies but asks to be redone as argon2id */
        assert_int_equal(crypto_pwhash_argon2i_str(h, "pw", 2, 3, 8192), 0);
        assert_int_equal(rift_pwhash_verify(h, "pw", 2), 0);
        assert_int_equal(rift_pwhash_verify(h, "pX", 2), RIFT_E_AUTH);
        assert_int_equal(rift_pwhash_needs_rehash(h, &min), 1);
        assert_int_equal(rift_pwhash_needs_rehash(NULL, &min), RIFT_E_PARSE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(uuid4_format_and_uniqueness),
                cmocka_unit_test(uuid_valid_rejects),
                cmocka_unit_test(random_hex_and_b64url),
                cmocka_unit_test(b64url_vectors),
                cmocka_unit_test(b64url_strict_decoding),
                cmocka_unit_test(b64url_round_trip_all_lengths),
                cmocka_unit_test(constant_time_compare_and_zero),
                cmocka_unit_test(pwhash_verify_and_wrong_password),
                cmocka_unit_test(pwhash_embedded_nul_and_limits),
                cmocka_unit_test(pwhash_needs_rehash_when_params_change),
        };

        if (rift_crypto_init() < 0 || rift_crypto_init() < 0) /* idempotent */
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
