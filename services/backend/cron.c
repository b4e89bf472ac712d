/* Five-field cron expressions as Litmus's cron experiments take them (Kubernetes CronWorkflow syntax):
 * minute hour day-of-month month day-of-week, each "*", "N", "A-B", lists "A,B-C", steps "* /S"
 * (without the space), "A-B/S", "A/S" (A to the end), month names JAN..DEC and day names SUN..SAT
 * (case-insensitive; 0 and 7 are Sunday), and the macros @yearly @annually @monthly @weekly @daily
 * @midnight @hourly. When both day fields are restricted a day matches either (as Vixie cron).
 * Times are UTC. Pure functions: the scheduler is schedule.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/error.h"
#include "lib/macro.h"
#include "services/backend/backend.h"

#define CRON_MAX_TEXT 256 /* bytes of an expression */

static const struct {
        const char *name; /* field name in errors */
        int min, max;     /* range */
} fields[5] = { { "minute", 0, 59 },
                { "hour", 0, 23 },
                { "day of month", 1, 31 },
                { "month", 1, 12 },
                { "day of week", 0, 7 } };

static const char *const months[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *const days[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

static const struct {
        const char *macro; /* @name */
        const char *expr;  /* its five fields */
} macros[] = { { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
               { "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
               { "@hourly", "0 * * * *" } };

/* One number or name of field f at *p; advances *p. */
static int value(int f, const char **p, int *ret)
{
        const char *s = *p;
        int v = 0, digits = 0;

        if ((f == 3 || f == 4) && ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) {
                const char *const *names = f == 3 ? months : days;
                size_t n = f == 3 ? ARRAY_SIZE(months) : ARRAY_SIZE(days);
                for (size_t i = 0; i < n; i++)
                        if (!strncasecmp(s, names[i], 3)) {
                                *ret = (int)i + (f == 3 ? 1 : 0);
                                *p = s + 3;
                                return 0;
                        }
                return -1;
        }
        while (*s >= '0' && *s <= '9' && digits < 4) {
                v = v * 10 + (*s++ - '0');
                digits++;
        }
        if (!digits || (*s >= '0' && *s <= '9'))
                return -1;
        *ret = v;
        *p = s;
        return 0;
}

/* One comma-separated item of field f: sets its bits in *mask. */
static int item(int f, const char *s, const char *end, uint64_t *mask, char *err, size_t n)
{
        int lo = fields[f].min, hi = fields[f].max, step = 1;
        const char *p = s;
        bool star = false;

        if (*p == '*') {
                star = true;
                p++;
        } else {
                if (value(f, &p, &lo) < 0)
                        goto bad;
                hi = lo;
                if (*p == '-') {
                        p++;
                        if (value(f, &p, &hi) < 0)
                                goto bad;
                }
        }
        if (*p == '/') {
                p++;
                if (value(-1, &p, &step) < 0 || step < 1)
                        goto bad;
                if (!star && hi == lo && s[0] != '*' && !memchr(s, '-', (size_t)(end - s)))
                        hi = fields[f].max; /* "A/S": from A to the end */
        }
        if (p != end)
                goto bad;
        if (lo < fields[f].min || hi > fields[f].max || lo > fields[f].max || hi < fields[f].min) {
                snprintf(err, n, "%s: %.*s is out of range %d-%d", fields[f].name, (int)(end - s), s,
                         fields[f].min, fields[f].max);
                return RIFT_E_INVALID;
        }
        if (lo > hi) {
                snprintf(err, n, "%s: %.*s is a range backwards", fields[f].name, (int)(end - s), s);
                return RIFT_E_INVALID;
        }
        for (int v = lo; v <= hi; v += step)
                *mask |= 1ULL << v;
        return 0;
bad:
        snprintf(err, n, "%s: \"%.*s\" is not a value, range, list or step", fields[f].name, (int)(end - s),
                 s);
        return RIFT_E_INVALID;
}

/* "*" or "*\/1": the field does not restrict, so the other day field alone decides. A stepped star such as
 * "*\/15" restricts the days like any list (otherwise "0 0 1 3 *\/15", March 1st on a Sunday, could wait
 * eleven years). */
static bool whole_range(const char *s, const char *end)
{
        size_t len = (size_t)(end - s);

        return (len == 1 && s[0] == '*') || (len == 3 && !memcmp(s, "*/1", 3));
}

static int field(int f, const char *s, const char *end, struct cron_spec *c, char *err, size_t n)
{
        uint64_t mask = 0;
        int r;

        for (const char *p = s; p < end;) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *stop = comma ? comma : end;
                if ((r = item(f, p, stop, &mask, err, n)) < 0)
                        return r;
                p = comma ? comma + 1 : end;
                if (comma && p == end)
                        return item(f, p, end, &mask, err, n);
        }
        switch (f) {
        case 0:
                c->minutes = mask;
                break;
        case 1:
                c->hours = (uint32_t)mask;
                break;
        case 2:
                c->dom = (uint32_t)mask;
                c->dom_star = whole_range(s, end);
                break;
        case 3:
                c->months = (uint16_t)mask;
                break;
        default:
                if (mask & (1u << 7))
                        mask = (mask | 1u) & 0x7f; /* 7 is Sunday too */
                c->dow = (uint8_t)mask;
                c->dow_star = whole_range(s, end);
        }
        return 0;
}

/* Largest day of month m (1..12) in any year. */
static int month_days(int m)
{
        return m == 2 ? 29 : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}

int cron_parse(const char *text, struct cron_spec *ret, char *err, size_t n)
{
        struct cron_spec c = { 0 };
        const char *p = text;
        int f = 0, r;
        bool possible = false;

        if (!text || !text[0] || strlen(text) > CRON_MAX_TEXT) {
                snprintf(err, n, "five fields (minute hour day-of-month month day-of-week) or a @macro");
                return RIFT_E_INVALID;
        }
        for (size_t i = 0; i < ARRAY_SIZE(macros); i++)
                if (!strcasecmp(text, macros[i].macro))
                        p = macros[i].expr;
        while (*p == ' ' || *p == '\t')
                p++;
        while (*p && f < 5) {
                const char *end = p + strcspn(p, " \t");
                if ((r = field(f++, p, end, &c, err, n)) < 0)
                        return r;
                p = end + strspn(end, " \t");
        }
        if (f != 5 || *p) {
                snprintf(err, n, "expected five fields (minute hour day-of-month month day-of-week), got %s",
                         f < 5 ? "fewer" : "more");
                return RIFT_E_INVALID;
        }
        /* a day of month that no selected month has, with the weekday unrestricted, never comes */
        for (int m = 1; m <= 12; m++)
                if (c.months & (1u << m))
                        for (int d = 1; d <= month_days(m); d++)
                                possible |= (c.dom >> d) & 1;
        if (!possible && !(!c.dom_star && !c.dow_star)) {
                snprintf(err, n, "day of month: no selected month has such a day, the schedule never runs");
                return RIFT_E_INVALID;
        }
        *ret = c;
        return 0;
}

static bool day_matches(const struct cron_spec *c, const struct tm *t)
{
        bool dom = (c->dom >> t->tm_mday) & 1, dow = (c->dow >> t->tm_wday) & 1;

        if (c->dom_star || c->dow_star)
                return dom && dow;
        return dom || dow;
}

int64_t cron_next(const struct cron_spec *c, int64_t after_ms)
{
        time_t t = (time_t)(after_ms / 1000 / 60 + 1) * 60; /* the next whole minute */
        struct tm tm;

        /* at most 8 years of days: every satisfiable expression has a slot within 8 years (leap days) */
        for (int nd = 0; nd < 8 * 366 + 1;) {
                gmtime_r(&t, &tm);
                if (!((c->months >> (tm.tm_mon + 1)) & 1) || !day_matches(c, &tm)) {
                        tm.tm_mday++;
                        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                        t = timegm(&tm);
                        nd++;
                        continue;
                }
                if (!((c->hours >> tm.tm_hour) & 1)) {
                        tm.tm_hour++;
                        tm.tm_min = 0;
                        t = timegm(&tm);
                        continue;
                }
                if (!((c->minutes >> tm.tm_min) & 1)) {
                        t += 60;
                        continue;
                }
                return (int64_t)t * 1000;
        }
        return -1;
}
