/* The litmuschaos_* families of chaos-exporter, fed by ResultService. One "result" (a ChaosResult in
 * Litmus) is one fault step of one experiment; its label values for a Linux infrastructure are
 * (docs/observability/README.md):
 *   chaosresult_namespace = the infrastructure's name    chaosresult_name = <experiment>-<step>
 *   chaosengine_name      = the experiment's name        chaosengine_context = the experiment's ID
 *   fault_name            = the hub fault                workflow_name = the experiment's name
 *   app_label = ""  app_namespace = the infrastructure's name  app_kind = "linux"
 * An experiment is held and replaced whole; when it is deleted its series are removed. Each result's
 * nine sample lines are rendered once, when it is applied (the verdict line again when its freshness
 * ends), so a scrape copies text instead of formatting 10,000s of label sets. The cluster and namespace
 * aggregates live in the registry and are summed by a collector before each rendering; the per-result
 * families are kept as one text, rebuilt from those lines only after something changed. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/metrics.h"
#include "lib/str.h"
#include "proto/results.pb-c.h"
#include "services/exporter/exporter.h"

#define TABLE_SIZE 4096u /* hash chains of experiments (grows never; chains stay short to ~40k) */

/* label values of one result, in this order */
enum { V_NS, V_RESULT, V_ENGINE, V_CONTEXT, V_FAULT, V_WORKFLOW, V_VERDICT, V_PSP, V_APP_NS, N_VALUES };

/* per-result families, in defs[] order */
enum {
        F_PASSED,
        F_FAILED,
        F_AWAITED,
        F_PSP,
        F_VERDICT,
        F_START,
        F_END,
        F_INJECTED,
        F_DURATION,
        N_PER_RESULT
};
/* aggregates: cluster (no labels) then namespace (chaosresult_namespace), both in this order */
enum { A_PASSED, A_FAILED, A_AWAITED, A_RUN_COUNT, A_INSTALLED, N_AGG };

struct result {
        char *v[N_VALUES];          /* label values */
        char *run_id;               /* the latest run, to see a new verdict */
        double passed, failed;      /* runs with Pass / Fail */
        double psp;                 /* probe success percentage of the latest run */
        bool awaited;               /* the latest run's verdict is Awaited */
        int64_t start_ms;           /* latest run created */
        int64_t injected_ms;        /* fault injected (0 = not yet) */
        int64_t end_ms;             /* fault ended (0 = not yet) */
        int64_t fresh_until_ms;     /* the verdict gauge is 1 until then */
        bool verdict_one;           /* what the verdict gauge holds now */
        char *line[N_PER_RESULT];   /* the rendered sample line of each family, "name{...} value\n" */
        uint32_t len[N_PER_RESULT]; /* their lengths */
};

struct exp {
        struct exp *hnext;      /* hash chain */
        char *id;               /* experiment ID */
        uint64_t gen;           /* full-sync generation that last mentioned it */
        struct result *results; /* one per fault step */
        size_t n;               /* entries in results */
};

struct exporter_results {
        size_t max_results;                 /* cap: results held (series per family) */
        size_t n_results;                   /* results held */
        struct rift_metric *cluster[N_AGG]; /* litmuschaos_cluster_scoped_* */
        struct rift_metric *ns[N_AGG];      /* litmuschaos_namespace_scoped_* */
        struct exp *table[TABLE_SIZE];      /* experiments by ID */
        size_t n_exps;                      /* experiments held */
        int64_t interval_ms;                /* TSDB_SCRAPE_INTERVAL */
        int64_t (*now_ms)(void);            /* clock */
        struct rift_buf block;              /* the per-result families' text, then the registry's */
        size_t base_len;                    /* bytes of block that are the per-result families */
        struct rift_buf tail;               /* the registry's text of the current rendering */
        bool dirty;                         /* block is older than the results */
        uint64_t gen;                       /* current full-sync generation */
};

/* The per-result families: name, help and label names (the first five are every family's). */
struct family {
        const char *name;          /* metric name */
        const char *help;          /* HELP text (no characters needing escapes) */
        const char *const *labels; /* label names after the five common ones, NULL-terminated */
};
static const char *const no_extra[] = { NULL };
static const char *const awaited_extra[] = { "workflow_name", NULL };
static const char *const verdict_extra[] = { "chaosresult_verdict",
                                             "probe_success_percentage",
                                             "app_label",
                                             "app_namespace",
                                             "app_kind",
                                             "workflow_name",
                                             NULL };
