#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/error.h"
#include "lib/str.h"

int rift_strlcpy(char *dst, const char *src, size_t size)
{
        size_t n = strlen(src);

        if (size == 0)
                return RIFT_E_TOOBIG;
        if (n >= size) {
                memcpy(dst, src, size - 1);
                dst[size - 1] = '\0';
                return RIFT_E_TOOBIG;
        }
        memcpy(dst, src, n + 1);
        return 0;
}

bool rift_streq(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

bool rift_startswith(const char *s, const char *prefix)
{
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool rift_endswith(const char *s, const char *suffix)
{
        size_t ls, lx;

        if (!s)
                return false;
        ls = strlen(s);
        lx = strlen(suffix);
        return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

char *rift_strndup(const char *s, size_t n)
{
        return strndup(s, n);
}

char *rift_strstrip(char *s)
{
        char *start = s, *end;
        size_t n;

        while (*start && isspace((unsigned char)*start))
                start++;
        end = start + strlen(start);
        while (end > start && isspace((unsigned char)end[-1]))
                end--;
        n = (size_t)(end - start);
        memmove(s, start, n);
        s[n] = '\0';
        return s;
}

int rift_parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
        char *end;
        long long v;

        if (!s || !*s || isspace((unsigned char)*s))
                return RIFT_E_PARSE;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end != '\0')
                return RIFT_E_PARSE;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int rift_parse_uint64(const char *s, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        if (!s || !isdigit((unsigned char)*s))
                return RIFT_E_PARSE;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end != '\0')
                return RIFT_E_PARSE;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int rift_parse_double(const char *s, double *ret)
{
        char *end;
        double v;

        if (!s || !*s || isspace((unsigned char)*s))
                return RIFT_E_PARSE;
        errno = 0;
        v = strtod(s, &end);
        if (*end != '\0')
                return RIFT_E_PARSE;
        if (errno == ERANGE || !isfinite(v))
                return -ERANGE;
        *ret = v;
        return 0;
}

int rift_parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "true", "yes", "on" };
        static const char *const no[] = { "0", "false", "no", "off" };

        if (!s)
                return RIFT_E_PARSE;
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return RIFT_E_PARSE;
}

struct unit {
        const char *suffix; /* unit text after the number, matched case-insensitively */
        uint64_t mult;      /* multiplier to the base unit */
};

/* Splits "123unit" into the number and a multiplier from the table; empty unit uses def_mult. */
static int parse_with_unit(const char *s, const struct unit *units, size_t n, uint64_t def_mult,
                           uint64_t *ret)
{
        char digits[32];
        size_t i = 0;
        uint64_t v, mult = 0;
        int r;

        if (!s)
                return RIFT_E_PARSE;
        while (isdigit((unsigned char)s[i]) && i < sizeof(digits) - 1) {
                digits[i] = s[i];
                i++;
        }
        if (i == 0 || isdigit((unsigned char)s[i]))
                return i == 0 ? RIFT_E_PARSE : -ERANGE;
        digits[i] = '\0';
        r = rift_parse_uint64(digits, UINT64_MAX, &v);
        if (r < 0)
                return r;
        if (s[i] == '\0')
                mult = def_mult;
        for (size_t k = 0; k < n && !mult; k++)
                if (strcasecmp(s + i, units[k].suffix) == 0)
                        mult = units[k].mult;
        if (!mult)
                return RIFT_E_PARSE;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

int rift_parse_duration_ms(const char *s, int64_t *ret)
{
        static const struct unit units[] = {
                { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
        };
        uint64_t v;
        int r = parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), 1000, &v);

        if (r < 0)
                return r;
        if (v > INT64_MAX)
                return -ERANGE;
        *ret = (int64_t)v;
        return 0;
}

int rift_parse_size(const char *s, uint64_t *ret)
{
        static const struct unit units[] = {
                { "b", 1 },           { "k", 1ull << 10 },   { "kb", 1ull << 10 },  { "kib", 1ull << 10 },
                { "m", 1ull << 20 },  { "mb", 1ull << 20 },  { "mib", 1ull << 20 }, { "g", 1ull << 30 },
                { "gb", 1ull << 30 }, { "gib", 1ull << 30 }, { "t", 1ull << 40 },   { "tb", 1ull << 40 },
        };

        return parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), 1, ret);
}

bool rift_utf8_valid(const char *str, size_t len)
{
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0;

        while (i < len) {
                unsigned char c = s[i];
                uint32_t cp;
                size_t n;

                if (c < 0x80) {
                        i++;
                        continue;
                } else if ((c & 0xe0) == 0xc0) {
                        n = 1;
                        cp = c & 0x1f;
                } else if ((c & 0xf0) == 0xe0) {
                        n = 2;
                        cp = c & 0x0f;
                } else if ((c & 0xf8) == 0xf0) {
                        n = 3;
                        cp = c & 0x07;
                } else {
                        return false;
                }
                if (i + n >= len)
                        return false;
                for (size_t k = 1; k <= n; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + k] & 0x3f);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += n + 1;
        }
        return true;
}

int rift_hex_value(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}
