/* Suggestions; see suggest.h. Names are ASCII, so lowercasing and lengths are per byte. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/graphql/suggest.h"

static char *lower(struct gql_arena *a, const char *s)
{
        size_t n = strlen(s);
        char *l = gql_arena_alloc(a, n + 1);

        for (size_t i = 0; i < n; i++)
                l[i] = (char)tolower((unsigned char)s[i]);
        return l;
}

static size_t min3(size_t x, size_t y, size_t z)
{
        size_t m = x < y ? x : y;

        return m < z ? m : z;
}

/* graphql-js LexicalDistance.measure; (size_t)-1 when over threshold. */
static size_t distance(struct gql_arena *a, const char *input, const char *option, size_t threshold)
{
        const char *x, *y;
        size_t *rows[3], xl, yl, d;

        if (strcmp(input, option) == 0)
                return 0;
        x = lower(a, option);
        y = lower(a, input);
        if (strcmp(x, y) == 0)
                return 1;
        if (strlen(x) < strlen(y)) {
                const char *t = x;

                x = y;
                y = t;
        }
        xl = strlen(x);
        yl = strlen(y);
        if (xl - yl > threshold)
                return (size_t)-1;
        for (int k = 0; k < 3; k++)
                rows[k] = gql_arena_alloc(a, (yl + 1) * sizeof(size_t));
        for (size_t j = 0; j <= yl; j++)
                rows[0][j] = j;
        for (size_t i = 1; i <= xl; i++) {
                size_t *up = rows[(i - 1) % 3], *cur = rows[i % 3], smallest = cur[0] = i;

                for (size_t j = 1; j <= yl; j++) {
                        size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
                        size_t cell = min3(up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost);

                        if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                            rows[(i - 2) % 3][j - 2] + 1 < cell)
                                cell = rows[(i - 2) % 3][j - 2] + 1;
                        if (cell < smallest)
                                smallest = cell;
                        cur[j] = cell;
                }
                if (smallest > threshold)
                        return (size_t)-1;
        }
        d = rows[xl % 3][yl];
        return d <= threshold ? d : (size_t)-1;
}

/* graphql-js naturalCompare: digit runs compare as numbers. */
static int natural_compare(const char *a, const char *b)
{
        size_t i = 0, j = 0, la = strlen(a), lb = strlen(b);

        while (i < la && j < lb) {
                if (isdigit((unsigned char)a[i]) && isdigit((unsigned char)b[j])) {
                        unsigned long long x = 0, y = 0;

                        do
                                x = x * 10 + (unsigned)(a[i++] - '0');
                        while (i < la && isdigit((unsigned char)a[i]) && x > 0);
                        do
                                y = y * 10 + (unsigned)(b[j++] - '0');
                        while (j < lb && isdigit((unsigned char)b[j]) && y > 0);
                        if (x != y)
                                return x < y ? -1 : 1;
                } else {
                        if (a[i] != b[j])
                                return (unsigned char)a[i] < (unsigned char)b[j] ? -1 : 1;
                        i++;
                        j++;
                }
        }
        return (int)la - (int)lb;
}

struct scored {
        const char *name; /* option */
        size_t dist;      /* its distance */
};

static int cmp_scored(const void *p, const void *q)
{
        const struct scored *a = p, *b = q;

        if (a->dist != b->dist)
                return a->dist < b->dist ? -1 : 1;
        return natural_compare(a->name, b->name);
}

const char **gql_suggestion_list(struct gql_arena *a, const char *input, const char *const *options, size_t n,
                                 size_t *ret_n)
{
        struct scored *s = gql_arena_alloc(a, (n + 1) * sizeof(*s));
        const char **out;
        size_t threshold = strlen(input) * 4 / 10 + 1, k = 0;

        for (size_t i = 0; i < n; i++) {
                size_t d = distance(a, input, options[i], threshold);

                if (d == (size_t)-1)
                        continue;
                s[k++] = (struct scored){ options[i], d };
        }
        qsort(s, k, sizeof(*s), cmp_scored);
        out = gql_arena_alloc(a, (k + 1) * sizeof(*out));
        for (size_t i = 0; i < k; i++)
                out[i] = s[i].name;
        *ret_n = k;
        return out;
}

const char *gql_did_you_mean(struct gql_arena *a, const char *sub, const char *const *sug, size_t n)
{
        struct rift_buf b = RIFT_BUF_INIT(4096);
        const char *text;

        if (!n)
                return "";
        if (n > 5)
                n = 5;
        gql_arena_track(a, &b);
        rift_buf_printf(&b, " Did you mean %s%s", sub ? sub : "", sub ? " " : "");
        for (size_t i = 0; i < n; i++) {
                const char *sep = i == 0 ? "" : n == 2 ? " or " : i + 1 == n ? ", or " : ", ";

                rift_buf_printf(&b, "%s\"%s\"", sep, sug[i]);
        }
        rift_buf_append_char(&b, '?');
        text = gql_arena_strndup(a, b.data ? b.data : "", b.len);
        gql_arena_untrack(a, &b);
        rift_buf_free(&b);
        return text;
}

const char *gql_suggest(struct gql_arena *a, const char *input, const char *const *options, size_t n)
{
        size_t k;
        const char **sug = gql_suggestion_list(a, input, options, n, &k);

        return gql_did_you_mean(a, NULL, sug, k);
}
