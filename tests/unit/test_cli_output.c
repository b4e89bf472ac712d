// link: cli/output.c cli/ctlconfig.c
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/ctlconfig.h"
#include "cli/output.h"
#include "lib/error.h"
#include "lib/json.h"

static const struct output_column cols[] = {
        { "ID", "id" },
        { "NAME", "name" },
        { "N", "n" },
};

static cJSON *rows_of(const char *json)
{
        cJSON *v = cJSON_Parse(json);

        assert_non_null(v);
        return v;
}

static char *table(const char *json, size_t width)
{
        _cleanup_json_ cJSON *rows = rows_of(json);
        struct rift_buf out = RIFT_BUF_INIT(1u << 20);

        assert_int_equal(output_table(rows, cols, ARRAY_SIZE(cols), width, &out), 0);
        return rift_buf_steal(&out);
}

static void table_cases(void **state)
{
        static const struct {
                const char *rows;   /* JSON array of row objects */
                size_t width;       /* terminal width, 0 = none */
                const char *expect; /* the whole table */
        } cases[] = {
                /* natural widths, two spaces apart, no trailing blanks */
                { "[{\"id\":\"a1\",\"name\":\"alpha\",\"n\":3},{\"id\":\"b\",\"name\":\"be\",\"n\":12}]", 0,
                  "ID  NAME   N\na1  alpha  3\nb   be     12\n" },
                /* missing, null, bool, fraction */
                { "[{\"id\":null,\"name\":true,\"n\":1.5},{}]", 0,
                  "ID  NAME  N\n    true  1.5\n          \n" },
                /* the widest column shrinks with an ellipsis until the line fits */
                { "[{\"id\":\"x\",\"name\":\"abcdefghijklmnop\",\"n\":1}]", 15,
                  "ID  NAME      N\nx   abcdefg…  1\n" },
                /* never below three characters a column (headers are cut too): a too narrow terminal still prints */
                { "[{\"id\":\"long-id\",\"name\":\"long-name\",\"n\":\"long-n\"}]", 5,
                  "ID   NA…  N\nlo…  lo…  lo…\n" },
                /* UTF-8 counts by characters; control bytes are made harmless */
                { "[{\"id\":\"\\u00e9t\\u00e9\",\"name\":\"a\\u001b[31mb\",\"n\":0}]", 0,
                  "ID   NAME     N\n\xc3\xa9t\xc3\xa9  a?[31mb  0\n" },
                /* an empty list prints the header */
                { "[]", 0, "ID  NAME  N\n" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *t = table(cases[i].rows, cases[i].width);
                if (strcmp(t, cases[i].expect) != 0)
                        fail_msg("case %zu:\n%s\n!=\n%s", i, t, cases[i].expect);
                free(t);
        }
}

static void table_fits_every_width(void **state)
{
        for (size_t w = 13; w < 80; w++) /* 13: three columns of 3 and two gaps */ {
                char *t = table("[{\"id\":\"0123456789abcdef\",\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
                                "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\",\"n\":123456789}]",
                                w);
                char *save = NULL;
                for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                        assert_true(output_text_width(line, strlen(line)) <= w);
                free(t);
        }
}

static void table_rejects_bad_input(void **state)
{
        _cleanup_json_ cJSON *obj = rows_of("{}");
        struct rift_buf out = RIFT_BUF_INIT(64);

        assert_int_equal(output_table(obj, cols, ARRAY_SIZE(cols), 0, &out), -EINVAL);
        assert_int_equal(output_table(obj, cols, 0, 0, &out), -EINVAL);
        rift_buf_free(&out);
}

static void json_and_yaml(void **state)
{
        _cleanup_json_ cJSON *v =
            rows_of("{\"a\":\"x\\\"y\",\"yes\":[1,{\"b\":[],\"c\":{}},[true,null]],\"e\":{}}");
        _cleanup_buf_ struct rift_buf j = RIFT_BUF_INIT(4096), y = RIFT_BUF_INIT(4096);

        assert_int_equal(output_json(v, &j), 0);
        assert_string_equal(j.data, "{\n  \"a\": \"x\\\"y\",\n  \"yes\": [\n    1,\n    {\n      \"b\": [],\n"
                                    "      \"c\": {}\n    },\n    [\n      true,\n      null\n    ]\n  ],\n"
                                    "  \"e\": {}\n}\n");
        assert_int_equal(output_yaml(v, &y), 0);
        assert_string_equal(y.data, "a: \"x\\\"y\"\n\"yes\":\n  - 1\n  - b: []\n    c: {}\n  -\n    - true\n"
                                    "    - null\n"
                                    "e: {}\n");
}

/* Multi-line strings print as literal blocks that read back the same; others stay quoted. */
static void yaml_literal_blocks(void **state)
{
        static const char *const texts[] = {
                "groups:\n  - steps: []\n", /* "|": one final newline */
                "a\n\n  b\nc",              /* "|-": none; blank and indented lines */
                "two\n\n",                  /* two final newlines: quoted */
                " lead\nx",                 /* a leading blank: quoted */
                "tab\there\nx",             /* a control character: quoted */
                "one line",
        };
        static const char *const starts[] = {
                "k: |\n  groups:\n", "k: |-\n  a\n\n    b\n  c\n", "k: \"", "k: \"", "k: \"", "k: \""
        };

        for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
                _cleanup_json_ cJSON *v = cJSON_CreateObject(), *back = NULL;
                _cleanup_buf_ struct rift_buf y = RIFT_BUF_INIT(4096);
                const char *msg = NULL;

                assert_non_null(cJSON_AddStringToObject(v, "k", texts[i]));
                assert_int_equal(output_yaml(v, &y), 0);
                assert_true(strncmp(y.data, starts[i], strlen(starts[i])) == 0);
                assert_int_equal(ctlconfig_yaml_to_json(y.data, y.len, false, &back, &msg), 0);
                assert_string_equal(cJSON_GetObjectItem(back, "k")->valuestring, texts[i]);
        }
}

static void format_names(void **state)
{
        enum output_format f = OUTPUT_TABLE;

        assert_int_equal(output_format_parse("json", &f), 0);
        assert_int_equal(f, OUTPUT_JSON);
        assert_int_equal(output_format_parse("yaml", &f), 0);
        assert_int_equal(f, OUTPUT_YAML);
        assert_int_equal(output_format_parse("table", &f), 0);
        assert_int_equal(f, OUTPUT_TABLE);
        assert_int_equal(output_format_parse("JSON", &f), -EINVAL);
        assert_int_equal(output_format_parse("", &f), -EINVAL);
}

static void terminal_width_from_columns(void **state)
{
        setenv("COLUMNS", "77", 1);
        assert_int_equal(output_terminal_width(), 77);
        setenv("COLUMNS", "abc", 1);
        assert_true(output_terminal_width() != 77);
        unsetenv("COLUMNS");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(table_cases),
                cmocka_unit_test(table_fits_every_width),
                cmocka_unit_test(table_rejects_bad_input),
                cmocka_unit_test(json_and_yaml),
                cmocka_unit_test(yaml_literal_blocks),
                cmocka_unit_test(format_names),
                cmocka_unit_test(terminal_width_from_columns),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
