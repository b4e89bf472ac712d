#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/log.h"

/* 2026-01-02T03:04:05.678Z */
#define T0 1767323045678LL

static void formats_one_structured_line(void **state)
{
        char out[256];
        const struct rift_log_field f[] = { LOG_STR("addr", "127.0.0.1"), LOG_INT("port", 9003),
                                            LOG_BOOL("tls", true), LOG_DBL("ratio", 0.5) };

        rift_log_format(out, sizeof(out), T0, RIFT_LOG_INFO, "auth", "listening", f, 4);
        assert_string_equal(out, "2026-01-02T03:04:05.678Z info auth listening addr=127.0.0.1 port=9003 "
                                 "tls=true ratio=0.5");
}

static void quotes_values_with_spaces_and_controls(void **state)
{
        char out[256];
        const struct rift_log_field f[] = { LOG_STR("path", "a b\"c\n"), LOG_STR("empty", ""),
                                            LOG_STR("none", NULL) };

        rift_log_format(out, sizeof(out), T0, RIFT_LOG_WARN, "x", "two words", f, 3);
        assert_string_equal(out, "2026-01-02T03:04:05.678Z warn x \"two words\" path=\"a b\\\"c\\n\" "
                                 "empty=\"\" none=-");
}

static void redacts_secrets_by_key(void **state)
{
        char out[512];
        const struct rift_log_field f[] = { LOG_STR("password", "hunter2"), LOG_STR("access_token", "eyJ"),
                                            LOG_STR("jwt_secret", "s3"), LOG_STR("Authorization", "Bearer x"),
                                            LOG_STR("user", "admin") };

        rift_log_format(out, sizeof(out), T0, RIFT_LOG_INFO, "auth", "login", f, 5);
        assert_null(strstr(out, "hunter2"));
        assert_null(strstr(out, "eyJ"));
        assert_null(strstr(out, "s3"));
        assert_null(strstr(out, "Bearer"));
        assert_non_null(strstr(out, "password=[redacted]"));
        assert_non_null(strstr(out, "user=admin"));
}

static void truncates_without_overflow(void **state)
{
        char out[40];
        const struct rift_log_field f[] = { LOG_STR("k", "0123456789012345678901234567890123456789") };
        size_t n = rift_log_format(out, sizeof(out), T0, RIFT_LOG_INFO, "c", "m", f, 1);

        assert_int_equal(n, sizeof(out) - 1);
        assert_int_equal(strlen(out), sizeof(out) - 1);
}

static void emit_respects_level_and_writes_to_fd(void **state)
{
        int p[2];
        char got[512] = { 0 };
        ssize_t n;

        assert_int_equal(pipe(p), 0);
        rift_clock_fake_start(T0);
        rift_log_init("test", RIFT_LOG_INFO, p[1]);
        log_debug("hidden");
        log_info("shown", LOG_INT("n", 1));
        log_error("no fields");
        close(p[1]);
        n = read(p[0], got, sizeof(got) - 1);
        assert_true(n > 0);
        assert_string_equal(got, "2026-01-02T03:04:05.678Z info test shown n=1\n"
                                 "2026-01-02T03:04:05.678Z error test \"no fields\"\n");
        close(p[0]);
        rift_clock_fake_stop();
        rift_log_init("test", RIFT_LOG_INFO, 2);
}

static void level_names(void **state)
{
        enum rift_log_level l;

        assert_int_equal(rift_log_parse_level("WARN", &l), 0);
        assert_int_equal(l, RIFT_LOG_WARN);
        assert_int_equal(rift_log_parse_level("loud", &l), RIFT_E_INVALID);
}

static void fake_clock_moves_only_when_told(void **state)
{
        char ts[32];

        rift_clock_fake_start(1000);
        assert_int_equal(rift_now_ms(), 1000);
        assert_int_equal(rift_mono_ms(), 1000);
        rift_clock_fake_advance(2500);
        assert_int_equal(rift_now_ms(), 3500);
        rift_clock_fake_stop();
        assert_true(rift_now_ms() > T0 - 86400000LL * 365);
        rift_clock_format_rfc3339(0, ts);
        assert_string_equal(ts, "1970-01-01T00:00:00.000Z");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(formats_one_structured_line),
                cmocka_unit_test(quotes_values_with_spaces_and_controls),
                cmocka_unit_test(redacts_secrets_by_key),
                cmocka_unit_test(truncates_without_overflow),
                cmocka_unit_test(emit_respects_level_and_writes_to_fd),
                cmocka_unit_test(level_names),
                cmocka_unit_test(fake_clock_moves_only_when_told),
        };
        return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
