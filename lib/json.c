/* JSON helpers over cJSON: see json.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

/* 2^53: from here on a double cannot tell neighbouring integers apart, so cJSON may have lost digits. */
#define JSON_UNSAFE_INT 9007199254740992.0

static int fail(struct rift_json_error *err, int code, size_t offset, const char *msg)
{
        if (err) {
                rift_strlcpy(err->msg, msg, sizeof(err->msg));
                err->offset = offset;
        }
        return code;
}

/* Checks what cJSON does not: nesting depth, and "\u0000" escapes that would silently cut a string
 * short. Walks the bytes once, tracking whether it is inside a string literal. */
static int prescan(const char *data, size_t len, struct rift_json_error *err)
{
        unsigned depth = 0;
        bool in_string = false;

        for (size_t i = 0; i < len; i++) {
                char c = data[i];

                if (in_string) {
                        if (c == '\\' && i + 1 < len) {
                                if (data[i + 1] == 'u' && i + 5 < len && memcmp(data + i + 2, "0000", 4) == 0)
                                        return fail(err, RIFT_E_PARSE, i, "NUL character in string");
                                i++;
                        } else if (c == '"') {
                                in_string = false;
                        }
                } else if (c == '"') {
                        in_string = true;
                } else if (c == '[' || c == '{') {
                        if (++depth > RIFT_MAX_JSON_DEPTH)
                                return fail(err, RIFT_E_PARSE, i, "nesting too deep");
                } else if ((c == ']' || c == '}') && depth > 0) {
                        depth--;
                }
        }
        return 0;
}

static bool only_space(const char *p, const char *end)
{
        for (; p < end; p++)
                if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
                        return false;
        return true;
}

int rift_json_parse_value(const char *data, size_t len, size_t max_len, struct rift_json_error *err,
                          cJSON **ret)
{
        const char *end = NULL;
        cJSON *v;
        int r;

        if (!data && len > 0)
                return -EINVAL;
        if (len > max_len)
                return fail(err, RIFT_E_TOOBIG, max_len, "body too large");
        if (len == 0)
                return fail(err, RIFT_E_PARSE, 0, "empty body");
        if (!rift_utf8_valid(data, len))
                return fail(err, RIFT_E_PARSE, 0, "invalid UTF-8");
        r = prescan(data, len, err);
        if (r < 0)
                return r;

        v = cJSON_ParseWithLengthOpts(data, len, &end, false);
        if (!v) {
                size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
                return fail(err, RIFT_E_PARSE, off, "invalid JSON");
        }
        if (!only_space(end, data + len)) {
                cJSON_Delete(v);
                return fail(err, RIFT_E_PARSE, (size_t)(end - data), "trailing data after JSON value");
        }
        *ret = v;
        return 0;
}

int rift_json_parse_object(const char *data, size_t len, size_t max_len, struct rift_json_error *err,
                           cJSON **ret)
{
        cJSON *v = NULL;
        int r;

        r = rift_json_parse_value(data, len, max_len, err, &v);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(v)) {
                cJSON_Delete(v);
                return fail(err, RIFT_E_INVALID, 0, "JSON body is not an object");
        }
        *ret = v;
        return 0;
}

/* The item for key, or NULL when absent or JSON null (both count as "missing"). */
static const cJSON *item(const cJSON *obj, const char *key)
{
        const cJSON *v;

        if (!cJSON_IsObject(obj) || !key)
                return NULL;
        v = cJSON_GetObjectItemCaseSensitive(obj, key);
        return cJSON_IsNull(v) ? NULL : v;
}

int rift_json_get_string(const cJSON *obj, const char *key, const char **ret)
{
        const cJSON *v = item(obj, key);

        if (!v)
                return -ENOENT;
        if (!cJSON_IsString(v) || !v->valuestring)
                return RIFT_E_INVALID;
        *ret = v->valuestring;
        return 0;
}

int rift_json_get_bool(const cJSON *obj, const char *key, bool *ret)
{
        const cJSON *v = item(obj, key);

        if (!v)
                return -ENOENT;
        if (!cJSON_IsBool(v))
                return RIFT_E_INVALID;
        *ret = cJSON_IsTrue(v);
        return 0;
}

int rift_json_get_int64(const cJSON *obj, const char *key, int64_t *ret)
{
        const cJSON *v = item(obj, key);
        double d;

        if (!v)
                return -ENOENT;
        if (!cJSON_IsNumber(v))
                return RIFT_E_INVALID;
        d = v->valuedouble;
        if (!isfinite(d) || d != trunc(d) || fabs(d) >= JSON_UNSAFE_INT)
                return RIFT_E_INVALID;
        *ret = (int64_t)d;
        return 0;
}

int rift_json_get_double(const cJSON *obj, const char *key, double *ret)
{
        const cJSON *v = item(obj, key);

        if (!v)
                return -ENOENT;
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
                return RIFT_E_INVALID;
        *ret = v->valuedouble;
        return 0;
}

int rift_json_get_object(const cJSON *obj, const char *key, const cJSON **ret)
{
        const cJSON *v = item(obj, key);

        if (!v)
                return -ENOENT;
        if (!cJSON_IsObject(v))
                return RIFT_E_INVALID;
        *ret = v;
        return 0;
}

int rift_json_get_array(const cJSON *obj, const char *key, const cJSON **ret)
{
        const cJSON *v = item(obj, key);

        if (!v)
                return -ENOENT;
        if (!cJSON_IsArray(v))
                return RIFT_E_INVALID;
        *ret = v;
        return 0;
}

static bool key_allowed(const char *key, const char *const *allowed, size_t n_allowed)
{
        for (size_t i = 0; i < n_allowed; i++)
                if (allowed[i] && strcmp(allowed[i], key) == 0)
                        return true;
        return false;
}

static bool key_repeated(const cJSON *first, const cJSON *v)
{
        for (const cJSON *p = first; p && p != v; p = p->next)
                if (strcmp(p->string, v->string) == 0)
                        return true;
        return false;
}

int rift_json_check_fields(const cJSON *obj, const char *const *allowed, size_t n_allowed,
                           const char **ret_key)
{
        if (!cJSON_IsObject(obj))
                return RIFT_E_INVALID;
        for (const cJSON *v = obj->child; v; v = v->next) {
                if (!v->string || !key_allowed(v->string, allowed, n_allowed) ||
                    key_repeated(obj->child, v)) {
                        if (ret_key)
                                *ret_key = v->string ? v->string : "";
                        return RIFT_E_INVALID;
                }
        }
        return 0;
}

int rift_json_format(const cJSON *v, struct rift_buf *out)
{
        _cleanup_free_ char *s = NULL;

        if (!v || !out)
                return -EINVAL;
        s = cJSON_PrintUnformatted(v);
        if (!s)
                return -ENOMEM;
        return rift_buf_append_str(out, s);
}

int rift_json_add_string(cJSON *obj, const char *key, const char *value)
{
        return cJSON_AddStringToObject(obj, key, value ? value : "") ? 0 : -ENOMEM;
}

int rift_json_add_int64(cJSON *obj, const char *key, int64_t value)
{
        return cJSON_AddNumberToObject(obj, key, (double)value) ? 0 : -ENOMEM;
}

int rift_json_add_bool(cJSON *obj, const char *key, bool value)
{
        return cJSON_AddBoolToObject(obj, key, value) ? 0 : -ENOMEM;
}
