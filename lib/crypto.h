/* Cryptographic helpers on libsodium: random ids and secrets, argon2id password hashes, constant-time
 * comparison, secure zeroing and strict base64url (RFC 4648 section 5, no padding).
 *
 * Every function initialises libsodium on first use (rift_crypto_init() is idempotent), so callers
 * never need to; services still call it once at start-up to fail early. Nothing here logs secrets. */
#ifndef RIFT_CRYPTO_H
#define RIFT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define RIFT_UUID_STRLEN   36u  /* "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", without the NUL */
#define RIFT_PWHASH_STRLEN 128u /* buffer size for an encoded argon2id hash, NUL included */

/* Initialises libsodium once; safe to call many times and from several threads. 0 or RIFT_E_CRYPTO. */
int rift_crypto_init(void);

/* ---- randomness ---------------------------------------------------------------------------------- */
/* Fills buf with n cryptographically secure random bytes. */
int rift_crypto_random_bytes(void *buf, size_t n);
/* A random (version 4, RFC 4122 variant) UUID in lower-case hex, NUL-terminated. */
int rift_crypto_uuid4(char ret[RIFT_UUID_STRLEN + 1]);
/* True if s is a lower- or upper-case UUID string of the 8-4-4-4-12 form (any version). */
bool rift_crypto_uuid_valid(const char *s);
/* n_bytes random bytes as a newly allocated lower-case hex string (2 * n_bytes characters). */
int rift_crypto_random_hex(size_t n_bytes, char **ret);
/* n_bytes random bytes as a newly allocated base64url string without padding. */
int rift_crypto_random_b64url(size_t n_bytes, char **ret);

/* ---- password hashing (argon2id) ------------------------------------------------------------------ */
struct rift_pwhash_params {
        uint64_t opslimit; /* argon2id passes; libsodium's crypto_pwhash_OPSLIMIT_* */
        size_t memlimit;   /* argon2id memory in bytes; libsodium's crypto_pwhash_MEMLIMIT_* */
};

/* libsodium's INTERACTIVE limits (2 passes, 64 MiB): the production default. */
void rift_pwhash_params_default(struct rift_pwhash_params *ret);
/* libsodium's minimum limits (1 pass, 8 KiB): for tests only. */
void rift_pwhash_params_min(struct rift_pwhash_params *ret);

/* Hashes a password (len bytes, at most RIFT_MAX_PASSWORD) into an encoded "$argon2id$..." string.
 * params NULL means the default. -EINVAL for bad limits, -ENOMEM if the memory cannot be had. */
int rift_pwhash(const char *password, size_t len, const struct rift_pwhash_params *params,
                char ret_hash[RIFT_PWHASH_STRLEN]);
/* 0 if the password matches the encoded hash, RIFT_E_AUTH if not (or if the hash is malformed). */
int rift_pwhash_verify(const char *hash, const char *password, size_t len);
/* 1 if hash was made with other parameters (or another algorithm) than params (NULL: default), 0 if
 * not, RIFT_E_PARSE if hash is not an encoded argon2 hash. */
int rift_pwhash_needs_rehash(const char *hash, const struct rift_pwhash_params *params);

/* ---- comparison and wiping ------------------------------------------------------------------------ */
/* Constant-time (in n) equality of two byte arrays. */
bool rift_crypto_memeq(const void *a, const void *b, size_t n);
/* Equality of two strings, constant-time in the contents; the lengths may leak. NULL never matches. */
bool rift_crypto_streq(const char *a, const char *b);
/* Zeroes memory in a way the compiler cannot optimise away. Accepts NULL. */
void rift_crypto_zero(void *p, size_t n);
/* Zeroes a NUL-terminated string then frees it. Accepts NULL. */
void rift_crypto_free_str(char *s);

/* ---- base64url without padding -------------------------------------------------------------------- */
/* Characters needed to encode n bytes (no NUL). */
size_t rift_b64url_encoded_len(size_t n);
/* Upper bound of the bytes a len-character input decodes to. */
size_t rift_b64url_decoded_max(size_t len);
/* Encodes len bytes into out (out_size must hold rift_b64url_encoded_len(len) + 1 for the NUL).
 * Returns the number of characters written (>= 0) or RIFT_E_TOOBIG. */
int rift_b64url_encode(const void *data, size_t len, char *out, size_t out_size);
/* Appends the encoding of len bytes to a buffer. */
int rift_b64url_encode_buf(struct rift_buf *b, const void *data, size_t len);
/* Strict decoding of exactly len characters: only [A-Za-z0-9_-], no padding, no whitespace, and the
 * unused trailing bits must be zero (one encoding per value). Returns RIFT_E_PARSE on any deviation,
 * RIFT_E_TOOBIG if out is too small; on success writes the decoded size to *ret_len. */
int rift_b64url_decode(const char *s, size_t len, void *out, size_t out_size, size_t *ret_len);

#endif
