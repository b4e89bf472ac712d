#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/metrics.h"
#include "lib/str.h"

#define MAX_LABELS  16u  /* label names per family */
#define MAX_BUCKETS 64u  /* histogram buckets per family, +Inf excluded */
#define MAX_NAME    200u /* metric and label name length */
#define TABLE_MIN   16u  /* initial hash table size (power of two) */

/* Prometheus's default latency buckets, in seconds. */
static const double default_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

/* One labelled time series of a family. */
struct series {
        struct series *hnext;       /* next in the same hash chain */
        struct series *prev, *next; /* creation order */
        uint64_t hash;              /* hash of the label values */
        char **values;              /* n_labels label values (one allocation with the strings) */
        double value;               /* counter or gauge value */
        double sum;                 /* histogram: sum of observations */
        uint64_t count;             /* histogram: number of observations */
        uint64_t buckets[];         /* histogram: per-bucket (non-cumulative) counts, n_buckets + 1 */
};

struct rift_metric {
        struct rift_metrics *reg;    /* owning registry */
        struct rift_metric *next;    /* registration order */
        char *name;                  /* family name */
        char *help;                  /* help text, unescaped */
        enum rift_metric_type type;  /* counter, gauge or histogram */
        char **labels;               /* n_labels label names */
        size_t n_labels;             /* entries in labels */
        double *buckets;             /* histogram upper bounds (the +Inf bucket is implicit) */
        char **le_text;              /* the bounds as written in le="", n_buckets + 1 with "+Inf" last */
        size_t n_buckets;            /* entries in buckets */
        size_t max_series;           /* cardinality cap */
        struct series *first, *last; /* series in creation order */
        size_t n_series;             /* series held */
        struct series **table;       /* hash table of series, table_size chains */
        size_t table_size;           /* power of two, or 0 before the first series */
};

/* A callback run before rendering. */
struct collector {
        rift_metrics_collect_fn fn; /* the callback */
        void *userdata;             /* its argument */
};

struct rift_metrics {
        struct rift_metric *first, *last; /* families in registration order */
        size_t default_max_series;        /* cap for families that do not set one */
        struct collector *collectors;     /* n_collectors callbacks */
        size_t n_collectors;              /* entries in collectors */
        struct rift_metric *dropped;      /* rift_metrics_dropped_series_total{metric} */
};

static int append_number(struct rift_buf *b, double v);

/* ---- names and validation ------------------------------------------------------------------------- */

static bool name_valid(const char *s, bool colon)
{
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, MAX_NAME + 1);
        if (n == 0 || n > MAX_NAME)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                          (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');

                if (!ok)
                        return false;
        }
        return true;
}

static bool label_name_valid(const char *s, enum rift_metric_type type)
{
        if (!name_valid(s, false) || rift_startswith(s, "__"))
                return false;
        return !(type == RIFT_METRIC_HISTOGRAM && strcmp(s, "le") == 0);
}

static int check_labels(const struct rift_metric_def *def, size_t *ret_n)
{
        size_t n = 0;

        for (; def->labels && def->labels[n]; n++) {
                if (n >= MAX_LABELS || !label_name_valid(def->labels[n], def->type))
                        return RIFT_E_INVALID;
                for (size_t j = 0; j < n; j++)
                        if (strcmp(def->labels[j], def->labels[n]) == 0)
                                return RIFT_E_INVALID;
        }
        *ret_n = n;
        return 0;
}

static int check_buckets(const double *b, size_t n)
{
        if (n == 0 || n > MAX_BUCKETS)
                return RIFT_E_INVALID;
        for (size_t i = 0; i < n; i++)
                if (!isfinite(b[i]) || (i > 0 && b[i] <= b[i - 1]))
                        return RIFT_E_INVALID;
        return 0;
}

static int check_def(const struct rift_metric_def *def, size_t *ret_n_labels)
{
        if (!def || !name_valid(def->name, true) || !def->help ||
            !rift_utf8_valid(def->help, strlen(def->help)))
                return RIFT_E_INVALID;
        if (def->type != RIFT_METRIC_COUNTER && def->type != RIFT_METRIC_GAUGE &&
            def->type != RIFT_METRIC_HISTOGRAM)
                return RIFT_E_INVALID;
        if (def->type == RIFT_METRIC_HISTOGRAM && def->buckets &&
            check_buckets(def->buckets, def->n_buckets) < 0)
                return RIFT_E_INVALID;
        return check_labels(def, ret_n_labels);
}

