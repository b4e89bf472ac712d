#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/metrics.h"

#define DROPPED_HEADER                                                                                       \
        "# HELP rift_metrics_dropped_series_total Label sets refused because their metric reached its "      \
        "series limit.\n"                                                                                    \
        "# TYPE rift_metrics_dropped_series_total counter\n"

static const char *const http_labels[] = { "method", "code", NULL };
static const double small_buckets[] = { 0.1, 1 };

static const struct rift_metric_def small_defs[] = {
        { .name = "rift_http_requests_total",
          .help = "HTTP requests handled.",
          .type = RIFT_METRIC_COUNTER,
          .labels = http_labels },
        { .name = "rift_experiments_running", .help = "Experiments running now.", .type = RIFT_METRIC_GAUGE },
        { .name = "rift_http_request_duration_seconds",
          .help = "HTTP request latency.",
          .type = RIFT_METRIC_HISTOGRAM,
          .buckets = small_buckets,
          .n_buckets = 2 },
};

/* Renders the registry into a fresh string (caller frees). */
static char *render(struct rift_metrics *reg)
{
        struct rift_buf b = RIFT_BUF_INIT(1024 * 1024);

        assert_int_equal(rift_metrics_format(reg, &b), 0);
        return rift_buf_steal(&b);
}

static void exposition_golden(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        struct rift_metric *m[3];
        char *text;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_register_all(reg, small_defs, 3, m), 0);
        assert_int_equal(rift_metric_inc(m[0], RIFT_LV("GET", "200")), 0);
        assert_int_equal(rift_metric_add(m[0], RIFT_LV("GET", "200"), 2), 0);
        assert_int_equal(rift_metric_inc(m[0], RIFT_LV("POST", "500")), 0);
        assert_int_equal(rift_metric_set(m[1], RIFT_LV_NONE, 4), 0);
        assert_int_equal(rift_metric_dec(m[1], RIFT_LV_NONE), 0);
        assert_int_equal(rift_metric_observe(m[2], RIFT_LV_NONE, 0.05), 0);
        assert_int_equal(rift_metric_observe(m[2], RIFT_LV_NONE, 0.1), 0); /* le is inclusive */
        assert_int_equal(rift_metric_observe(m[2], RIFT_LV_NONE, 0.5), 0);
        assert_int_equal(rift_metric_observe(m[2], RIFT_LV_NONE, 7.25), 0);
        text = render(reg);
        assert_string_equal(text,
                            DROPPED_HEADER "# HELP rift_http_requests_total HTTP requests handled.\n"
                                           "# TYPE rift_http_requests_total counter\n"
                                           "rift_http_requests_total{method=\"GET\",code=\"200\"} 3\n"
                                           "rift_http_requests_total{method=\"POST\",code=\"500\"} 1\n"
                                           "# HELP rift_experiments_running Experiments running now.\n"
                                           "# TYPE rift_experiments_running gauge\n"
                                           "rift_experiments_running 3\n"
                                           "# HELP rift_http_request_duration_seconds HTTP request latency.\n"
                                           "# TYPE rift_http_request_duration_seconds histogram\n"
                                           "rift_http_request_duration_seconds_bucket{le=\"0.1\"} 2\n"
                                           "rift_http_request_duration_seconds_bucket{le=\"1\"} 3\n"
                                           "rift_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"
                                           "rift_http_request_duration_seconds_sum 7.9\n"
                                           "rift_http_request_duration_seconds_count 4\n");
        free(text);
}

static void escaping(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "path", NULL };
        struct rift_metric *g;
        char *text;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(
            rift_metrics_gauge_new(reg, "x", "Back\\slash and\nnewline, \"quotes\" kept.", l, &g), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("C:\\dir \"q\"\nnext"), 1), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("ünïcode ✓"), 2), 0);
        text = render(reg);
        assert_non_null(strstr(text,
                               "# HELP x Back\\\\slash and\\nnewline, \"quotes\" kept.\n# TYPE x gauge\n"
                               "x{path=\"C:\\\\dir \\\"q\\\"\\nnext\"} 1\n"
                               "x{path=\"ünïcode ✓\"} 2\n"));
        free(text);
        /* invalid UTF-8 and over-long values are refused, not emitted */
        assert_int_equal(rift_metric_set(g, RIFT_LV("\xc3\x28"), 1), RIFT_E_INVALID);
        {
                char *big = malloc(RIFT_MAX_METRIC_LABEL_VALUE + 2);

                memset(big, 'v', RIFT_MAX_METRIC_LABEL_VALUE + 1);
                big[RIFT_MAX_METRIC_LABEL_VALUE + 1] = '\0';
                assert_int_equal(rift_metric_set(g, RIFT_LV(big), 1), RIFT_E_INVALID);
                big[RIFT_MAX_METRIC_LABEL_VALUE] = '\0';
                assert_int_equal(rift_metric_set(g, RIFT_LV(big), 1), 0);
                free(big);
        }
        assert_int_equal(rift_metric_series_count(g), 3);
}

