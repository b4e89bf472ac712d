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

int gql_json_write_string(struct rift_buf *out, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        int r = rift_buf_reserve(out, len + 2);
        size_t run = 0;

        if (r < 0)
                return r;
        r = gql_buf_putc(out, '"');
        for (size_t i = 0; r >= 0 && i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                char esc[7] = { '\\', 0 };
                size_t n = 2;

                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                r = gql_buf_put(out, s + run, i - run);
                run = i + 1;
                switch (c) {
                case '"':
                        esc[1] = '"';
                        break;
                case '\\':
                        esc[1] = '\\';
                        break;
                case '\b':
                        esc[1] = 'b';
                        break;
                case '\f':
                        esc[1] = 'f';
                        break;
                case '\n':
                        esc[1] = 'n';
                        break;
                case '\r':
                        esc[1] = 'r';
                        break;
                case '\t':
                        esc[1] = 't';
                        break;
                default:
                        memcpy(esc + 1, "u00", 3);
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 15];
                        n = 6;
                }
                if (r >= 0)
                        r = gql_buf_put(out, esc, n);
        }
        if (r >= 0)
                r = gql_buf_put(out, s + run, len - run);
        if (r >= 0)
                r = gql_buf_putc(out, '"');
        return r;
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

/* Fast path for values with at most 6 decimals in [1e-6, 1e15): the first k (decimals) whose rounded
 * text reads back as d is the shortest text. Returns false to use the general path. */
static bool short_fixed(struct rift_buf *out, double d, int *ret)
{
        double a = d < 0 ? -d : d, scale = 1;
        char text[48];

        if (a < 1e-6 || a >= 1e15)
                return false;
        for (int k = 1; k <= 6; k++) {
                long long m, ip;
                int n;

                scale *= 10;
                if (a * scale >= 9e15)
                        return false;
                m = llround(a * scale);
                ip = m / (long long)scale;
                n = snprintf(text, sizeof(text), "%s%lld.%0*lld", d < 0 ? "-" : "", ip, k,
                             m % (long long)scale);
                while (n > 0 && text[n - 1] == '0')
                        text[--n] = '\0';
                if (strtod(text, NULL) != d)
                        return false;
                *ret = rift_buf_append(out, text, (size_t)n);
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
        if (d < 1e15 && d > -1e15 && d == (double)(long long)d) /* integral: JavaScript prints no fraction */
                return rift_buf_printf(out, "%lld", (long long)d);
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