/* ---- families ------------------------------------------------------------------------------------- */

static void series_free(struct series *s)
{
        if (!s)
                return;
        free(s->values);
        free(s);
}

static void metric_free(struct rift_metric *m)
{
        struct series *s, *next;

        if (!m)
                return;
        for (s = m->first; s; s = next) {
                next = s->next;
                series_free(s);
        }
        for (size_t i = 0; m->labels && i < m->n_labels; i++)
                free(m->labels[i]);
        free(m->labels);
        free(m->buckets);
        free(m->le_text);
        free(m->table);
        free(m->name);
        free(m->help);
        free(m);
}

/* Renders the bucket bounds once, as one allocation: n + 1 pointers then the strings. */
static int le_texts_new(const double *bounds, size_t n, char ***ret)
{
        _cleanup_buf_ struct rift_buf text = RIFT_BUF_INIT((n + 1) * 32);
        size_t offs[MAX_BUCKETS + 1];
        char **arr;
        int r = 0;

        for (size_t i = 0; r >= 0 && i <= n; i++) {
                offs[i] = text.len;
                r = i < n ? append_number(&text, bounds[i]) : rift_buf_append_str(&text, "+Inf");
                if (r >= 0)
                        r = rift_buf_append_char(&text, '\0');
        }
        if (r < 0)
                return r;
        arr = malloc((n + 1) * sizeof(char *) + text.len);
        if (!arr)
                return -ENOMEM;
        memcpy(arr + n + 1, text.data, text.len);
        for (size_t i = 0; i <= n; i++)
                arr[i] = (char *)(arr + n + 1) + offs[i];
        *ret = arr;
        return 0;
}

/* Copies what the definition points to. */
static int metric_new(struct rift_metrics *reg, const struct rift_metric_def *def, size_t n_labels,
                      struct rift_metric **ret)
{
        const double *b = def->buckets ? def->buckets : default_buckets;
        size_t nb = def->buckets ? def->n_buckets : ARRAY_SIZE(default_buckets);
        struct rift_metric *m;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *m = (struct rift_metric){ .reg = reg, .type = def->type, .n_labels = n_labels };
        m->max_series = def->max_series ? def->max_series : reg->default_max_series;
        m->name = strdup(def->name);
        m->help = strdup(def->help);
        m->labels = calloc(n_labels + 1, sizeof(char *));
        if (def->type == RIFT_METRIC_HISTOGRAM) {
                m->n_buckets = nb;
                m->buckets = malloc(nb * sizeof(double));
                if (m->buckets)
                        memcpy(m->buckets, b, nb * sizeof(double));
                if (le_texts_new(b, nb, &m->le_text) < 0)
                        m->le_text = NULL;
        }
        for (size_t i = 0; m->labels && i < n_labels; i++)
                if (!(m->labels[i] = strdup(def->labels[i])))
                        goto oom;
        if (!m->name || !m->help || !m->labels ||
            (def->type == RIFT_METRIC_HISTOGRAM && (!m->buckets || !m->le_text)))
                goto oom;
        *ret = m;
        return 0;
oom:
        metric_free(m);
        return -ENOMEM;
}

struct rift_metric *rift_metrics_find(struct rift_metrics *reg, const char *name)
{
        if (!reg || !name)
                return NULL;
        for (struct rift_metric *m = reg->first; m; m = m->next)
                if (strcmp(m->name, name) == 0)
                        return m;
        return NULL;
}

int rift_metrics_register(struct rift_metrics *reg, const struct rift_metric_def *def,
                          struct rift_metric **ret)
{
        struct rift_metric *m = NULL;
        size_t n_labels = 0;
        int r;

        if (!reg)
                return -EINVAL;
        r = check_def(def, &n_labels);
        if (r < 0)
                return r;
        if (rift_metrics_find(reg, def->name))
                return RIFT_E_EXISTS;
        r = metric_new(reg, def, n_labels, &m);
        if (r < 0)
                return r;
        if (reg->last)
                reg->last->next = m;
        else
                reg->first = m;
        reg->last = m;
        if (ret)
                *ret = m;
        return 0;
}

