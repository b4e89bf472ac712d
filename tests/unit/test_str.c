#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/str.h"

static void strlcpy_truncates_and_reports(void **state)
{
        char small[4];

        assert_int_equal(rift_strlcpy(small, "abc", sizeof(small)), 0);
        assert_string_equal(small, "abc");
        assert_int_equal(rift_strlcpy(small, "abcd", sizeof(small)), RIFT_E_TOOBIG);
        assert_string_equal(small, "abc");
}

static void int_parsing_is_strict(void **state)
{
        static const struct {
                const char *in;   /* input text */
                int64_t min, max; /* accepted range */
                int ret;          /* expected return */
                int64_t val;      /* expected value when ret == 0 */
        } cases[] = {
                { "42", 0, 100, 0, 42 },
                { "-5", -10, 10, 0, -5 },
                { "", 0, 10, RIFT_E_PARSE, 0 },
                { " 1", 0, 10, RIFT_E_PARSE, 0 },
                { "1 ", 0, 10, RIFT_E_PARSE, 0 },
                { "12abc", 0, 100, RIFT_E_PARSE, 0 },
                { "101", 0, 100, -ERANGE, 0 },
                { "99999999999999999999", 0, INT64_MAX, -ERANGE, 0 },
                { "0x10", 0, 100, RIFT_E_PARSE, 0 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int64_t v = -1;
                int r = rift_parse_int64(cases[i].in, cases[i].min, cases[i].max, &v);

                assert_int_equal(r, cases[i].ret);
                if (r == 0)
                        assert_int_equal(v, cases[i].val);
                else
                        assert_int_equal(v, -1); /* output untouched on failure */
        }
}

static void uint_and_double(void **state)
{
        uint64_t u;
        double d;

        assert_int_equal(rift_parse_uint64("18446744073709551615", UINT64_MAX, &u), 0);
        assert_true(u == UINT64_MAX);
        assert_int_equal(rift_parse_uint64("-1", UINT64_MAX, &u), RIFT_E_PARSE);
        assert_int_equal(rift_parse_double("2.5", &d), 0);
        assert_true(d == 2.5);
        assert_int_equal(rift_parse_double("1e999", &d), -ERANGE);
        assert_int_equal(rift_parse_double("nan", &d), -ERANGE);
        assert_int_equal(rift_parse_double("2.5x", &d), RIFT_E_PARSE);
}

static void durations_and_sizes(void **state)
{
        int64_t ms;
        uint64_t bytes;

        assert_int_equal(rift_parse_duration_ms("150ms", &ms), 0);
        assert_int_equal(ms, 150);
        assert_int_equal(rift_parse_duration_ms("5s", &ms), 0);
        assert_int_equal(ms, 5000);
        assert_int_equal(rift_parse_duration_ms("30", &ms), 0);
        assert_int_equal(ms, 30000);
        assert_int_equal(rift_parse_duration_ms("2h", &ms), 0);
        assert_int_equal(ms, 7200000);
        assert_int_equal(rift_parse_duration_ms("5 s", &ms), RIFT_E_PARSE);
        assert_int_equal(rift_parse_duration_ms("s", &ms), RIFT_E_PARSE);
        assert_int_equal(rift_parse_duration_ms("5w", &ms), RIFT_E_PARSE);
        assert_int_equal(rift_parse_size("4MiB", &bytes), 0);
        assert_true(bytes == 4u << 20);
        assert_int_equal(rift_parse_size("10k", &bytes), 0);
        assert_true(bytes == 10240);
        assert_int_equal(rift_parse_size("99999999999999999999", &bytes), -ERANGE);
        assert_int_equal(rift_parse_size("18446744073709551615T", &bytes), -ERANGE);
}

static void bools(void **state)
{
        bool b;

        assert_int_equal(rift_parse_bool("Yes", &b), 0);
        assert_true(b);
        assert_int_equal(rift_parse_bool("off", &b), 0);
        assert_false(b);
        assert_int_equal(rift_parse_bool("maybe", &b), RIFT_E_PARSE);
}

static void utf8_validation(void **state)
{
        assert_true(rift_utf8_valid("h\xc3\xa9llo", 6));
        assert_true(rift_utf8_valid("\xf0\x9f\x98\x80", 4));
        assert_false(rift_utf8_valid("\xc3", 1));             /* truncated */
        assert_false(rift_utf8_valid("\xc0\xaf", 2));         /* overlong */
        assert_false(rift_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
        assert_false(rift_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
        assert_false(rift_utf8_valid("\xff", 1));
}

static void strip_and_affixes(void **state)
{
        char s[] = "  padded\t\n";

        assert_string_equal(rift_strstrip(s), "padded");
        assert_true(rift_startswith("sqlite:///x", "sqlite://"));
        assert_false(rift_startswith(NULL, "x"));
        assert_true(rift_endswith("file.proto", ".proto"));
        assert_false(rift_endswith("a", "abc"));
        assert_true(rift_streq(NULL, NULL));
        assert_false(rift_streq("a", NULL));
}

static void error_strings(void **state)
{
        assert_string_equal(rift_strerror(RIFT_E_TOOBIG), "input exceeds its size limit");
        assert_string_equal(rift_error_name(RIFT_E_NOTFOUND), "not_found");
        assert_string_equal(rift_error_name(-ENOENT), "ENOENT");
        assert_string_equal(rift_strerror(-ENOENT), "No such file or directory");
        assert_string_equal(rift_strerror(-99999), "unknown error");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(strlcpy_truncates_and_reports),
                cmocka_unit_test(int_parsing_is_strict),
                cmocka_unit_test(uint_and_double),
                cmocka_unit_test(durations_and_sizes),
                cmocka_unit_test(bools),
                cmocka_unit_test(utf8_validation),
                cmocka_unit_test(strip_and_affixes),
                cmocka_unit_test(error_strings),
        };
        return cmocka_run_group_tests_name("str", tests, NULL, NULL);
}
