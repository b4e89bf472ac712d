#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/memory.h"

/* Under AddressSanitizer malloc is ASan's, which has no glibc thresholds to tune: nothing to test. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* glibc raises its mmap threshold to the size of any mapped block that is freed (up to 32 MiB), after
 * which medium blocks come from the heap and its high-water mark stays resident. After tuning, the
 * threshold is fixed at 64 KiB: a 512 KiB block still gets its own mapping after a 1 MiB block was
 * freed, and freeing it returns the memory at once. */
static void thresholds_stay_fixed(void **state)
{
        struct mallinfo2 before, during, after;
        void *big, *p;

#ifdef UNDER_ASAN
        skip();
#endif
        rift_memory_tune_daemon();
        big = malloc(1024 * 1024);
        assert_non_null(big);
        free(big);
        before = mallinfo2();
        p = malloc(512 * 1024);
        assert_non_null(p);
        during = mallinfo2();
        assert_int_equal(during.hblks, before.hblks + 1);
        free(p);
        after = mallinfo2();
        assert_int_equal(after.hblks, before.hblks);
        assert_int_equal(after.hblkhd, before.hblkhd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(thresholds_stay_fixed),
        };
        return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