/* Unregisters and frees every family after `keep` (NULL: all); used to undo a partial table. */
static void truncate_after(struct rift_metrics *reg, struct rift_metric *keep)
{
        struct rift_metric *m = keep ? keep->next : reg->first, *next;

        for (; m; m = next) {
                next = m->next;
                metric_free(m);
        }
        if (keep)
                keep->next = NULL;
        else
                reg->first = NULL;
        reg->last = keep;
}

int rift_metrics_register_all(struct rift_metrics *reg, const struct rift_metric_def *defs, size_t n,
                              struct rift_metric **ret_handles)
{
        struct rift_metric *mark, *m = NULL;
        int r;

        if (!reg || (n > 0 && !defs))
                return -EINVAL;
        mark = reg->last;
        for (size_t i = 0; i < n; i++) {
                r = rift_metrics_register(reg, &defs[i], &m);
                if (r < 0) {
                        truncate_after(reg, mark);
                        return r;
                }
                if (ret_handles)
                        ret_handles[i] = m;
        }
        return 0;
}

int rift_metrics_counter_new(struct rift_metrics *reg, const char *name, const char *help,
                             const char *const *labels, struct rift_metric **ret)
{
        const struct rift_metric_def d = {
                .name = name, .help = help, .type = RIFT_METRIC_COUNTER, .labels = labels
        };

        return rift_metrics_register(reg, &d, ret);
}

int rift_metrics_gauge_new(struct rift_metrics *reg, const char *name, const char *help,
                           const char *const *labels, struct rift_metric **ret)
{
        const struct rift_metric_def d = {
                .name = name, .help = help, .type = RIFT_METRIC_GAUGE, .labels = labels
        };

        return rift_metrics_register(reg, &d, ret);
}

int rift_metrics_histogram_new(struct rift_metrics *reg, const char *name, const char *help,
                               const char *const *labels, const double *buckets, size_t n_buckets,
                               struct rift_metric **ret)
{
        const struct rift_metric_def d = { .name = name,
                                           .help = help,
                                           .type = RIFT_METRIC_HISTOGRAM,
                                           .labels = labels,
                                           .buckets = buckets,
                                           .n_buckets = n_buckets };

        return rift_metrics_register(reg, &d, ret);
}

/* ---- registry ------------------------------------------------------------------------------------- */

int rift_metrics_new(size_t default_max_series, struct rift_metrics **ret)
{
        static const char *const dropped_labels[] = { "metric", NULL };
        const struct rift_metric_def dropped = {
                .name = RIFT_METRICS_DROPPED_NAME,
                .help = "Label sets refused because their metric reached its series limit.",
                .type = RIFT_METRIC_COUNTER,
                .labels = dropped_labels,
                .max_series = SIZE_MAX, /* one series per family at most */
        };
        struct rift_metrics *reg;
        int r;

        if (!ret)
                return -EINVAL;
        reg = calloc(1, sizeof(*reg));
        if (!reg)
                return -ENOMEM;
        reg->default_max_series = default_max_series ? default_max_series : RIFT_METRICS_MAX_SERIES;
        r = rift_metrics_register(reg, &dropped, &reg->dropped);
        if (r < 0) {
                free(reg);
                return r;
        }
        *ret = reg;
        return 0;
}

void rift_metrics_free(struct rift_metrics *reg)
{
        if (!reg)
                return;
        truncate_after(reg, NULL);
        free(reg->collectors);
        free(reg);
}

int rift_metrics_add_collector(struct rift_metrics *reg, rift_metrics_collect_fn fn, void *userdata)
{
        struct collector *c;

        if (!reg || !fn)
                return -EINVAL;
        c = reallocarray(reg->collectors, reg->n_collectors + 1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        reg->collectors = c;
        c[reg->n_collectors++] = (struct collector){ .fn = fn, .userdata = userdata };
        return 0;
}

/* ---- series --------------------------------------------------------------------------------------- */

static uint64_t values_hash(const char *const *lv, size_t n)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */

        for (size_t i = 0; i < n; i++) {
                for (const unsigned char *p = (const unsigned char *)lv[i]; *p; p++)
                        h = (h ^ *p) * 1099511628211ull;
                h = (h ^ 0xff) * 1099511628211ull; /* separator no UTF-8 string contains */
        }
        return h;
}

