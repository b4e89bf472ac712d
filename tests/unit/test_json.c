#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"

static int parse(const char *s, cJSON **ret)
{
        return rift_json_parse_object(s, strlen(s), 1024, NULL, ret);
}

static void parse_object_ok(void **state)
{
        _cleanup_json_ cJSON *o = NULL;
        const char *s;

        assert_int_equal(parse(" {\"username\":\"admin\",\"n\":3} \n", &o), 0);
        assert_int_equal(rift_json_get_string(o, "username", &s), 0);
        assert_string_equal(s, "admin");
}

/* Table of bodies that must be refused, with the code and the start of the reason. */
static void parse_rejects(void **state)
{
        static const struct {
                const char *body;
                int code;
                const char *reason;
        } cases[] = {
                { "", RIFT_E_PARSE, "empty body" },
                { "{", RIFT_E_PARSE, "invalid JSON" },
                { "{\"a\":1,}", RIFT_E_PARSE, "invalid JSON" },
                { "{\"a\":1} {}", RIFT_E_PARSE, "trailing data" },
                { "{\"a\":1} x", RIFT_E_PARSE, "trailing data" },
                { "[1,2]", RIFT_E_INVALID, "JSON body is not an object" },
                { "\"str\"", RIFT_E_INVALID, "JSON body is not an object" },
                { "null", RIFT_E_INVALID, "JSON body is not an object" },
                { "{\"a\":\"\xc3\x28\"}", RIFT_E_PARSE, "invalid UTF-8" },
                { "{\"a\":\"\xed\xa0\x80\"}", RIFT_E_PARSE, "invalid UTF-8" }, /* surrogate */
                { "{\"a\":\"ad\\u0000min\"}", RIFT_E_PARSE, "NUL character" },
                { "{'a':1}", RIFT_E_PARSE, "invalid JSON" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct rift_json_error e = { .msg = "" };
                cJSON *o = NULL;
                int r = rift_json_parse_object(cases[i].body, strlen(cases[i].body), 1024, &e, &o);

                if (r != cases[i].code || strncmp(e.msg, cases[i].reason, strlen(cases[i].reason)) != 0)
                        fail_msg("case %zu (%s): got %d '%s'", i, cases[i].body, r, e.msg);
                assert_null(o);
        }
}

static void escaped_backslash_before_u0000_is_fine(void **state)
{
        _cleanup_json_ cJSON *o = NULL;
        const char *s;

        /* "\\u0000" is a backslash followed by the text u0000, not a NUL */
        assert_int_equal(parse("{\"a\":\"\\\\u0000\"}", &o), 0);
        assert_int_equal(rift_json_get_string(o, "a", &s), 0);
        assert_string_equal(s, "\\u0000");
}

static void size_limit(void **state)
{
        struct rift_json_error e;
        cJSON *o = NULL;
        const char *body = "{\"a\":\"0123456789\"}";

        assert_int_equal(rift_json_parse_object(body, strlen(body), strlen(body) - 1, &e, &o), RIFT_E_TOOBIG);
        assert_int_equal(rift_json_parse_object(body, strlen(body), strlen(body), &e, &o), 0);
        cJSON_Delete(o);
}

/* {"a":[[...]]} with `levels` levels of nesting in total. */
static size_t nested(char *out, unsigned levels)
{
        size_t n = 0;

        memcpy(out, "{\"a\":", 5);
        n = 5;
        for (unsigned i = 1; i < levels; i++)
                out[n++] = '[';
        for (unsigned i = 1; i < levels; i++)
                out[n++] = ']';
        out[n++] = '}';
        return n;
}

static void depth_limit(void **state)
{
        char deep[2 * RIFT_MAX_JSON_DEPTH + 16];
        struct rift_json_error e;
        cJSON *o = NULL;
        size_t n;

        /* exactly the limit parses; one more level is refused before cJSON recurses */
        n = nested(deep, RIFT_MAX_JSON_DEPTH);
        assert_int_equal(rift_json_parse_object(deep, n, sizeof(deep), &e, &o), 0);
        cJSON_Delete(o);
        o = NULL;
        n = nested(deep, RIFT_MAX_JSON_DEPTH + 1);
        assert_int_equal(rift_json_parse_object(deep, n, sizeof(deep), &e, &o), RIFT_E_PARSE);
        assert_string_equal(e.msg, "nesting too deep");
        assert_null(o);
}

static void brackets_inside_strings_do_not_count(void **state)
{
        char body[4 * RIFT_MAX_JSON_DEPTH + 32];
        size_t n = 0;
        _cleanup_json_ cJSON *o = NULL;

        n += (size_t)snprintf(body, sizeof(body), "{\"a\":\"");
        for (unsigned i = 0; i < 2 * RIFT_MAX_JSON_DEPTH; i++)
                body[n++] = '[';
        body[n++] = '"';
        body[n++] = '}';
        assert_int_equal(rift_json_parse_object(body, n, sizeof(body), NULL, &o), 0);
}

static void getters_tell_missing_from_wrong_type(void **state)
{
        _cleanup_json_ cJSON *o = NULL;
        const char *s;
        bool b;
        int64_t i;
        double d;
        const cJSON *sub;

        assert_int_equal(parse("{\"s\":\"x\",\"n\":42,\"f\":1.5,\"b\":true,\"z\":null,\"o\":{},\"a\":[],"
                               "\"big\":9007199254740993,\"neg\":-7}",
                               &o),
                         0);
        assert_int_equal(rift_json_get_string(o, "missing", &s), -ENOENT);
        assert_int_equal(rift_json_get_string(o, "z", &s), -ENOENT); /* null counts as missing */
        assert_int_equal(rift_json_get_string(o, "n", &s), RIFT_E_INVALID);
        assert_int_equal(rift_json_get_bool(o, "b", &b), 0);
        assert_true(b);
        assert_int_equal(rift_json_get_bool(o, "s", &b), RIFT_E_INVALID);
        assert_int_equal(rift_json_get_int64(o, "n", &i), 0);
        assert_int_equal(i, 42);
        assert_int_equal(rift_json_get_int64(o, "neg", &i), 0);
        assert_int_equal(i, -7);
        assert_int_equal(rift_json_get_int64(o, "f", &i), RIFT_E_INVALID);   /* fraction */
        assert_int_equal(rift_json_get_int64(o, "big", &i), RIFT_E_INVALID); /* beyond 2^53 */
        assert_int_equal(rift_json_get_int64(o, "s", &i), RIFT_E_INVALID);
        assert_int_equal(rift_json_get_double(o, "f", &d), 0);
        assert_true(d == 1.5);
        assert_int_equal(rift_json_get_object(o, "o", &sub), 0);
        assert_int_equal(rift_json_get_object(o, "a", &sub), RIFT_E_INVALID);
        assert_int_equal(rift_json_get_array(o, "a", &sub), 0);
        assert_int_equal(rift_json_get_array(o, "nope", &sub), -ENOENT);
        /* keys are case-sensitive, like Go's strict decoding of Litmus's field names */
        assert_int_equal(rift_json_get_string(o, "S", &s), -ENOENT);
}

static void strict_fields(void **state)
{
        static const char *const allowed[] = { "username", "password" };
        _cleanup_json_ cJSON *ok = NULL, *extra = NULL, *dup = NULL;
        const char *bad = NULL;

        assert_int_equal(parse("{\"username\":\"a\",\"password\":\"b\"}", &ok), 0);
        assert_int_equal(rift_json_check_fields(ok, allowed, ARRAY_SIZE(allowed), &bad), 0);

        assert_int_equal(parse("{\"username\":\"a\",\"role\":\"admin\"}", &extra), 0);
        assert_int_equal(rift_json_check_fields(extra, allowed, ARRAY_SIZE(allowed), &bad), RIFT_E_INVALID);
        assert_string_equal(bad, "role");

        /* a repeated key could smuggle a second value past a check of the first */
        assert_int_equal(parse("{\"username\":\"a\",\"username\":\"admin\"}", &dup), 0);
        bad = NULL;
        assert_int_equal(rift_json_check_fields(dup, allowed, ARRAY_SIZE(allowed), &bad), RIFT_E_INVALID);
        assert_string_equal(bad, "username");
}

static void format_into_capped_buffer(void **state)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        _cleanup_buf_ struct rift_buf big = RIFT_BUF_INIT(256);
        _cleanup_buf_ struct rift_buf small = RIFT_BUF_INIT(8);

        assert_int_equal(rift_json_add_string(o, "error", "invalid_request"), 0);
        assert_int_equal(rift_json_add_int64(o, "n", -3), 0);
        assert_int_equal(rift_json_add_bool(o, "ok", false), 0);
        assert_int_equal(rift_json_format(o, &big), 0);
        assert_string_equal(big.data, "{\"error\":\"invalid_request\",\"n\":-3,\"ok\":false}");
        assert_int_equal(rift_json_format(o, &small), RIFT_E_TOOBIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_object_ok),
                cmocka_unit_test(parse_rejects),
                cmocka_unit_test(escaped_backslash_before_u0000_is_fine),
                cmocka_unit_test(size_limit),
                cmocka_unit_test(depth_limit),
                cmocka_unit_test(brackets_inside_strings_do_not_count),
                cmocka_unit_test(getters_tell_missing_from_wrong_type),
                cmocka_unit_test(strict_fields),
                cmocka_unit_test(format_into_capped_buffer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
