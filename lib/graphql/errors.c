/* Error lists and JSON text helpers; see errors.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/errors.h"

void gql_errors_init(struct gql_errors *e, struct gql_arena *a, size_t max)
{
        *e = (struct gql_errors){ .arena = a, .max = max };
}

bool gql_errors_full(const struct gql_errors *e)
{
        return e->max && e->list.n >= e->max;
}

struct gql_error *gql_errors_add(struct gql_errors *e, const struct gql_loc *locs, size_t n_locs,
                                 const struct gql_path *path, const char *fmt, ...)
{
        struct gql_error *err;
        va_list ap;
        int n;
        char *msg;

        if (gql_errors_full(e))
                return NULL;
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        msg = gql_arena_alloc(e->arena, (size_t)(n < 0 ? 0 : n) + 1);
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
        va_end(ap);
        err = gql_arena_alloc(e->arena, sizeof(*err));
        err->message = msg;
        err->path = path;
        if (n_locs) {
                err->locs = gql_arena_alloc(e->arena, n_locs * sizeof(*locs));
                memcpy(err->locs, locs, n_locs * sizeof(*locs));
                err->n_locs = n_locs;
        }
        gql_ptrvec_push(e->arena, &e->list, err);
        return err;
}

static int write_path(struct rift_buf *out, const struct gql_path *p)
{
        int r;

        if (!p)
                return 0;
        r = write_path(out, p->prev);
        if (r < 0)
                return r;
        if (p->prev) {
                r = rift_buf_append_char(out, ',');
                if (r < 0)
                        return r;
        }
        if (p->key)
                return gql_json_write_string(out, p->key, strlen(p->key));
        return rift_buf_printf(out, "%zu", p->index);
}

static int write_one(struct rift_buf *out, const struct gql_error *err)
{
        int r = rift_buf_append_str(out, "{\"message\":");

        if (r >= 0)
                r = gql_json_write_string(out, err->message, strlen(err->message));
        if (r >= 0 && err->n_locs) {
                r = rift_buf_append_str(out, ",\"locations\":[");
                for (size_t i = 0; r >= 0 && i < err->n_locs; i++)
                        r = rift_buf_printf(out, "%s{\"line\":%u,\"column\":%u}", i ? "," : "",
                                            err->locs[i].line, err->locs[i].col);
                if (r >= 0)
                        r = rift_buf_append_char(out, ']');
        }
        if (r >= 0 && err->path) {
                r = rift_buf_append_str(out, ",\"path\":[");
                if (r >= 0)
                        r = write_path(out, err->path);
                if (r >= 0)
                        r = rift_buf_append_char(out, ']');
        }
        if (r >= 0)
                r = rift_buf_append_char(out, '}');
        return r;
}

int gql_errors_write_json(const struct gql_errors *e, struct rift_buf *out)
{
        int r = rift_buf_append_str(out, "\"errors\":[");

        for (size_t i = 0; r >= 0 && i < e->list.n; i++) {
                if (i)
                        r = rift_buf_append_char(out, ',');
                if (r >= 0)
                        r = write_one(out, e->list.items[i]);
        }
        if (r >= 0)
                r = rift_buf_append_char(out, ']');
        return r < 0 ? r : 0;
}

/* Bytes JSON.stringify escapes: controls, '"' and '\\'. */
static const unsigned char json_esc[256] = {
        [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
        [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
        [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
        [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
        [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

/* The escape sequence for one byte json_esc marks; returns its length. */
static size_t json_escape(unsigned char c, char esc[6])
{
        static const char hex[] = "0123456789abcdef";

        esc[0] = '\\';
        switch (c) {
        case '"':
        case '\\':
                esc[1] = (char)c;
                return 2;
        case '\b':
                esc[1] = 'b';
                return 2;
        case '\f':
                esc[1] = 'f';
                return 2;
        case '\n':
                esc[1] = 'n';
                return 2;
        case '\r':
                esc[1] = 'r';
                return 2;
        case '\t':
                esc[1] = 't';
                return 2;
        default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                return 6;
        }
}

/* Index of the first byte at or after i that needs escaping (len when none). Eight bytes at a time:
 * a word has such a byte when some byte is < 0x20 or equals '"' or '\\' (the classic "has byte less
 * than" / "has zero byte" tests; a false alarm only above a true hit, which the byte loop settles). */
static size_t plain_run(const unsigned char *u, size_t i, size_t len)
{
        const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

        while (len - i >= 8) {
                uint64_t w, q, b;

                memcpy(&w, u + i, 8);
                q = w ^ (ones * '"');
                b = w ^ (ones * '\\');
                if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs)
                        break;
                i += 8;
        }
        while (i < len && !json_esc[u[i]])
                i++;
        return i;
}

/* Plain runs are copied straight into room reserved for the rest of the string; each escape reserves
 * again (at most 6 bytes for one input byte), so the common case is one reserve and one memcpy. */
int gql_json_write_string(struct rift_buf *out, const char *s, size_t len)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t i = 0;
        char *d;
        int r = gql_buf_room(out, len + 2);

        if (r < 0)
                return r;
        d = out->data + out->len;
        *d++ = '"';
        for (;;) {
                size_t start = i;
                char esc[6];
                size_t n;

                i = plain_run(u, i, len);
                memcpy(d, s + start, i - start);
                d += i - start;
                if (i == len)
                        break;
                n = json_escape(u[i++], esc);
                out->len = (size_t)(d - out->data);
                r = rift_buf_reserve(out, n + (len - i) + 1);
                if (r < 0) {
                        out->data[out->len] = '\0';
                        return r;
                }
                d = out->data + out->len;
                memcpy(d, esc, n);
                d += n;
        }
        *d++ = '"';
        out->len = (size_t)(d - out->data);
        *d = '\0';
        return 0;
}

/* Shortest digits that read back as d: "d.ddd" mantissa digits and a decimal exponent. Reading back
 * is monotonic in the number of digits, so a binary search over 1..17 finds the shortest. */
static int shortest_digits(double d, char *digits, size_t size, int *ret_exp)
{
        char tmp[40];
        char *e;
        size_t n = 0;
        int lo = 1, hi = 17;

        while (lo < hi) {
                int mid = (lo + hi) / 2;

                snprintf(tmp, sizeof(tmp), "%.*e", mid - 1, d);
                if (strtod(tmp, NULL) == d)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        snprintf(tmp, sizeof(tmp), "%.*e", lo - 1, d);
        /* tmp is "D.DDDDe+XX" or "De+XX" */
        e = strchr(tmp, 'e');
        if (!e)
                return RIFT_E_INVALID;
        for (char *p = tmp; p < e && n + 1 < size; p++)
                if (*p >= '0' && *p <= '9')
                        digits[n++] = *p;
        while (n > 1 && digits[n - 1] == '0')
                n--;
        digits[n] = '\0';
        *ret_exp = (int)strtol(e + 1, NULL, 10);
        return (int)n;
}

/* Writes u's decimal digits ending just before p; returns where they start. */
static char *put_uint(char *p, unsigned long long u)
{
        do
                *--p = (char)('0' + u % 10);
        while ((u /= 10));
        return p;
}

/* How many trailing '0's [p, end) has. */
static size_t strip_zeros(const char *p, const char *end)
{
        size_t n = 0;

        while (end - n > p && end[-1 - (ptrdiff_t)n] == '0')
                n++;
        return n;
}

/* Fast path for values with at most 6 decimals in [1e-6, 1e15): the first k (decimals) whose rounded
 * text reads back as d is the shortest text. Returns false to use the general path. */
static bool short_fixed(struct rift_buf *out, double d, int *ret)
{
        double a = d < 0 ? -d : d, scale = 1;

        if (a < 1e-6 || a >= 1e15)
                return false;
        for (int k = 1; k <= 6; k++) {
                char text[48], *p = text + sizeof(text);
                unsigned long long m, ip, frac;

                scale *= 10;
                if (a * scale >= 9e15)
                        return false;
                m = (unsigned long long)llround(a * scale);
                /* m and 10^k are exact doubles, so m / 10^k rounds exactly as strtod reads "ip.frac" */
                if ((double)m / scale != a)
                        return false;
                ip = m / (unsigned long long)scale;
                frac = m % (unsigned long long)scale;
                for (int i = 0; i < k; i++, frac /= 10)
                        *--p = (char)('0' + frac % 10);
                *--p = '.';
                p = put_uint(p, ip);
                if (d < 0)
                        *--p = '-';
                *ret = gql_buf_put(out, p,
                                   (size_t)(text + sizeof(text) - p - strip_zeros(p, text + sizeof(text))));
                return true;
        }
        return false;
}

int gql_json_write_double(struct rift_buf *out, double d)
{
        char digits[32];
        int exp = 0, n, r;

        if (d == 0)
                return rift_buf_append_char(out, '0');
        if (d < 1e15 && d > -1e15 &&
            d == (double)(long long)d) { /* integral: JavaScript prints no fraction */
                char text[24], *p = put_uint(text + sizeof(text), (unsigned long long)(d < 0 ? -d : d));

                if (d < 0)
                        *--p = '-';
                return gql_buf_put(out, p, (size_t)(text + sizeof(text) - p));
        }
        if (short_fixed(out, d, &r))
                return r;
        if (d < 0) {
                r = rift_buf_append_char(out, '-');
                if (r < 0)
                        return r;
                d = -d;
        }
        n = shortest_digits(d, digits, sizeof(digits), &exp);
        if (n < 0)
                return n;
        if (exp >= 21 || exp <= -7) {
                r = rift_buf_printf(out, "%c%s%s%s%d", digits[0], n > 1 ? "." : "", digits + 1,
                                    exp > 0 ? "e+" : "e", exp);
                return r;
        }
        if (exp < 0) { /* 0.000ddd */
                r = rift_buf_append_str(out, "0.");
                for (int i = 0; r >= 0 && i < -exp - 1; i++)
                        r = rift_buf_append_char(out, '0');
                return r < 0 ? r : rift_buf_append_str(out, digits);
        }
        if (n <= exp + 1) { /* integer with trailing zeros */
                r = rift_buf_append_str(out, digits);
                for (int i = n; r >= 0 && i < exp + 1; i++)
                        r = rift_buf_append_char(out, '0');
                return r;
        }
        r = rift_buf_append(out, digits, (size_t)exp + 1);
        if (r >= 0)
                r = rift_buf_append_char(out, '.');
        return r < 0 ? r : rift_buf_append_str(out, digits + exp + 1);
}