static void numbers(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "k", NULL };
        struct rift_metric *g;
        char *text;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_gauge_new(reg, "n", "Numbers.", l, &g), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("a"), 0.1), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("b"), -2.5), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("c"), 1e-5), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("d"), 1.5e20), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("e"), INFINITY), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("f"), -INFINITY), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("g"), 123456789012), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("h"), 1.0 / 3), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("i"), NAN), -EINVAL);
        text = render(reg);
        assert_non_null(strstr(text, "n{k=\"a\"} 0.1\nn{k=\"b\"} -2.5\nn{k=\"c\"} 1e-05\nn{k=\"d\"} 1.5e+20\n"
                                     "n{k=\"e\"} +Inf\nn{k=\"f\"} -Inf\nn{k=\"g\"} 123456789012\n"
                                     "n{k=\"h\"} 0.3333333333333333\n"));
        free(text);
}

static void histogram_cumulative_with_labels(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "fault", NULL };
        struct rift_metric *h;
        char *text;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_histogram_new(reg, "inject_seconds", "Injection time.", l, NULL, 0, &h),
                         0);
        /* default buckets: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 */
        for (int i = 0; i < 3; i++)
                assert_int_equal(rift_metric_observe(h, RIFT_LV("pod-delete"), 0.003), 0);
        assert_int_equal(rift_metric_observe(h, RIFT_LV("pod-delete"), 0.2), 0);
        assert_int_equal(rift_metric_observe(h, RIFT_LV("pod-delete"), 11), 0);
        assert_int_equal(rift_metric_observe(h, RIFT_LV("net-loss"), 2.5), 0);
        text = render(reg);
        assert_non_null(strstr(text, "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.005\"} 3\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.01\"} 3\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.025\"} 3\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.05\"} 3\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.1\"} 3\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.25\"} 4\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"0.5\"} 4\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"1\"} 4\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"2.5\"} 4\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"5\"} 4\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"10\"} 4\n"
                                     "inject_seconds_bucket{fault=\"pod-delete\",le=\"+Inf\"} 5\n"
                                     "inject_seconds_sum{fault=\"pod-delete\"} 11.209\n"
                                     "inject_seconds_count{fault=\"pod-delete\"} 5\n"
                                     "inject_seconds_bucket{fault=\"net-loss\",le=\"0.005\"} 0\n"));
        assert_non_null(strstr(text, "inject_seconds_bucket{fault=\"net-loss\",le=\"1\"} 0\n"
                                     "inject_seconds_bucket{fault=\"net-loss\",le=\"2.5\"} 1\n"));
        free(text);
        assert_int_equal(rift_metric_inc(h, RIFT_LV("x")), -EINVAL); /* not a counter */
        assert_int_equal(rift_metric_observe(h, RIFT_LV("x"), NAN), -EINVAL);
}

static void series_deletion(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "experiment", NULL };
        struct rift_metric *c;
        double v = 0;
        char *text;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_counter_new(reg, "runs_total", "Runs.", l, &c), 0);
        assert_int_equal(rift_metric_add(c, RIFT_LV("exp-a"), 5), 0);
        assert_int_equal(rift_metric_add(c, RIFT_LV("exp-b"), 7), 0);
        assert_int_equal(rift_metric_remove(c, RIFT_LV("exp-a")), 0);
        assert_int_equal(rift_metric_remove(c, RIFT_LV("exp-a")), RIFT_E_NOTFOUND);
        assert_int_equal(rift_metric_get(c, RIFT_LV("exp-a"), &v), RIFT_E_NOTFOUND);
        text = render(reg);
        assert_null(strstr(text, "exp-a"));
        assert_non_null(strstr(text, "runs_total{experiment=\"exp-b\"} 7\n"));
        free(text);
        /* re-created series start from zero */
        assert_int_equal(rift_metric_inc(c, RIFT_LV("exp-a")), 0);
        assert_int_equal(rift_metric_get(c, RIFT_LV("exp-a"), &v), 0);
        assert_true(v == 1);
        rift_metric_clear(c);
        assert_int_equal(rift_metric_series_count(c), 0);
        text = render(reg);
        assert_null(strstr(text, "runs_total{"));
        assert_non_null(strstr(text, "# TYPE runs_total counter\n"));
        free(text);
        assert_int_equal(rift_metric_inc(c, RIFT_LV("exp-c")), 0);
        assert_int_equal(rift_metric_series_count(c), 1);
}