static int check_values(const struct rift_metric *m, const char *const *lv, size_t n)
{
        if (n != m->n_labels || (n > 0 && !lv))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                size_t len;

                if (!lv[i])
                        return -EINVAL;
                len = strnlen(lv[i], RIFT_MAX_METRIC_LABEL_VALUE + 1);
                if (len > RIFT_MAX_METRIC_LABEL_VALUE || !rift_utf8_valid(lv[i], len))
                        return RIFT_E_INVALID;
        }
        return 0;
}

static struct series *series_find(const struct rift_metric *m, const char *const *lv, size_t n, uint64_t h)
{
        if (m->table_size == 0)
                return NULL;
        for (struct series *s = m->table[h & (m->table_size - 1)]; s; s = s->hnext) {
                size_t i = 0;

                if (s->hash != h)
                        continue;
                while (i < n && strcmp(s->values[i], lv[i]) == 0)
                        i++;
                if (i == n)
                        return s;
        }
        return NULL;
}

/* Doubles the hash table when it is as full as it has chains. */
static int table_grow(struct rift_metric *m)
{
        size_t size = m->table_size ? m->table_size * 2 : TABLE_MIN;
        struct series **t;

        if (m->n_series < m->table_size)
                return 0;
        t = calloc(size, sizeof(*t));
        if (!t)
                return -ENOMEM;
        for (struct series *s = m->first; s; s = s->next) {
                s->hnext = t[s->hash & (size - 1)];
                t[s->hash & (size - 1)] = s;
        }
        free(m->table);
        m->table = t;
        m->table_size = size;
        return 0;
}

static int series_alloc(const struct rift_metric *m, const char *const *lv, size_t n, struct series **ret)
{
        size_t nb = m->type == RIFT_METRIC_HISTOGRAM ? m->n_buckets + 1 : 0, strings = 0;
        struct series *s;
        char *p;

        for (size_t i = 0; i < n; i++)
                strings += strlen(lv[i]) + 1;
        s = calloc(1, sizeof(*s) + nb * sizeof(uint64_t));
        if (!s)
                return -ENOMEM;
        s->values = malloc(n * sizeof(char *) + strings + 1);
        if (!s->values) {
                free(s);
                return -ENOMEM;
        }
        p = (char *)(s->values + n);
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(lv[i]) + 1;

                memcpy(p, lv[i], len);
                s->values[i] = p;
                p += len;
        }
        *ret = s;
        return 0;
}

static void count_dropped(struct rift_metric *m)
{
        struct rift_metric *d = m->reg->dropped;

        if (d && d != m)
                (void)rift_metric_inc(d, RIFT_LV(m->name));
}

/* Finds the series for lv, creating it (within the cap) if create is set. */
static int series_get(struct rift_metric *m, const char *const *lv, size_t n, bool create,
                      struct series **ret)
{
        struct series *s;
        uint64_t h;
        int r;

        r = check_values(m, lv, n);
        if (r < 0)
                return r;
        h = values_hash(lv, n);
        s = series_find(m, lv, n, h);
        if (s || !create) {
                if (!s)
                        return RIFT_E_NOTFOUND;
                *ret = s;
                return 0;
        }
        if (m->n_series >= m->max_series) {
                count_dropped(m);
                return RIFT_E_TOOBIG;
        }
        r = table_grow(m);
        if (r >= 0)
                r = series_alloc(m, lv, n, &s);
        if (r < 0)
                return r;
        s->hash = h;
        s->hnext = m->table[h & (m->table_size - 1)];
        m->table[h & (m->table_size - 1)] = s;
        s->prev = m->last;
        if (m->last)
                m->last->next = s;
        else
                m->first = s;
        m->last = s;
        m->n_series++;
        *ret = s;
        return 0;
}

static void series_unlink(struct rift_metric *m, struct series *s)
{
        struct series **pp = &m->table[s->hash & (m->table_size - 1)];

        while (*pp != s)
                pp = &(*pp)->hnext;
        *pp = s->hnext;
        if (s->prev)
                s->prev->next = s->next;
        else
                m->first = s->next;
        if (s->next)
                s->next->prev = s->prev;
        else
                m->last = s->prev;
        m->n_series--;
}

/* ---- updates -------------------------------------------------------------------------------------- */

int rift_metric_add(struct rift_metric *m, const char *const *lv, size_t n, double v)
{
        struct series *s;
        int r;

        if (!m || m->type == RIFT_METRIC_HISTOGRAM || isnan(v) || (m->type == RIFT_METRIC_COUNTER && v < 0))
                return -EINVAL;
        r = series_get(m, lv, n, true, &s);
        if (r < 0)
                return r;
        s->value += v;
        return 0;
}

