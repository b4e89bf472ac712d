#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/crypto.h"
#include "lib/error.h"
#include "lib/limits_rift.h"

/* Largest random secret handed out as a string: 64 KiB of entropy is far past any use. */
#define RANDOM_SECRET_MAX (64u * 1024)

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_state = -1; /* sodium_init() result: 0 or 1 means ready */

static void sodium_init_once(void)
{
        sodium_state = sodium_init();
}

int rift_crypto_init(void)
{
        pthread_once(&sodium_once, sodium_init_once);
        return sodium_state < 0 ? RIFT_E_CRYPTO : 0;
}

int rift_crypto_random_bytes(void *buf, size_t n)
{
        int r = rift_crypto_init();

        if (r < 0)
                return r;
        if (!buf && n > 0)
                return -EINVAL;
        randombytes_buf(buf, n);
        return 0;
}

int rift_crypto_uuid4(char ret[RIFT_UUID_STRLEN + 1])
{
        static const char hex[] = "0123456789abcdef";
        uint8_t u[16];
        size_t o = 0;
        int r;

        r = rift_crypto_random_bytes(u, sizeof(u));
        if (r < 0)
                return r;
        u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
        u[8] = (u[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        for (size_t i = 0; i < sizeof(u); i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        ret[o++] = '-';
                ret[o++] = hex[u[i] >> 4];
                ret[o++] = hex[u[i] & 0x0f];
        }
        ret[o] = '\0';
        return 0;
}

bool rift_crypto_uuid_valid(const char *s)
{
        if (!s || strlen(s) != RIFT_UUID_STRLEN)
                return false;
        for (size_t i = 0; i < RIFT_UUID_STRLEN; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                char c = s[i];

                if (dash ? c != '-'
                         : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                        return false;
        }
        return true;
}

/* Draws n random bytes into a fresh heap buffer (wiped by the caller). */
static int random_scratch(size_t n_bytes, uint8_t **ret)
{
        uint8_t *raw;
        int r;

        if (n_bytes == 0 || n_bytes > RANDOM_SECRET_MAX)
                return -EINVAL;
        raw = malloc(n_bytes);
        if (!raw)
                return -ENOMEM;
        r = rift_crypto_random_bytes(raw, n_bytes);
        if (r < 0) {
                free(raw);
                return r;
        }
        *ret = raw;
        return 0;
}

int rift_crypto_random_hex(size_t n_bytes, char **ret)
{
        uint8_t *raw = NULL;
        char *s;
        int r;

        r = random_scratch(n_bytes, &raw);
        if (r < 0)
                return r;
        s = malloc(2 * n_bytes + 1);
        if (s)
                sodium_bin2hex(s, 2 * n_bytes + 1, raw, n_bytes);
        rift_crypto_zero(raw, n_bytes);
        free(raw);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int rift_crypto_random_b64url(size_t n_bytes, char **ret)
{
        uint8_t *raw = NULL;
        size_t size;
        char *s;
        int r;

        r = random_scratch(n_bytes, &raw);
        if (r < 0)
                return r;
        size = rift_b64url_encoded_len(n_bytes) + 1;
        s = malloc(size);
        if (s)
                r = rift_b64url_encode(raw, n_bytes, s, size);
        rift_crypto_zero(raw, n_bytes);
        free(raw);
        if (!s)
                return -ENOMEM;
        if (r < 0) {
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* ---- password hashing ----------------------------------------------------------------------------- */

void rift_pwhash_params_default(struct rift_pwhash_params *ret)
{
        ret->opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        ret->memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
}

void rift_pwhash_params_min(struct rift_pwhash_params *ret)
{
        ret->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        ret->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
}

/* Resolves NULL to the default and checks the limits against what libsodium accepts. */
static int pwhash_params_resolve(const struct rift_pwhash_params *in, struct rift_pwhash_params *ret)
{
        if (in)
                *ret = *in;
        else
                rift_pwhash_params_default(ret);
        if (ret->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
            ret->opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
            ret->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
            ret->memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
                return -EINVAL;
        return 0;
}

int rift_pwhash(const char *password, size_t len, const struct rift_pwhash_params *params,
                char ret_hash[RIFT_PWHASH_STRLEN])
{
        struct rift_pwhash_params p;
        char out[crypto_pwhash_STRBYTES];
        int r;

        _Static_assert(crypto_pwhash_STRBYTES <= RIFT_PWHASH_STRLEN, "hash buffer too small");
        r = rift_crypto_init();
        if (r < 0)
                return r;
        if (!password || len > RIFT_MAX_PASSWORD)
                return -EINVAL;
        r = pwhash_params_resolve(params, &p);
        if (r < 0)
                return r;
        if (crypto_pwhash_str_alg(out, password, len, p.opslimit, p.memlimit, crypto_pwhash_ALG_ARGON2ID13) !=
            0)
                return -ENOMEM; /* the only documented failure: memory could not be allocated */
        memcpy(ret_hash, out, sizeof(out));
        return 0;
}

int rift_pwhash_verify(const char *hash, const char *password, size_t len)
{
        if (rift_crypto_init() < 0)
                return RIFT_E_CRYPTO;
        if (!hash || !password || len > RIFT_MAX_PASSWORD ||
            strnlen(hash, RIFT_PWHASH_STRLEN) >= RIFT_PWHASH_STRLEN)
                return RIFT_E_AUTH;
        return crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 : RIFT_E_AUTH;
}

int rift_pwhash_needs_rehash(const char *hash, const struct rift_pwhash_params *params)
{
        struct rift_pwhash_params p;
        int r;

        r = rift_crypto_init();
        if (r < 0)
                return r;
        r = pwhash_params_resolve(params, &p);
        if (r < 0)
                return r;
        if (!hash || strnlen(hash, RIFT_PWHASH_STRLEN) >= RIFT_PWHASH_STRLEN)
                return RIFT_E_PARSE;
        if (strncmp(hash, "$argon2i$", 9) == 0)
                return 1; /* a valid argon2 hash of the older variant: rehash as argon2id */
        r = crypto_pwhash_str_needs_rehash(hash, p.opslimit, p.memlimit);
        if (r < 0)
                return RIFT_E_PARSE;
        return r ? 1 : 0;
}

/* ---- comparison and wiping ------------------------------------------------------------------------ */

bool rift_crypto_memeq(const void *a, const void *b, size_t n)
{
        if (n == 0)
                return true;
        return sodium_memcmp(a, b, n) == 0;
}

bool rift_crypto_streq(const char *a, const char *b)
{
        size_t la, lb;

        if (!a || !b)
                return false;
        la = strlen(a);
        lb = strlen(b);
        if (la != lb)
                return false;
        return rift_crypto_memeq(a, b, la);
}

void rift_crypto_zero(void *p, size_t n)
{
        if (p && n > 0)
                sodium_memzero(p, n);
}

void rift_crypto_free_str(char *s)
{
        if (!s)
                return;
        rift_crypto_zero(s, strlen(s));
        free(s);
}

/* ---- base64url ------------------------------------------------------------------------------------ */

static const char b64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t rift_b64url_encoded_len(size_t n)
{
        return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t rift_b64url_decoded_max(size_t len)
{
        return len / 4 * 3 + (len % 4) * 3 / 4;
}

int rift_b64url_encode(const void *data, size_t len, char *out, size_t out_size)
{
        const uint8_t *in = data;
        size_t need = rift_b64url_encoded_len(len), o = 0;
        uint32_t acc = 0;
        unsigned bits = 0;

        if (len > (size_t)INT32_MAX / 2 || out_size < need + 1)
                return RIFT_E_TOOBIG;
        for (size_t i = 0; i < len; i++) {
                acc = (acc << 8) | in[i];
                bits += 8;
                while (bits >= 6) {
                        bits -= 6;
                        out[o++] = b64url_alphabet[(acc >> bits) & 0x3f];
                }
        }
        if (bits > 0)
                out[o++] = b64url_alphabet[(acc << (6 - bits)) & 0x3f];
        out[o] = '\0';
        return (int)o;
}

int rift_b64url_encode_buf(struct rift_buf *b, const void *data, size_t len)
{
        size_t need = rift_b64url_encoded_len(len);
        int r;

        r = rift_buf_reserve(b, need + 1);
        if (r < 0)
                return r;
        r = rift_b64url_encode(data, len, b->data + b->len, b->cap - b->len);
        if (r < 0)
                return r;
        b->len += (size_t)r;
        return 0;
}

/* Value of one base64url character, or -1. Tokens are public, so data-dependent branches are fine. */
static int b64url_value(unsigned char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '-')
                return 62;
        if (c == '_')
                return 63;
        return -1;
}

int rift_b64url_decode(const char *s, size_t len, void *out, size_t out_size, size_t *ret_len)
{
        uint8_t *o = out;
        uint32_t acc = 0;
        unsigned bits = 0;
        size_t n = 0;

        if (len % 4 == 1)
                return RIFT_E_PARSE; /* 6 bits cannot encode a byte */
        if (rift_b64url_decoded_max(len) > out_size)
                return RIFT_E_TOOBIG;
        for (size_t i = 0; i < len; i++) {
                int v = b64url_value((unsigned char)s[i]);

                if (v < 0)
                        return RIFT_E_PARSE;
                acc = (acc << 6) | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        o[n++] = (uint8_t)(acc >> bits);
                }
        }
        if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
                return RIFT_E_PARSE; /* non-zero padding bits: not the canonical encoding */
        *ret_len = n;
        return 0;
}
