/* Fuzzes JWT verification. The first input byte picks the mode:
 *   even: the rest is a token as received from a client;
 *   odd:  the rest is "<header JSON>\0<payload JSON>", made into a token signed with a known key, so the
 *         header checks, the payload parser and the time checks all see arbitrary JSON.
 * Besides memory errors (ASan/UBSan), a token that verifies must name the known key and carry a numeric,
 * unexpired exp, and a refusal must come with a reason and no claims. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1700000000000LL

static const uint8_t secret[] = "fuzzing-key-0123456789abcdef-0123456789";
static const struct rift_jwt_key key = { .kid = "k1", .secret = secret, .secret_len = sizeof(secret) - 1 };
static const struct rift_jwt_verify_opts opts = { .keys = &key, .n_keys = 1 };

/* Encodes header and payload as given and appends a valid HS512 signature. */
static int build_signed(const uint8_t *h, size_t hn, const uint8_t *p, size_t pn, struct rift_buf *b)
{
        uint8_t sig[64];
        unsigned int n = 0;

        if (rift_b64url_encode_buf(b, h, hn) < 0 || rift_buf_append_char(b, '.') < 0 ||
            rift_b64url_encode_buf(b, p, pn) < 0)
                return -1;
        if (!HMAC(EVP_sha512(), key.secret, (int)key.secret_len, (const uint8_t *)b->data, b->len, sig, &n))
                abort();
        if (rift_buf_append_char(b, '.') < 0 || rift_b64url_encode_buf(b, sig, n) < 0)
                return -1;
        return 0;
}

static void verify_one(const char *token, size_t len)
{
        enum rift_jwt_reason reason = _RIFT_JWT_REASON_MAX;
        char kid[RIFT_MAX_ID + 1];
        cJSON *claims = NULL, *exp;
        int r;

        r = rift_jwt_verify(token, len, &opts, &claims, kid, &reason);
        if (r != 0) {
                if (r != RIFT_E_AUTH || reason == RIFT_JWT_OK || reason >= _RIFT_JWT_REASON_MAX || claims)
                        abort();
                return;
        }
        exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
        if (!cJSON_IsObject(claims) || strcmp(kid, "k1") != 0 || !cJSON_IsNumber(exp) ||
            exp->valuedouble * 1000.0 <= (double)NOW_MS)
                abort();
        cJSON_Delete(claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rift_buf b = RIFT_BUF_INIT(2 * RIFT_MAX_JWT);
        const uint8_t *sep;

        if (size == 0)
                return 0;
        rift_clock_fake_start(NOW_MS);
        if ((data[0] & 1) == 0) {
                verify_one((const char *)data + 1, size - 1);
        } else {
                sep = memchr(data + 1, '\0', size - 1);
                if (sep && build_signed(data + 1, (size_t)(sep - data - 1), sep + 1,
                                        size - (size_t)(sep - data) - 1, &b) == 0)
                        verify_one(b.data, b.len);
        }
        rift_buf_free(&b);
        rift_clock_fake_stop();
        return 0;
}
