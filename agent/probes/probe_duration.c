/* Go duration strings as Litmus's runProperties use them: a sequence of decimal numbers with units
 * ns, us (or µs), ms, s, m, h, e.g. "1m30s", "500ms", "2.5s"; "0" alone is allowed. */
#include <string.h>

#include "agent/probes/probe.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"

static const struct {
        const char *unit; /* suffix as written */
        double ms;        /* milliseconds per unit */
} units[] = {
        { "ns", 1e-6 },  { "us", 1e-3 },   { "\xc2\xb5s", 1e-3 }, { "ms", 1.0 },
        { "s", 1000.0 }, { "m", 60000.0 }, { "h", 3600000.0 },
};

/* Reads "12" or "1.5" at *p; advances *p. */
static int read_number(const char **p, double *ret)
{
        const char *s = *p;
        double v = 0, scale = 1;
        bool digits = false, frac = false;

        for (; (*s >= '0' && *s <= '9') || (*s == '.' && !frac); s++) {
                if (*s == '.') {
                        frac = true;
                        continue;
                }
                digits = true;
                if (frac)
                        v += (*s - '0') * (scale /= 10);
                else
                        v = v * 10 + (*s - '0');
                if (v > 1e15)
                        return RIFT_E_INVALID;
        }
        if (!digits)
                return RIFT_E_INVALID;
        *p = s;
        *ret = v;
        return 0;
}

/* Matches the longest unit at *p ("ms" before "m"); advances *p. */
static int read_unit(const char **p, double *ret)
{
        size_t best = 0;
        double ms = 0;
        for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                size_t n = strlen(units[i].unit);
                if (n > best && strncmp(*p, units[i].unit, n) == 0) {
                        best = n;
                        ms = units[i].ms;
                }
        }
        if (!best)
                return RIFT_E_INVALID;
        *p += best;
        *ret = ms;
        return 0;
}

int64_t probe_round_ms(double x)
{
        int64_t t = (int64_t)x; /* toward zero; x - t is exact below 2^52 */
        double f = x - (double)t;
        return f >= 0.5 ? t + 1 : f <= -0.5 ? t - 1 : t;
}

int probe_parse_go_duration(const char *s, int64_t *ret)
{
        double total = 0;

        if (!s || !*s)
                return RIFT_E_INVALID;
        if (strcmp(s, "0") == 0) {
                *ret = 0;
                return 0;
        }
        for (const char *p = s; *p;) {
                double v = 0, ms = 0;
                if (read_number(&p, &v) < 0 || read_unit(&p, &ms) < 0)
                        return RIFT_E_INVALID;
                total += v * ms;
                if (total > (double)RIFT_PROBE_MAX_DURATION_MS)
                        return RIFT_E_TOOBIG;
        }
        *ret = probe_round_ms(total);
        return 0;
}
