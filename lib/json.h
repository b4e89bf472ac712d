/* JSON helpers over cJSON: bounded parsing with clear errors, typed getters that tell "missing" from
 * "wrong type", strict field checking (Litmus rejects unknown fields), and serialization to a rift_buf.
 *
 *   _cleanup_json_ cJSON *obj = NULL;
 *   struct rift_json_error e;
 *   r = rift_json_parse_object(body, len, RIFT_MAX_HTTP_BODY, &e, &obj);   // e.msg says why on failure
 *   r = rift_json_check_fields(obj, allowed, ARRAY_SIZE(allowed), &unknown);
 *   r = rift_json_get_string(obj, "username", &name);  // -ENOENT if absent/null, RIFT_E_INVALID if not a string
 */
#ifndef RIFT_JSON_H
#define RIFT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/macro.h"

/* Why a parse failed, for error bodies ("invalid JSON at offset 12: ..."). */
struct rift_json_error {
        char msg[128]; /* human-readable reason, NUL-terminated */
        size_t offset; /* byte offset in the input where the problem was found */
};

/* Parses exactly len bytes (need not be NUL-terminated) holding one JSON object, with nothing but
 * whitespace after it. Returns RIFT_E_TOOBIG if len > max_len, RIFT_E_PARSE for a syntax error, invalid
 * UTF-8 or nesting deeper than RIFT_MAX_JSON_DEPTH, RIFT_E_INVALID if the value is not an object,
 * -ENOMEM. err (may be NULL) is filled on failure. */
int rift_json_parse_object(const char *data, size_t len, size_t max_len, struct rift_json_error *err,
                           cJSON **ret);
/* Same checks, but any JSON value is accepted at the top level. */
int rift_json_parse_value(const char *data, size_t len, size_t max_len, struct rift_json_error *err,
                          cJSON **ret);

/* Typed getters on an object. Missing key or JSON null -> -ENOENT; wrong type -> RIFT_E_INVALID.
 * Strings point into obj (valid while obj lives). */
int rift_json_get_string(const cJSON *obj, const char *key, const char **ret);
int rift_json_get_bool(const cJSON *obj, const char *key, bool *ret);
/* An integral number that fits int64 exactly (no fraction, |v| < 2^53); otherwise RIFT_E_INVALID. */
int rift_json_get_int64(const cJSON *obj, const char *key, int64_t *ret);
int rift_json_get_double(const cJSON *obj, const char *key, double *ret);
int rift_json_get_object(const cJSON *obj, const char *key, const cJSON **ret);
int rift_json_get_array(const cJSON *obj, const char *key, const cJSON **ret);

/* Strict schema check: every key of obj must be in allowed[0..n_allowed) and no key may repeat.
 * Returns 0, or RIFT_E_INVALID with *ret_key (may be NULL) naming the offending key (valid while obj
 * lives). RIFT_E_INVALID also if obj is not an object. */
int rift_json_check_fields(const cJSON *obj, const char *const *allowed, size_t n_allowed,
                           const char **ret_key);

/* Appends the compact serialization of v to out. RIFT_E_TOOBIG if it does not fit out's cap. */
int rift_json_format(const cJSON *v, struct rift_buf *out);

/* Adders that report allocation failure as -ENOMEM (cJSON returns NULL). */
int rift_json_add_string(cJSON *obj, const char *key, const char *value);
int rift_json_add_int64(cJSON *obj, const char *key, int64_t value);
int rift_json_add_bool(cJSON *obj, const char *key, bool value);

DEFINE_CLEANUP_FUNC(cJSON, cJSON_Delete)
#define _cleanup_json_ _cleanup_(cJSON_Deletep)

#endif