static const char *const base_names[] = { "chaosresult_namespace", "chaosresult_name", "chaosengine_name",
                                          "chaosengine_context", "fault_name" };
static const struct family families[N_PER_RESULT] = {
        { "litmuschaos_passed_experiments", "Runs in which this fault step passed.", no_extra },
        { "litmuschaos_failed_experiments", "Runs in which this fault step failed.", no_extra },
        { "litmuschaos_awaited_experiments", "1 while the latest run of this fault step has no verdict yet.",
          awaited_extra },
        { "litmuschaos_probe_success_percentage",
          "Probe success percentage of the latest run of this fault step.", no_extra },
        { "litmuschaos_experiment_verdict",
          "1 for one scrape interval after a new verdict of this fault step, then 0.", verdict_extra },
        { "litmuschaos_experiment_start_time", "Unix time the latest run of this fault step started.",
          no_extra },
        { "litmuschaos_experiment_end_time",
          "Unix time the latest run of this fault step ended (0 = not yet).", no_extra },
        { "litmuschaos_experiment_chaos_injected_time",
          "Unix time the fault of the latest run was injected (0 = not yet).", no_extra },
        { "litmuschaos_experiment_total_duration",
          "Seconds from start to end of the latest run of this fault step.", no_extra },
};
static const char *const ns_label[] = { "chaosresult_namespace", NULL };
static const char *const agg_names[N_AGG] = { "passed_experiments", "failed_experiments",
                                              "awaited_experiments", "experiments_run_count",
                                              "experiments_installed_count" };
static const char *const agg_help[N_AGG] = { "Sum of passed runs over fault steps.",
                                             "Sum of failed runs over fault steps.",
                                             "Fault steps whose latest run has no verdict yet.",
                                             "Passed, failed and awaited together.",
                                             "Fault steps known (results)." };

static uint64_t hash_id(const char *s)
{
        uint64_t h = 1469598103934665603ull;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ull;
        return h;
}

static struct exp **slot(struct exporter_results *s, const char *id)
{
        struct exp **p = &s->table[hash_id(id) % TABLE_SIZE];

        while (*p && strcmp((*p)->id, id) != 0)
                p = &(*p)->hnext;
        return p;
}

/* The label values of family f for result r, in the family's label order. */
static size_t values_for(const struct result *r, size_t f, const char **out)
{
        size_t n = 0;

        for (size_t i = V_NS; i <= V_FAULT; i++)
                out[n++] = r->v[i];
        if (f == F_AWAITED) {
                out[n++] = r->v[V_WORKFLOW];
        } else if (f == F_VERDICT) {
                out[n++] = r->v[V_VERDICT];
                out[n++] = r->v[V_PSP];
                out[n++] = "";
                out[n++] = r->v[V_APP_NS];
                out[n++] = "linux";
                out[n++] = r->v[V_WORKFLOW];
        }
        return n;
}

static double seconds(int64_t ms)
{
        return (double)(ms / 1000);
}

/* Label values go between double quotes: backslash, quote and newline are escaped. */
static int append_value(struct rift_buf *b, const char *v)
{
        int r = 0;

        for (; r >= 0 && *v; v++) {
                size_t run = strcspn(v, "\\\"\n");
                r = rift_buf_append(b, v, run);
                v += run;
                if (r < 0 || !*v)
                        break;
                r = rift_buf_append(b, *v == '\n' ? "\\n" : *v == '"' ? "\\\"" : "\\\\", 2);
        }
        return r;
}

/* Integers in full, other values in the shortest %g form that reads back the same. */
static int append_number(struct rift_buf *b, double v)
{
        char tmp[40];

        if (v == (double)(int64_t)v && v > -1e15 && v < 1e15)
                snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
        else
                for (int prec = 15; prec <= 17; prec++) {
                        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
                        if (strtod(tmp, NULL) == v)
                                break;
                }
        return rift_buf_append_str(b, tmp);
}