static void cardinality_cap(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "user", NULL };
        const struct rift_metric_def def = { .name = "logins_total",
                                             .help = "Logins.",
                                             .type = RIFT_METRIC_COUNTER,
                                             .labels = l,
                                             .max_series = 2 };
        struct rift_metric *c, *g;
        double v = 0;
        char *text;

        assert_int_equal(rift_metrics_new(3, &reg), 0);
        assert_int_equal(rift_metrics_register(reg, &def, &c), 0);
        assert_int_equal(rift_metrics_gauge_new(reg, "sessions", "Sessions.", l, &g),
                         0); /* registry default 3 */
        assert_int_equal(rift_metric_inc(c, RIFT_LV("alice")), 0);
        assert_int_equal(rift_metric_inc(c, RIFT_LV("bob")), 0);
        assert_int_equal(rift_metric_inc(c, RIFT_LV("mallory")), RIFT_E_TOOBIG);
        assert_int_equal(rift_metric_inc(c, RIFT_LV("trudy")), RIFT_E_TOOBIG);
        assert_int_equal(rift_metric_inc(c, RIFT_LV("alice")), 0); /* existing series still count */
        for (int i = 0; i < 4; i++) {
                char name[8];

                snprintf(name, sizeof(name), "u%d", i);
                assert_int_equal(rift_metric_set(g, RIFT_LV(name), 1), i < 3 ? 0 : RIFT_E_TOOBIG);
        }
        text = render(reg);
        assert_non_null(strstr(text,
                               DROPPED_HEADER "rift_metrics_dropped_series_total{metric=\"logins_total\"} 2\n"
                                              "rift_metrics_dropped_series_total{metric=\"sessions\"} 1\n"));
        assert_null(strstr(text, "mallory"));
        assert_non_null(strstr(text, "logins_total{user=\"alice\"} 2\n"));
        free(text);
        /* deleting a series makes room again */
        assert_int_equal(rift_metric_remove(c, RIFT_LV("bob")), 0);
        assert_int_equal(rift_metric_inc(c, RIFT_LV("mallory")), 0);
        assert_int_equal(
            rift_metric_get(rift_metrics_find(reg, RIFT_METRICS_DROPPED_NAME), RIFT_LV("logins_total"), &v),
            0);
        assert_true(v == 2);
}

static void many_series_hash_table(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "a", "b", NULL };
        struct rift_metric *g;
        char a[16], b[16];
        double v;

        assert_int_equal(rift_metrics_new(100000, &reg), 0);
        assert_int_equal(rift_metrics_gauge_new(reg, "g", "G.", l, &g), 0);
        for (int i = 0; i < 5000; i++) {
                snprintf(a, sizeof(a), "%d", i);
                snprintf(b, sizeof(b), "%d", i % 7);
                assert_int_equal(rift_metric_set(g, RIFT_LV(a, b), i), 0);
        }
        /* ("1","23") and ("12","3") are distinct series: values are not simply concatenated */
        assert_int_equal(rift_metric_set(g, RIFT_LV("1", "23"), -1), 0);
        assert_int_equal(rift_metric_set(g, RIFT_LV("12", "3"), -2), 0);
        assert_int_equal(rift_metric_series_count(g), 5002);
        for (int i = 0; i < 5000; i += 2) {
                snprintf(a, sizeof(a), "%d", i);
                snprintf(b, sizeof(b), "%d", i % 7);
                assert_int_equal(rift_metric_remove(g, RIFT_LV(a, b)), 0);
        }
        for (int i = 0; i < 5000; i++) {
                snprintf(a, sizeof(a), "%d", i);
                snprintf(b, sizeof(b), "%d", i % 7);
                if (i % 2) {
                        assert_int_equal(rift_metric_get(g, RIFT_LV(a, b), &v), 0);
                        assert_true(v == i);
                } else {
                        assert_int_equal(rift_metric_get(g, RIFT_LV(a, b), &v), RIFT_E_NOTFOUND);
                }
        }
        assert_int_equal(rift_metric_get(g, RIFT_LV("1", "23"), &v), 0);
        assert_true(v == -1);
        assert_int_equal(rift_metric_series_count(g), 2502);
}