int rift_metric_inc(struct rift_metric *m, const char *const *lv, size_t n)
{
        return rift_metric_add(m, lv, n, 1.0);
}

int rift_metric_dec(struct rift_metric *m, const char *const *lv, size_t n)
{
        if (!m || m->type != RIFT_METRIC_GAUGE)
                return -EINVAL;
        return rift_metric_add(m, lv, n, -1.0);
}

int rift_metric_set(struct rift_metric *m, const char *const *lv, size_t n, double v)
{
        struct series *s;
        int r;

        if (!m || m->type != RIFT_METRIC_GAUGE || isnan(v))
                return -EINVAL;
        r = series_get(m, lv, n, true, &s);
        if (r < 0)
                return r;
        s->value = v;
        return 0;
}

int rift_metric_observe(struct rift_metric *m, const char *const *lv, size_t n, double v)
{
        struct series *s;
        size_t i = 0;
        int r;

        if (!m || m->type != RIFT_METRIC_HISTOGRAM || isnan(v))
                return -EINVAL;
        r = series_get(m, lv, n, true, &s);
        if (r < 0)
                return r;
        while (i < m->n_buckets && v > m->buckets[i])
                i++;
        s->buckets[i]++; /* i == n_buckets is the +Inf bucket */
        s->count++;
        s->sum += v;
        return 0;
}

int rift_metric_get(struct rift_metric *m, const char *const *lv, size_t n, double *ret)
{
        struct series *s;
        int r;

        if (!m || m->type == RIFT_METRIC_HISTOGRAM || !ret)
                return -EINVAL;
        r = series_get(m, lv, n, false, &s);
        if (r < 0)
                return r;
        *ret = s->value;
        return 0;
}

int rift_metric_remove(struct rift_metric *m, const char *const *lv, size_t n)
{
        struct series *s;
        int r;

        if (!m)
                return -EINVAL;
        r = series_get(m, lv, n, false, &s);
        if (r < 0)
                return r;
        series_unlink(m, s);
        series_free(s);
        return 0;
}

void rift_metric_clear(struct rift_metric *m)
{
        struct series *s, *next;

        if (!m)
                return;
        for (s = m->first; s; s = next) {
                next = s->next;
                series_free(s);
        }
        m->first = m->last = NULL;
        m->n_series = 0;
        if (m->table)
                memset(m->table, 0, m->table_size * sizeof(*m->table));
}

size_t rift_metric_series_count(const struct rift_metric *m)
{
        return m ? m->n_series : 0;
}

/* ---- exposition ----------------------------------------------------------------------------------- */