/* Renders the sample line of family f for r into a malloc'ed string; *ret_len is its length. */
static char *render_line(const struct result *r, size_t f, double value, uint32_t *ret_len)
{
        struct rift_buf b = RIFT_BUF_INIT(64 * 1024);
        const char *lv[16];
        size_t n = values_for(r, f, lv), k = 0;
        int e = rift_buf_append_str(&b, families[f].name);

        for (size_t i = 0; e >= 0 && i < n; i++) {
                const char *label = i < 5 ? base_names[i] : families[f].labels[k++];
                e = rift_buf_printf(&b, "%c%s=\"", i ? ',' : '{', label);
                if (e >= 0)
                        e = append_value(&b, lv[i]);
                if (e >= 0)
                        e = rift_buf_append(&b, "\"", 1);
        }
        if (e >= 0)
                e = rift_buf_append(&b, "} ", 2);
        if (e >= 0)
                e = append_number(&b, value);
        if (e >= 0)
                e = rift_buf_append(&b, "\n", 1);
        if (e < 0) {
                rift_buf_free(&b);
                return NULL;
        }
        *ret_len = (uint32_t)b.len;
        return b.data;
}

static int render_result(struct result *r)
{
        const double vals[N_PER_RESULT] = {
                [F_PASSED] = r->passed,
                [F_FAILED] = r->failed,
                [F_AWAITED] = r->awaited,
                [F_PSP] = r->psp,
                [F_VERDICT] = r->verdict_one,
                [F_START] = seconds(r->start_ms),
                [F_END] = seconds(r->end_ms),
                [F_INJECTED] = seconds(r->injected_ms),
                [F_DURATION] = r->end_ms > r->start_ms && r->start_ms > 0
                                   ? seconds(r->end_ms) - seconds(r->start_ms)
                                   : 0,
        };

        for (size_t f = 0; f < N_PER_RESULT; f++)
                if (!(r->line[f] = render_line(r, f, vals[f], &r->len[f])))
                        return -ENOMEM;
        return 0;
}

static void result_clear(struct result *r)
{
        for (size_t i = 0; i < N_VALUES; i++)
                free(r->v[i]);
        for (size_t f = 0; f < N_PER_RESULT; f++)
                free(r->line[f]);
        free(r->run_id);
}

static void exp_free(struct exp *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                result_clear(&e->results[i]);
        free(e->results);
        free(e->id);
        free(e);
}

static const struct result *old_result(const struct exp *old, const char *result_name)
{
        for (size_t i = 0; old && i < old->n; i++)
                if (!strcmp(old->results[i].v[V_RESULT], result_name))
                        return &old->results[i];
        return NULL;
}

static char *join(const char *a, const char *b)
{
        char *out = NULL;

        return asprintf(&out, "%s-%s", a, b) < 0 ? NULL : out;
}

/* Fills r from fault f of experiment e; prev is what was held for the same result. */
static int result_fill(struct exporter_results *s, struct result *r,
                       const Rift__Results__V1__ExperimentResult *e, const Rift__Results__V1__FaultResult *f,
                       const struct exp *old, bool initial)
{
        const struct result *prev;
        char psp[64];
        bool changed;

        snprintf(psp, sizeof(psp), "%f", f->probe_success_percentage);
        r->v[V_NS] = strdup(e->infra_name);
        r->v[V_RESULT] = join(e->experiment_name, f->step);
        r->v[V_ENGINE] = strdup(e->experiment_name);
        r->v[V_CONTEXT] = strdup(e->experiment_id);
        r->v[V_FAULT] = strdup(f->fault);
        r->v[V_WORKFLOW] = strdup(e->experiment_name);
        r->v[V_VERDICT] = strdup(f->verdict);
        r->v[V_PSP] = strdup(psp);
        r->v[V_APP_NS] = strdup(e->infra_name);
        r->run_id = strdup(e->last_run_id);
        for (size_t i = 0; i < N_VALUES; i++)
                if (!r->v[i])
                        return -ENOMEM;
        if (!r->run_id)
                return -ENOMEM;
        prev = old_result(old, r->v[V_RESULT]);
        r->passed = f->passed_runs;
        r->failed = f->failed_runs;
        r->psp = f->probe_success_percentage;
        r->awaited = !strcmp(f->verdict, "Awaited");
        r->start_ms = f->start_ms;
        r->injected_ms = f->chaos_injected_ms;
        r->end_ms = f->end_ms;
        changed =
            !prev || strcmp(prev->run_id, r->run_id) != 0 || strcmp(prev->v[V_VERDICT], f->verdict) != 0;
        if (r->awaited)
                r->fresh_until_ms = 0;
        else if (!changed)
                r->fresh_until_ms = prev->fresh_until_ms;
        else
                r->fresh_until_ms = (initial ? f->verdict_updated_ms : s->now_ms()) + s->interval_ms;
        r->verdict_one = s->now_ms() < r->fresh_until_ms;
        return render_result(r);
}