static void registration_validation(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const le[] = { "le", NULL };
        static const char *const dup[] = { "a", "a", NULL };
        static const char *const reserved[] = { "__name", NULL };
        static const char *const ok_labels[] = { "le", "_x1", NULL };
        static const double unsorted[] = { 1, 0.5 };
        static const double with_inf[] = { 1, INFINITY };
        const struct rift_metric_def bad_table[] = {
                { .name = "good_one", .help = "ok", .type = RIFT_METRIC_GAUGE },
                { .name = "9bad", .help = "starts with a digit", .type = RIFT_METRIC_GAUGE },
        };
        struct rift_metric *m = NULL;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_counter_new(reg, "a_total", "A.", NULL, &m), 0);
        assert_int_equal(rift_metrics_counter_new(reg, "a_total", "again", NULL, &m), RIFT_E_EXISTS);
        assert_int_equal(rift_metrics_counter_new(reg, "a-b", "h", NULL, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_counter_new(reg, "", "h", NULL, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_counter_new(reg, "x", NULL, NULL, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_gauge_new(reg, "ns:sub_metric", "colons are allowed", NULL, &m), 0);
        assert_int_equal(rift_metrics_gauge_new(reg, "g1", "h", dup, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_gauge_new(reg, "g2", "h", reserved, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_gauge_new(reg, "g3", "le is fine outside histograms", ok_labels, &m),
                         0);
        assert_int_equal(rift_metrics_histogram_new(reg, "h1", "h", le, NULL, 0, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_histogram_new(reg, "h2", "h", NULL, unsorted, 2, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_histogram_new(reg, "h3", "h", NULL, with_inf, 2, &m), RIFT_E_INVALID);
        assert_int_equal(rift_metrics_histogram_new(reg, "h4", "h", NULL, unsorted, 0, &m), RIFT_E_INVALID);
        /* a table with one bad entry registers nothing */
        assert_int_equal(rift_metrics_register_all(reg, bad_table, 2, NULL), RIFT_E_INVALID);
        assert_null(rift_metrics_find(reg, "good_one"));
        assert_non_null(rift_metrics_find(reg, "g3"));
        assert_int_equal(rift_metrics_gauge_new(reg, "good_one", "now it can be", NULL, &m), 0);
        /* wrong use of a handle */
        m = rift_metrics_find(reg, "a_total");
        assert_int_equal(rift_metric_add(m, RIFT_LV_NONE, -1), -EINVAL); /* counters only go up */
        assert_int_equal(rift_metric_set(m, RIFT_LV_NONE, 1), -EINVAL);
        assert_int_equal(rift_metric_dec(m, RIFT_LV_NONE), -EINVAL);
        assert_int_equal(rift_metric_inc(m, RIFT_LV("extra")), -EINVAL);
        m = rift_metrics_find(reg, "g3");
        assert_int_equal(rift_metric_inc(m, RIFT_LV("only one")), -EINVAL);
        assert_int_equal(rift_metric_inc(m, (const char *const[]){ "x", NULL }, 2), -EINVAL);
        assert_int_equal(rift_metric_inc(m, RIFT_LV("x", "y")), 0);
}

struct collect_state {
        struct rift_metric *gauge; /* filled at scrape time */
        int calls;                 /* scrapes seen */
};

static void collect_runs(struct rift_metrics *reg, void *userdata)
{
        struct collect_state *s = userdata;

        s->calls++;
        rift_metric_clear(s->gauge);
        (void)rift_metric_set(s->gauge, RIFT_LV("running"), s->calls * 10);
}

static void collector_fills_gauges(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const l[] = { "phase", NULL };
        struct collect_state s = { 0 };
        char *text;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_gauge_new(reg, "runs", "Runs by phase.", l, &s.gauge), 0);
        assert_int_equal(rift_metrics_add_collector(reg, collect_runs, &s), 0);
        assert_int_equal(rift_metric_set(s.gauge, RIFT_LV("stale"), 1), 0);
        text = render(reg);
        assert_non_null(strstr(text, "runs{phase=\"running\"} 10\n"));
        assert_null(strstr(text, "stale"));
        free(text);
        text = render(reg);
        assert_non_null(strstr(text, "runs{phase=\"running\"} 20\n"));
        free(text);
        assert_int_equal(s.calls, 2);
}

static void output_cap(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(64);
        struct rift_metric *m[3];

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_register_all(reg, small_defs, 3, m), 0);
        assert_int_equal(rift_metrics_format(reg, &b), RIFT_E_TOOBIG);
}

/* Renders a realistic registry; writes it to $RIFT_METRICS_OUT (if set) for the promtool integration test. */
static void write_realistic(void **state)
{
        _cleanup_(rift_metrics_freep) struct rift_metrics *reg = NULL;
        static const char *const route_labels[] = { "method", "route", "code", NULL };
        static const char *const exp_labels[] = { "chaosengine_name", "chaosresult_name",
                                                  "chaosresult_namespace", NULL };
        static const char *const fault_labels[] = { "fault", NULL };
        static const double inject_buckets[] = { 0.001, 0.01, 0.1, 1 };
        const struct rift_metric_def defs[] = {
                { .name = "rift_http_requests_total",
                  .help = "HTTP requests handled, by route and status.",
                  .type = RIFT_METRIC_COUNTER,
                  .labels = route_labels },
                { .name = "rift_http_request_duration_seconds",
                  .help = "HTTP request latency in seconds.",
                  .type = RIFT_METRIC_HISTOGRAM,
                  .labels = route_labels },
                { .name = "litmuschaos_passed_experiments",
                  .help = "Total number of passed experiments.",
                  .type = RIFT_METRIC_GAUGE,
                  .labels = exp_labels },
                { .name = "rift_fault_inject_seconds",
                  .help = "Time to inject a fault \\ with \"odd\" help\nsecond line.",
                  .type = RIFT_METRIC_HISTOGRAM,
                  .labels = fault_labels,
                  .buckets = inject_buckets,
                  .n_buckets = 4 },
                { .name = "rift_build_info", .help = "Build information.", .type = RIFT_METRIC_GAUGE },
        };
        struct rift_metric *m[5], *capped;
        const char *path = getenv("RIFT_METRICS_OUT");
        char *text;
        FILE *f;

        assert_int_equal(rift_metrics_new(0, &reg), 0);
        assert_int_equal(rift_metrics_register_all(reg, defs, 5, m), 0);
        assert_int_equal(rift_metric_add(m[0], RIFT_LV("POST", "/query", "200"), 1234), 0);
        assert_int_equal(rift_metric_inc(m[0], RIFT_LV("GET", "/metrics", "200")), 0);
        assert_int_equal(rift_metric_inc(m[0], RIFT_LV("POST", "/login", "401")), 0);
        for (int i = 0; i < 50; i++)
                assert_int_equal(rift_metric_observe(m[1], RIFT_LV("POST", "/query", "200"), 0.0007 * i * i),
                                 0);
        assert_int_equal(
            rift_metric_set(m[2], RIFT_LV("pod-delete-x1", "pod-delete-x1-pod-delete", "litmus"), 3), 0);
        assert_int_equal(rift_metric_set(m[2], RIFT_LV("quote\"back\\slash\nnl", "r", "ns"), 1), 0);
        assert_int_equal(rift_metric_observe(m[3], RIFT_LV("network-loss"), 0.004), 0);
        assert_int_equal(rift_metric_observe(m[3], RIFT_LV("network-loss"), 3), 0);
        assert_int_equal(rift_metric_set(m[4], RIFT_LV_NONE, 1), 0);
        /* and a family over its cap so the dropped counter has a series */
        assert_int_equal(rift_metrics_counter_new(reg, "rift_capped_total", "Capped.", fault_labels, &capped),
                         0);
        for (unsigned i = 0; i < RIFT_METRICS_MAX_SERIES + 5; i++) {
                char v[16];

                snprintf(v, sizeof(v), "f%u", i);
                (void)rift_metric_inc(capped, RIFT_LV(v));
        }
        text = render(reg);
        assert_non_null(strstr(text, "rift_metrics_dropped_series_total{metric=\"rift_capped_total\"} 5\n"));
        if (!path) {
                free(text);
                return;
        }
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(exposition_golden),
                cmocka_unit_test(escaping),
                cmocka_unit_test(numbers),
                cmocka_unit_test(histogram_cumulative_with_labels),
                cmocka_unit_test(series_deletion),
                cmocka_unit_test(cardinality_cap),
                cmocka_unit_test(many_series_hash_table),
                cmocka_unit_test(registration_validation),
                cmocka_unit_test(collector_fills_gauges),
                cmocka_unit_test(output_cap),
                cmocka_unit_test(write_realistic),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
