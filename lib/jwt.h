/* JSON Web Tokens (RFC 7519) signed with HMAC-SHA512, and nothing else.
 *
 * A token is base64url(header) "." base64url(claims) "." base64url(HMAC-SHA512(key, first two parts)).
 * The header is exactly {"alg":"HS512","typ":"JWT","kid":"<key id>"} ("typ" optional when verifying);
 * the key id lets the verifier pick one key among several, so keys can be rotated: sign with the new
 * key, keep the old one in the verification set until its tokens have expired.
 *
 * Verification is strict and refuses: any alg other than HS512 (none, HS256, RS256, missing), any header
 * member other than alg/typ/kid, duplicate JSON members, a missing or unknown kid, anything but three
 * segments, non-canonical base64url, non-JSON or non-object parts, a wrong signature (compared in
 * constant time), a missing or passed "exp", an "nbf" in the future, and tokens over RIFT_MAX_JWT.
 * Times are JWT NumericDates (seconds since the epoch) checked against rift_now_ms() (lib/clock.h).
 * Nothing here logs a token or a key. */
#ifndef RIFT_JWT_H
#define RIFT_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define RIFT_JWT_MIN_SECRET 32u /* shortest HMAC key accepted, in bytes (256 bits) */

/* One signing/verification key. */
struct rift_jwt_key {
        const char *kid;       /* key id written in the header: 1..RIFT_MAX_ID chars of [A-Za-z0-9._-] */
        const uint8_t *secret; /* HMAC key bytes */
        size_t secret_len;     /* at least RIFT_JWT_MIN_SECRET */
};

/* Why a token was refused, so the caller can answer "expired" rather than "invalid". */
enum rift_jwt_reason {
        RIFT_JWT_OK = 0,
        RIFT_JWT_TOO_LONG,      /* longer than the limit */
        RIFT_JWT_MALFORMED,     /* segments, base64url, JSON, duplicate members, claim types */
        RIFT_JWT_BAD_ALG,       /* alg is not HS512, or typ is not JWT, or an unknown header member */
        RIFT_JWT_UNKNOWN_KID,   /* kid missing or not among the verification keys */
        RIFT_JWT_BAD_SIGNATURE, /* HMAC does not match */
        RIFT_JWT_EXPIRED,       /* exp missing, or exp <= now - leeway */
        RIFT_JWT_NOT_YET_VALID, /* nbf > now + leeway */
        _RIFT_JWT_REASON_MAX,
};

/* Looks a key up by id; returns NULL if unknown. */
typedef const struct rift_jwt_key *(*rift_jwt_key_lookup_fn)(const char *kid, void *userdata);

struct rift_jwt_verify_opts {
        const struct rift_jwt_key *keys; /* candidate keys, searched by kid (used when lookup is NULL) */
        size_t n_keys;                   /* entries in keys */
        rift_jwt_key_lookup_fn lookup;   /* optional: overrides keys */
        void *userdata;                  /* passed to lookup */
        int64_t leeway_ms;               /* clock skew tolerated for exp and nbf; 0 by default */
        size_t max_len;                  /* 0 means RIFT_MAX_JWT; values above it are capped to it */
};

/* Signs claims (a JSON object; normally uid, username, role, exp, jti) with key. The header's kid is
 * key->kid. Returns 0 and a newly allocated NUL-terminated token, RIFT_E_INVALID for a bad key or
 * non-object claims, RIFT_E_TOOBIG if the token would exceed RIFT_MAX_JWT, -ENOMEM, RIFT_E_CRYPTO. */
int rift_jwt_sign(const struct rift_jwt_key *key, const cJSON *claims, char **ret_token);

/* Verifies a token of len bytes (need not be NUL-terminated). On success returns 0, the claims as a new
 * cJSON object in *ret_claims (caller frees with cJSON_Delete; may be NULL if not wanted) and the kid
 * of the key that matched in *ret_kid (optional, NULL-able, a buffer of RIFT_MAX_ID + 1 bytes).
 * On refusal returns RIFT_E_AUTH and, if reason is not NULL, writes why. -ENOMEM and -EINVAL (bad
 * opts) are returned as such. */
int rift_jwt_verify(const char *token, size_t len, const struct rift_jwt_verify_opts *opts,
                    cJSON **ret_claims, char *ret_kid, enum rift_jwt_reason *reason);

/* Stable token for a reason ("expired", "bad_signature", ...), for logs and error bodies. */
const char *rift_jwt_reason_name(enum rift_jwt_reason r);

#endif