static int exp_build(struct exporter_results *s, const Rift__Results__V1__ExperimentResult *e,
                     const struct exp *old, bool initial, struct exp **ret)
{
        struct exp *n = calloc(1, sizeof(*n));
        int r = 0;

        if (!n || !(n->id = strdup(e->experiment_id)) ||
            !(n->results = calloc(e->n_faults, sizeof(*n->results)))) {
                exp_free(n);
                return -ENOMEM;
        }
        for (size_t i = 0; r == 0 && i < e->n_faults; i++)
                r = result_fill(s, &n->results[n->n++], e, e->faults[i], old, initial);
        if (r < 0) {
                exp_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

int exporter_results_apply(struct exporter_results *s, const Rift__Results__V1__ExperimentResult *e,
                           bool initial)
{
        struct exp **p = slot(s, e->experiment_id), *old = *p, *n = NULL;
        size_t held = old ? old->n : 0;
        int r;

        if (!e->removed && e->n_faults > 0) {
                if (s->n_results - held + e->n_faults > s->max_results)
                        return RIFT_E_TOOBIG; /* over the series cap: the old state stays */
                if ((r = exp_build(s, e, old, initial, &n)) < 0)
                        return r;
        }
        if (old) {
                *p = old->hnext;
                s->n_results -= old->n;
                exp_free(old);
                s->n_exps--;
                s->dirty = true;
        }
        if (!n)
                return 0;
        n->gen = s->gen;
        n->hnext = s->table[hash_id(n->id) % TABLE_SIZE];
        s->table[hash_id(n->id) % TABLE_SIZE] = n;
        s->n_exps++;
        s->dirty = true;
        s->n_results += n->n;
        return 0;
}

void exporter_results_full_sync_begin(struct exporter_results *s)
{
        s->gen++;
}

size_t exporter_results_full_sync_end(struct exporter_results *s)
{
        size_t dropped = 0;

        for (size_t i = 0; i < TABLE_SIZE; i++)
                for (struct exp **p = &s->table[i]; *p;) {
                        struct exp *e = *p;
                        if (e->gen == s->gen) {
                                p = &e->hnext;
                                continue;
                        }
                        *p = e->hnext;
                        s->n_results -= e->n;
                        s->n_exps--;
                        exp_free(e);
                        dropped++;
                        s->dirty = true;
                }
        return dropped;
}

size_t exporter_results_count(const struct exporter_results *s)
{
        return s->n_exps;
}

/* Before each rendering: verdicts past their interval drop to 0; aggregates are summed again. */
static void collect(struct rift_metrics *reg, void *userdata)
{
        struct exporter_results *s = userdata;
        int64_t now = s->now_ms();
        double sum[N_AGG] = { 0 };

        for (size_t a = 0; a < N_AGG; a++)
                rift_metric_clear(s->ns[a]);
        for (size_t i = 0; i < TABLE_SIZE; i++)
                for (struct exp *e = s->table[i]; e; e = e->hnext)
                        for (size_t k = 0; k < e->n; k++) {
                                struct result *r = &e->results[k];
                                const double v[N_AGG] = { r->passed, r->failed, r->awaited,
                                                          r->passed + r->failed + r->awaited, 1 };
                                if (r->verdict_one && now >= r->fresh_until_ms) {
                                        uint32_t len;
                                        char *line = render_line(r, F_VERDICT, 0, &len);
                                        if (line) { /* else it stays 1 until the next scrape */
                                                r->verdict_one = false;
                                                free(r->line[F_VERDICT]);
                                                r->line[F_VERDICT] = line;
                                                r->len[F_VERDICT] = len;
                                                s->dirty = true;
                                        }
                                }
                                for (size_t a = 0; a < N_AGG; a++) {
                                        sum[a] += v[a];
                                        rift_metric_add(s->ns[a], RIFT_LV(r->v[V_NS]), v[a]);
                                }
                        }
        for (size_t a = 0; a < N_AGG; a++)
                rift_metric_set(s->cluster[a], RIFT_LV_NONE, sum[a]);
}

static int register_aggregates(struct rift_metrics *reg, struct exporter_results *s, size_t max_series)
{
        for (size_t a = 0; a < N_AGG; a++) {
                char cname[96], nname[96];
                struct rift_metric_def c = { .name = cname, .help = agg_help[a], .type = RIFT_METRIC_GAUGE };
                struct rift_metric_def n = c;
                int r;

                snprintf(cname, sizeof(cname), "litmuschaos_cluster_scoped_%s", agg_names[a]);
                snprintf(nname, sizeof(nname), "litmuschaos_namespace_scoped_%s", agg_names[a]);
                n.name = nname;
                n.labels = ns_label;
                n.max_series = max_series;
                if ((r = rift_metrics_register(reg, &c, &s->cluster[a])) < 0 ||
                    (r = rift_metrics_register(reg, &n, &s->ns[a])) < 0)
                        return r;
        }
        return 0;
}

int exporter_results_new(struct rift_metrics *reg, size_t max_series, int64_t scrape_interval_ms,
                         int64_t (*now_ms)(void), struct exporter_results **ret)
{
        struct exporter_results *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->interval_ms = scrape_interval_ms;
        s->now_ms = now_ms;
        s->max_results = max_series;
        s->block = (struct rift_buf)RIFT_BUF_INIT(EXPORTER_MAX_EXPOSITION);
        s->tail = (struct rift_buf)RIFT_BUF_INIT(EXPORTER_MAX_EXPOSITION);
        s->dirty = true;
        if ((r = register_aggregates(reg, s, max_series)) < 0 ||
            (r = rift_metrics_add_collector(reg, collect, s)) < 0) {
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* The per-result families as one text, rebuilt from the results' lines only after a change. */
static int rebuild_block(struct exporter_results *s)
{
        int r = 0;

        rift_buf_reset(&s->block);
        for (size_t f = 0; r >= 0 && f < N_PER_RESULT; f++) {
                r = rift_buf_printf(&s->block, "# HELP %s %s\n# TYPE %s gauge\n", families[f].name,
                                    families[f].help, families[f].name);
                for (size_t i = 0; r >= 0 && i < TABLE_SIZE; i++)
                        for (const struct exp *e = s->table[i]; r >= 0 && e; e = e->hnext)
                                for (size_t k = 0; r >= 0 && k < e->n; k++)
                                        r = rift_buf_append(&s->block, e->results[k].line[f],
                                                            e->results[k].len[f]);
        }
        s->dirty = r < 0;
        s->base_len = r < 0 ? 0 : s->block.len;
        return r;
}

int exporter_results_render(struct exporter_results *s, struct rift_metrics *reg, const char **ret_data,
                            size_t *ret_len)
{
        int r;

        rift_buf_reset(&s->tail);
        r = rift_metrics_format(reg, &s->tail); /* runs collect() first: verdict lines are current */
        if (r >= 0 && s->dirty)
                r = rebuild_block(s);
        if (r < 0)
                return r;
        s->block.len = s->base_len; /* drop the previous rendering's registry text */
        r = rift_buf_append(&s->block, s->tail.data ? s->tail.data : "", s->tail.len);
        if (r < 0)
                return r;
        *ret_data = s->block.data;
        *ret_len = s->block.len;
        return 0;
}

void exporter_results_free(struct exporter_results *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < TABLE_SIZE; i++)
                while (s->table[i]) {
                        struct exp *e = s->table[i];
                        s->table[i] = e->hnext;
                        exp_free(e);
                }
        rift_buf_free(&s->block);
        rift_buf_free(&s->tail);
        free(s);
}
