#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/error.h"

static void append_within_cap(void **state)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(16);

        assert_int_equal(rift_buf_append_str(&b, "hello"), 0);
        assert_int_equal(rift_buf_printf(&b, " %d", 42), 0);
        assert_string_equal(b.data, "hello 42");
        assert_int_equal(b.len, 8);
}

static void cap_is_hard(void **state)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(8);

        assert_int_equal(rift_buf_append_str(&b, "12345678"), 0);
        /* one more byte exceeds the cap; the contents stay as they were */
        assert_int_equal(rift_buf_append_char(&b, 'x'), RIFT_E_TOOBIG);
        assert_int_equal(rift_buf_printf(&b, "%s", "y"), RIFT_E_TOOBIG);
        assert_string_equal(b.data, "12345678");
        assert_true(b.cap <= 9);
}

static void huge_append_rejected_without_overflow(void **state)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(SIZE_MAX - 1);

        assert_int_equal(rift_buf_append_str(&b, "ab"), 0);
        assert_int_equal(rift_buf_reserve(&b, SIZE_MAX - 2), RIFT_E_TOOBIG);
        assert_string_equal(b.data, "ab");
}

static void consume_and_steal(void **state)
{
        struct rift_buf b = RIFT_BUF_INIT(64);
        char *s;

        assert_int_equal(rift_buf_append_str(&b, "line1\nline2\n"), 0);
        rift_buf_consume(&b, 6);
        assert_string_equal(b.data, "line2\n");
        rift_buf_consume(&b, 100);
        assert_int_equal(b.len, 0);
        assert_string_equal(b.data, "");
        s = rift_buf_steal(&b);
        assert_string_equal(s, "");
        assert_null(b.data);
        free(s);
        rift_buf_free(&b);
        rift_buf_free(NULL);
}

static void grows_many_times(void **state)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(100000);

        for (int i = 0; i < 10000; i++)
                assert_int_equal(rift_buf_append(&b, "0123456789", 10), 0);
        assert_int_equal(b.len, 100000);
        assert_int_equal(rift_buf_append_char(&b, 'x'), RIFT_E_TOOBIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(append_within_cap),
                cmocka_unit_test(cap_is_hard),
                cmocka_unit_test(huge_append_rejected_without_overflow),
                cmocka_unit_test(consume_and_steal),
                cmocka_unit_test(grows_many_times),
        };
        return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
