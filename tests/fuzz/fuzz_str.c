/* libFuzzer target: the strict parsers of lib/str.c (numbers, booleans, durations, sizes, UTF-8) on
 * arbitrary bytes. Besides memory errors it checks properties: a parser that fails leaves its output
 * alone, and accepted values respect the range that was asked for. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL 0x5a5a5a5a5a5a5a5aLL

static void check_numbers(const char *s)
{
        int64_t i = SENTINEL, d = SENTINEL;
        uint64_t u = SENTINEL, z = SENTINEL;
        double x;
        bool b;

        if (rift_parse_int64(s, -1000, 1000, &i) == 0 ? (i < -1000 || i > 1000) : i != SENTINEL)
                abort();
        if (rift_parse_uint64(s, 5000, &u) == 0 ? u > 5000 : u != (uint64_t)SENTINEL)
                abort();
        if (rift_parse_duration_ms(s, &d) == 0 ? d < 0 : d != SENTINEL)
                abort();
        if (rift_parse_size(s, &z) != 0 && z != (uint64_t)SENTINEL)
                abort();
        (void)rift_parse_double(s, &x);
        (void)rift_parse_bool(s, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1), copy[16];

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        (void)rift_utf8_valid((const char *)data, size);
        check_numbers(s);
        if (rift_strlcpy(copy, s, sizeof(copy)) == 0 ? strcmp(copy, s) != 0
                                                     : strlen(copy) != sizeof(copy) - 1)
                abort();
        (void)rift_strstrip(s);
        free(s);
        return 0;
}