/* Decimal digits of an integer without printf (counts are most of what is written). */
static int append_int(struct rift_buf *b, int64_t v)
{
        char tmp[24], *p = tmp + sizeof(tmp);
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

        do {
                *--p = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                *--p = '-';
        return rift_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Integers below 1e15 in full, other numbers in the shortest %g form that reads back the same value (a
 * non-integer always has more significant digits than its exponent, so %g stays in fixed notation for
 * it unless it is very small or very large); Inf and NaN spelled as Prometheus does. */
static int append_number(struct rift_buf *b, double v)
{
        char tmp[32];

        if (isnan(v))
                return rift_buf_append_str(b, "NaN");
        if (isinf(v))
                return rift_buf_append_str(b, v > 0 ? "+Inf" : "-Inf");
        if (v == 0)
                return rift_buf_append_char(b, '0');
        if (fabs(v) < 1e15 && v == trunc(v))
                return append_int(b, (int64_t)v);
        /* %g drops trailing zeros, so the first precision that reads back is the shortest form */
        for (int prec = 15; prec <= 17; prec++) {
                snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
                if (strtod(tmp, NULL) == v)
                        break;
        }
        return rift_buf_append_str(b, tmp);
}

/* Escapes backslash and newline, and double quote too when quote is set (label values). */
static int append_escaped(struct rift_buf *b, const char *s, bool quote)
{
        const char *special = quote ? "\\\n\"" : "\\\n";
        int r = 0;

        while (r >= 0 && *s) {
                size_t run = strcspn(s, special);

                r = rift_buf_append(b, s, run);
                s += run;
                if (r < 0 || !*s)
                        break;
                r = rift_buf_append_str(b, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\");
                s++;
        }
        return r;
}

/* Renders a series' label pairs once, `a="x",b="y"`, for all of its lines. */
static int format_labels(const struct rift_metric *m, const struct series *s, struct rift_buf *lbl)
{
        int r = 0;

        rift_buf_reset(lbl);
        for (size_t i = 0; r >= 0 && i < m->n_labels; i++) {
                if (i > 0)
                        r = rift_buf_append_char(lbl, ',');
                if (r >= 0)
                        r = rift_buf_append_str(lbl, m->labels[i]);
                if (r >= 0)
                        r = rift_buf_append_str(lbl, "=\"");
                if (r >= 0)
                        r = append_escaped(lbl, s->values[i], true);
                if (r >= 0)
                        r = rift_buf_append_char(lbl, '"');
        }
        return r;
}

/* Writes `name<suffix>{labels[,le="x"]} value\n`; le is NULL except for histogram buckets. */
static int append_sample(struct rift_buf *b, const struct rift_metric *m, const char *suffix,
                         const struct rift_buf *lbl, const char *le, double value)
{
        bool braces = lbl->len > 0 || le;
        int r;

        r = rift_buf_append_str(b, m->name);
        if (r >= 0)
                r = rift_buf_append_str(b, suffix);
        if (r >= 0 && braces)
                r = rift_buf_append_char(b, '{');
        if (r >= 0 && lbl->len > 0)
                r = rift_buf_append(b, lbl->data, lbl->len);
        if (r >= 0 && le) {
                r = rift_buf_append_str(b, lbl->len > 0 ? ",le=\"" : "le=\"");
                if (r >= 0)
                        r = rift_buf_append_str(b, le);
                if (r >= 0)
                        r = rift_buf_append_char(b, '"');
        }
        if (r >= 0 && braces)
                r = rift_buf_append_char(b, '}');
        if (r >= 0)
                r = rift_buf_append_char(b, ' ');
        if (r >= 0)
                r = append_number(b, value);
        if (r >= 0)
                r = rift_buf_append_char(b, '\n');
        return r;
}

static int append_histogram(struct rift_buf *b, const struct rift_metric *m, const struct series *s,
                            const struct rift_buf *lbl)
{
        uint64_t cumulative = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && i <= m->n_buckets; i++) {
                cumulative += s->buckets[i];
                r = append_sample(b, m, "_bucket", lbl, m->le_text[i], (double)cumulative);
        }
        if (r >= 0)
                r = append_sample(b, m, "_sum", lbl, NULL, s->sum);
        if (r >= 0)
                r = append_sample(b, m, "_count", lbl, NULL, (double)s->count);
        return r;
}

static int append_family(struct rift_buf *b, const struct rift_metric *m, struct rift_buf *lbl)
{
        static const char *const type_names[] = {
                [RIFT_METRIC_COUNTER] = "counter",
                [RIFT_METRIC_GAUGE] = "gauge",
                [RIFT_METRIC_HISTOGRAM] = "histogram",
        };
        int r;

        r = rift_buf_printf(b, "# HELP %s ", m->name);
        if (r >= 0)
                r = append_escaped(b, m->help, false);
        if (r >= 0)
                r = rift_buf_printf(b, "\n# TYPE %s %s\n", m->name, type_names[m->type]);
        for (const struct series *s = m->first; r >= 0 && s; s = s->next) {
                r = format_labels(m, s, lbl);
                if (r >= 0 && m->type == RIFT_METRIC_HISTOGRAM)
                        r = append_histogram(b, m, s, lbl);
                else if (r >= 0)
                        r = append_sample(b, m, "", lbl, NULL, s->value);
        }
        return r;
}

int rift_metrics_format(struct rift_metrics *reg, struct rift_buf *out)
{
        /* label pairs of one series: bounded by the label count and value limits */
        _cleanup_buf_ struct rift_buf lbl =
            RIFT_BUF_INIT(MAX_LABELS * (MAX_NAME + 4 + 2 * RIFT_MAX_METRIC_LABEL_VALUE));
        int r = 0;

        if (!reg || !out)
                return -EINVAL;
        for (size_t i = 0; i < reg->n_collectors; i++)
                reg->collectors[i].fn(reg, reg->collectors[i].userdata);
        for (const struct rift_metric *m = reg->first; r >= 0 && m; m = m->next)
                r = append_family(out, m, &lbl);
        return r;
}
