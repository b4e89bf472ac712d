/* Prometheus metrics: counters, gauges and histograms with optional labels, rendered in the text
 * exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * A registry owns metric families; a family owns one series per distinct set of label values, created
 * on first use. Each family caps its number of series: label sets beyond the cap are dropped (the call
 * returns RIFT_E_TOOBIG) and counted in rift_metrics_dropped_series_total{metric="<name>"}.
 * Families are declared in static const tables (STYLE rule 9):
 *
 *   static const char *const http_labels[] = { "method", "code", NULL };
 *   static const struct rift_metric_def defs[] = {
 *           { .name = "rift_http_requests_total", .help = "HTTP requests.", .type = RIFT_METRIC_COUNTER,
 *             .labels = http_labels },
 *   };
 *   rift_metrics_register_all(reg, defs, ARRAY_SIZE(defs), handles);
 *   rift_metric_inc(handles[0], RIFT_LV("GET", "200"));
 *
 * Not thread-safe: each process updates its registry from its single event loop. */
#ifndef RIFT_METRICS_H
#define RIFT_METRICS_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/macro.h"

#define RIFT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define RIFT_METRICS_DROPPED_NAME "rift_metrics_dropped_series_total"

enum rift_metric_type {
        RIFT_METRIC_COUNTER,
        RIFT_METRIC_GAUGE,
        RIFT_METRIC_HISTOGRAM,
};

/* Declares one metric family. */
struct rift_metric_def {
        const char *name;           /* [a-zA-Z_:][a-zA-Z0-9_:]*; counters should end in _total */
        const char *help;           /* one line of help text (escaped on output) */
        enum rift_metric_type type; /* counter, gauge or histogram */
        const char *const *labels;  /* NULL-terminated label names, or NULL for none */
        const double *buckets;      /* histogram upper bounds, strictly increasing, finite;
                                          * NULL means the default latency buckets (seconds) */
        size_t n_buckets;           /* entries in buckets */
        size_t max_series;          /* cardinality cap; 0 means the registry's default */
};

struct rift_metrics;
struct rift_metric;

/* Called at the start of every rendering to refresh gauges from current state (e.g. count rows). */
typedef void (*rift_metrics_collect_fn)(struct rift_metrics *reg, void *userdata);

/* Label values for one call: RIFT_LV("GET", "200") expands to the array and its length. */
#define RIFT_LV(...)                                                                                         \
        ((const char *const[]){ __VA_ARGS__ }),                                                              \
            (sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))
#define RIFT_LV_NONE NULL, 0

/* A new empty registry; default_max_series 0 means RIFT_METRICS_MAX_SERIES. */
int rift_metrics_new(size_t default_max_series, struct rift_metrics **ret);
void rift_metrics_free(struct rift_metrics *reg); /* accepts NULL */
DEFINE_CLEANUP_FUNC(struct rift_metrics, rift_metrics_free)

/* Registers a family (the definition is copied). RIFT_E_EXISTS if the name is taken, RIFT_E_INVALID for a
 * bad name, label name, bucket list or type. The handle stays valid until the registry is freed. */
int rift_metrics_register(struct rift_metrics *reg, const struct rift_metric_def *def,
                          struct rift_metric **ret);
/* Registers n families at once; ret_handles (n entries, may be NULL) receives them in order. On error
 * nothing of this call stays registered. */
int rift_metrics_register_all(struct rift_metrics *reg, const struct rift_metric_def *defs, size_t n,
                              struct rift_metric **ret_handles);
/* Shorthands for rift_metrics_register(). labels is NULL-terminated or NULL. */
int rift_metrics_counter_new(struct rift_metrics *reg, const char *name, const char *help,
                             const char *const *labels, struct rift_metric **ret);
int rift_metrics_gauge_new(struct rift_metrics *reg, const char *name, const char *help,
                           const char *const *labels, struct rift_metric **ret);
int rift_metrics_histogram_new(struct rift_metrics *reg, const char *name, const char *help,
                               const char *const *labels, const double *buckets, size_t n_buckets,
                               struct rift_metric **ret);
/* The family registered under name, or NULL. */
struct rift_metric *rift_metrics_find(struct rift_metrics *reg, const char *name);

/* Adds a callback run before each rendering (in registration order). */
int rift_metrics_add_collector(struct rift_metrics *reg, rift_metrics_collect_fn fn, void *userdata);

/* Updates. lv/n are the label values in the order of the definition's label names (use RIFT_LV()).
 * Errors: -EINVAL for a wrong number of values, a NULL value, a negative counter increment, a NaN
 * observation or the wrong metric type; RIFT_E_INVALID for a value that is not UTF-8 or longer than
 * RIFT_MAX_METRIC_LABEL_VALUE; RIFT_E_TOOBIG when a new series would pass the cap; -ENOMEM. */
int rift_metric_add(struct rift_metric *m, const char *const *lv, size_t n, double v); /* counter or gauge */
int rift_metric_inc(struct rift_metric *m, const char *const *lv, size_t n);           /* counter or gauge */
int rift_metric_dec(struct rift_metric *m, const char *const *lv, size_t n);           /* gauge */
int rift_metric_set(struct rift_metric *m, const char *const *lv, size_t n, double v); /* gauge */
int rift_metric_observe(struct rift_metric *m, const char *const *lv, size_t n, double v); /* histogram */
/* Current value of a counter or gauge series (for tests and collectors); RIFT_E_NOTFOUND if absent. */
int rift_metric_get(struct rift_metric *m, const char *const *lv, size_t n, double *ret);

/* Deletes one series (e.g. of a deleted experiment); RIFT_E_NOTFOUND if it does not exist. */
int rift_metric_remove(struct rift_metric *m, const char *const *lv, size_t n);
/* Deletes every series of the family. */
void rift_metric_clear(struct rift_metric *m);
/* Number of series the family holds now. */
size_t rift_metric_series_count(const struct rift_metric *m);

/* Runs the collectors, then appends the whole exposition text to out (RIFT_E_TOOBIG if out's cap is
 * reached). Families appear in registration order, series in creation order. Families without
 * series show only their HELP and TYPE lines. */
int rift_metrics_format(struct rift_metrics *reg, struct rift_buf *out);

#endif
