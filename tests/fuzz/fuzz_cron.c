// link: services/backend/cron.c
/* libFuzzer target: the cron expressions experiments carry (cronSyntax, user input). Any bytes give
 * either RIFT_E_INVALID with a NUL-terminated message, or a schedule whose slots are whole minutes
 * strictly after the given time and strictly increasing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/backend/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const int64_t start = 1772323620000LL; /* 2026-03-01 00:07 UTC */
        char text[300], err[192];
        struct cron_spec c;
        int64_t a, b;

        if (size >= sizeof(text))
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (cron_parse(text, &c, err, sizeof(err)) < 0) {
                if (strlen(err) >= sizeof(err))
                        abort();
                return 0;
        }
        a = cron_next(&c, start);
        if (a == -1)
                abort(); /* cron_parse refuses schedules that never run */
        b = cron_next(&c, a);
        if (a <= start || a % 60000 || (b != -1 && (b <= a || b % 60000)))
                abort();
        return 0;
}
