// link: services/backend/cron.c
/* Five-field cron: parsing (ranges, lists, steps, names, macros), errors naming the field, and the
 * next slot in UTC (month lengths, leap days, day-of-month OR day-of-week). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "services/backend/backend.h"

/* "2026-03-01 10:07" UTC as epoch ms */
static int64_t at(const char *s)
{
        struct tm tm = { 0 };

        assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
        return (int64_t)timegm(&tm) * 1000;
}

static void fmt(int64_t ms, char out[32])
{
        time_t t = (time_t)(ms / 1000);
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(out, 32, "%Y-%m-%d %H:%M %a", &tm);
}

static void next_slots(void **state)
{
        static const struct {
                const char *expr, *after, *want; /* the slot after `after` is `want` */
        } cases[] = {
                { "* * * * *", "2026-03-01 10:07", "2026-03-01 10:08 Sun" },
                { "*/15 * * * *", "2026-03-01 10:07", "2026-03-01 10:15 Sun" },
                { "*/15 * * * *", "2026-03-01 10:45", "2026-03-01 11:00 Sun" },
                { "5 4 * * *", "2026-03-01 04:05", "2026-03-02 04:05 Mon" },
                { "0 22 * * 1-5", "2026-03-06 23:00", "2026-03-09 22:00 Mon" }, /* Friday night -> Monday */
                { "0 0 1,15 * *", "2026-03-02 00:00", "2026-03-15 00:00 Sun" },
                { "0 12 * JAN,jul *", "2026-03-01 00:00", "2026-07-01 12:00 Wed" },
                { "0 0 * * SUN", "2026-03-02 00:00", "2026-03-08 00:00 Sun" },
                { "0 0 * * 7", "2026-03-02 00:00", "2026-03-08 00:00 Sun" },
                { "0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00 Tue" }, /* the next leap day */
                { "0 0 31 * *", "2026-04-01 00:00", "2026-05-31 00:00 Sun" }, /* April has no 31st */
                { "0 0 13 * 5", "2026-03-01 00:00", "2026-03-06 00:00 Fri" }, /* 13th OR Friday */
                /* a stepped star restricts: March 1st OR a Sunday in March (not: a March 1st that is a Sunday) */
                { "0 0 1 3 */15", "2026-03-01 00:07", "2026-03-08 00:00 Sun" },
                { "0 0 * * */1", "2026-03-02 00:07", "2026-03-03 00:00 Tue" },
                { "30 8-18/2 * * *", "2026-03-01 18:30", "2026-03-02 08:30 Mon" },
                { "10/20 * * * *", "2026-03-01 10:11", "2026-03-01 10:30 Sun" },
                { "@hourly", "2026-03-01 10:07", "2026-03-01 11:00 Sun" },
                { "@weekly", "2026-03-01 10:07", "2026-03-08 00:00 Sun" },
                { "@yearly", "2026-03-01 10:07", "2027-01-01 00:00 Fri" },
                { "59 23 31 12 *", "2026-12-31 23:59", "2027-12-31 23:59 Fri" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cron_spec c;
                char err[128] = "", got[32];
                int r = cron_parse(cases[i].expr, &c, err, sizeof(err));
                if (r < 0)
                        fail_msg("%s: %s", cases[i].expr, err);
                fmt(cron_next(&c, at(cases[i].after)), got);
                if (strcmp(got, cases[i].want))
                        fail_msg("%s after %s: got %s, want %s", cases[i].expr, cases[i].after, got,
                                 cases[i].want);
        }
}

static void slots_are_strictly_after_within_a_minute(void **state)
{
        struct cron_spec c;

        assert_int_equal(cron_parse("* * * * *", &c, NULL, 0), 0);
        /* 10:07:30 -> 10:08:00, 10:08:00 -> 10:09:00 */
        assert_int_equal(cron_next(&c, at("2026-03-01 10:07") + 30000), at("2026-03-01 10:08"));
        assert_int_equal(cron_next(&c, at("2026-03-01 10:08")), at("2026-03-01 10:09"));
}

static void bad_expressions_name_the_field(void **state)
{
        static const struct {
                const char *expr, *err;
        } cases[] = {
                { "", "five fields (minute hour day-of-month month day-of-week) or a @macro" },
                { "* * * *", "expected five fields (minute hour day-of-month month day-of-week), got fewer" },
                { "* * * * * *",
                  "expected five fields (minute hour day-of-month month day-of-week), got more" },
                { "61 * * * *", "minute: 61 is out of range 0-59" },
                { "* 24 * * *", "hour: 24 is out of range 0-23" },
                { "* * 0 * *", "day of month: 0 is out of range 1-31" },
                { "* * * 13 *", "month: 13 is out of range 1-12" },
                { "* * * * 8", "day of week: 8 is out of range 0-7" },
                { "5-1 * * * *", "minute: 5-1 is a range backwards" },
                { "*/0 * * * *", "minute: \"*/0\" is not a value, range, list or step" },
                { "1,,2 * * * *", "minute: \"\" is not a value, range, list or step" },
                { "a * * * *", "minute: \"a\" is not a value, range, list or step" },
                { "* * * FOO *", "month: \"FOO\" is not a value, range, list or step" },
                { "* * * * MON-", "day of week: \"MON-\" is not a value, range, list or step" },
                { "0 0 30 2 *", "day of month: no selected month has such a day, the schedule never runs" },
                { "@often", "minute: \"@often\" is not a value, range, list or step" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cron_spec c;
                char err[128] = "";
                if (cron_parse(cases[i].expr, &c, err, sizeof(err)) != RIFT_E_INVALID)
                        fail_msg("\"%s\" was accepted", cases[i].expr);
                if (strcmp(err, cases[i].err))
                        fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].expr, err, cases[i].err);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(next_slots),
                cmocka_unit_test(slots_are_strictly_after_within_a_minute),
                cmocka_unit_test(bad_expressions_name_the_field),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
