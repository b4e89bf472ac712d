// link: services/exporter/results.c
/* rift-exporter's result state: series follow applied experiments (replaced whole, removed when
 * deleted), verdict freshness on an injected clock, cluster/namespace aggregates, the series cap. */
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
#include "lib/metrics.h"
#include "proto/results.pb-c.h"
#include "services/exporter/exporter.h"

static int64_t clock_ms;
static int64_t fake_now(void)
{
        return clock_ms;
}

typedef Rift__Results__V1__FaultResult FR;
typedef Rift__Results__V1__ExperimentResult ER;

struct fixture {
        struct rift_metrics *reg;
        struct exporter_results *s;
        struct rift_buf out;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        clock_ms = 1700000000000;
        assert_int_equal(rift_metrics_new(0, &f->reg), 0);
        assert_int_equal(exporter_results_new(f->reg, 100, 10000, fake_now, &f->s), 0);
        f->out = (struct rift_buf)RIFT_BUF_INIT(1u << 24);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        rift_metrics_free(f->reg);
        exporter_results_free(f->s);
        rift_buf_free(&f->out);
        free(f);
        return 0;
}

static const char *render(struct fixture *f)
{
        const char *data;
        size_t len;

        rift_buf_reset(&f->out);
        assert_int_equal(exporter_results_render(f->s, f->reg, &data, &len), 0);
        assert_int_equal(rift_buf_append(&f->out, data, len), 0);
        assert_int_equal(rift_buf_append(&f->out, "", 1), 0);
        return f->out.data;
}

static bool has(struct fixture *f, const char *line)
{
        return strstr(render(f), line) != NULL;
}

/* One experiment "id" on infra "box" with steps lat (verdict v1) and cpu (v2). */
static void make(ER *e, FR *fr, FR **frp, const char *id, const char *run, const char *v1, const char *v2)
{
        rift__results__v1__experiment_result__init(e);
        e->experiment_id = (char *)id;
        e->experiment_name = (char *)"shop";
        e->project_id = (char *)"p";
        e->infra_id = (char *)"i1";
        e->infra_name = (char *)"box";
        e->last_run_id = (char *)run;
        e->last_run_phase = (char *)"Completed";
        for (int i = 0; i < 2; i++) {
                rift__results__v1__fault_result__init(&fr[i]);
                fr[i].step = (char *)(i ? "cpu" : "lat");
                fr[i].fault = (char *)(i ? "linux-cpu-stress" : "linux-network-latency");
                fr[i].verdict = (char *)(i ? v2 : v1);
                fr[i].passed_runs = !strcmp(fr[i].verdict, "Pass");
                fr[i].failed_runs = !strcmp(fr[i].verdict, "Fail");
                fr[i].probe_success_percentage = 75;
                fr[i].start_ms = 1699999990000;
                fr[i].chaos_injected_ms = 1699999991000;
                fr[i].end_ms = 1699999999500;
                fr[i].verdict_updated_ms = 1699999999000;
                frp[i] = &fr[i];
        }
        e->faults = frp;
        e->n_faults = 2;
}

#define LAT                                                                                                  \
        "chaosresult_namespace=\"box\",chaosresult_name=\"shop-lat\",chaosengine_name=\"shop\",chaosengine_" \
        "context=\"e1\",fault_name=\"linux-network-latency\""

static void series_follow_results(void **state)
{
        struct fixture *f = *state;
        ER e;
        FR fr[2];
        FR *frp[2];

        make(&e, fr, frp, "e1", "r1", "Pass", "Fail");
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0);
        assert_int_equal(exporter_results_count(f->s), 1);
        assert_true(has(f, "litmuschaos_passed_experiments{" LAT "} 1\n"));
        assert_true(has(f, "litmuschaos_probe_success_percentage{" LAT "} 75\n"));
        assert_true(has(f, "litmuschaos_experiment_start_time{" LAT "} 1699999990\n"));
        assert_true(has(f, "litmuschaos_experiment_chaos_injected_time{" LAT "} 1699999991\n"));
        assert_true(has(f, "litmuschaos_experiment_end_time{" LAT "} 1699999999\n"));
        assert_true(has(f, "litmuschaos_experiment_total_duration{" LAT "} 9\n"));
        assert_true(has(f,
                        "litmuschaos_experiment_verdict{" LAT
                        ",chaosresult_verdict=\"Pass\",probe_success_percentage=\"75.000000\",app_label=\"\","
                        "app_namespace=\"box\",app_kind=\"linux\",workflow_name=\"shop\"} 1\n"));
        assert_true(has(f, "litmuschaos_awaited_experiments{" LAT ",workflow_name=\"shop\"} 0\n"));
        assert_true(has(f, "litmuschaos_cluster_scoped_passed_experiments 1\n"));
        assert_true(has(f, "litmuschaos_cluster_scoped_failed_experiments 1\n"));
        assert_true(has(
            f,
            "litmuschaos_namespace_scoped_experiments_installed_count{chaosresult_namespace=\"box\"} 2\n"));

        /* a new run with another verdict replaces the verdict series */
        make(&e, fr, frp, "e1", "r2", "Fail", "Fail");
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0);
        assert_false(has(f, "chaosresult_verdict=\"Pass\""));
        assert_true(has(f, "chaosresult_verdict=\"Fail\""));
        assert_int_equal(exporter_results_count(f->s), 1);

        /* deleted: every series goes, aggregates fall to 0, the namespace disappears */
        e.removed = true;
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0);
        assert_int_equal(exporter_results_count(f->s), 0);
        assert_false(has(f, "shop-lat"));
        assert_true(has(f, "litmuschaos_cluster_scoped_experiments_installed_count 0\n"));
        assert_false(has(f, "litmuschaos_namespace_scoped_experiments_installed_count{"));
}

static void verdict_freshness(void **state)
{
        struct fixture *f = *state;
        ER e;
        FR fr[2];
        FR *frp[2];

        /* initial sync: the backend changed it 1 s ago, interval 10 s: fresh for 9 s more */
        make(&e, fr, frp, "e1", "r1", "Pass", "Awaited");
        assert_int_equal(exporter_results_apply(f->s, &e, true), 0);
        assert_true(has(f,
                        "chaosresult_verdict=\"Pass\",probe_success_percentage=\"75.000000\",app_label=\"\","
                        "app_namespace=\"box\",app_kind=\"linux\",workflow_name=\"shop\"} 1\n"));
        assert_true(
            has(f, "chaosresult_verdict=\"Awaited\",probe_success_percentage=\"75.000000\",app_label=\"\","
                   "app_namespace=\"box\",app_kind=\"linux\",workflow_name=\"shop\"} 0\n"));
        assert_true(has(f, "litmuschaos_cluster_scoped_awaited_experiments 1\n"));
        clock_ms += 9500;
        assert_true(has(f,
                        "chaosresult_verdict=\"Pass\",probe_success_percentage=\"75.000000\",app_label=\"\","
                        "app_namespace=\"box\",app_kind=\"linux\",workflow_name=\"shop\"} 0\n"));
        /* the same verdict again (no new run) stays 0 */
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0);
        assert_false(has(f,
                         "chaosresult_verdict=\"Pass\",probe_success_percentage=\"75.000000\",app_label=\"\","
                         "app_namespace=\"box\",app_kind=\"linux\",workflow_name=\"shop\"} 1\n"));
        /* a later run with the same verdict is fresh again, from now */
        make(&e, fr, frp, "e1", "r2", "Pass", "Pass");
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0);
        clock_ms += 9000;
        assert_true(has(f,
                        "chaosresult_name=\"shop-lat\",chaosengine_name=\"shop\",chaosengine_context=\"e1\","
                        "fault_name=\"linux-network-latency\",chaosresult_verdict=\"Pass\","
                        "probe_success_percentage=\"75.000000\",app_label=\"\",app_namespace=\"box\","
                        "app_kind=\"linux\",workflow_name=\"shop\"} 1\n"));
        clock_ms += 1000;
        assert_false(has(f, "workflow_name=\"shop\"} 1\n"));
}

static void cap_keeps_nothing_half_shown(void **state)
{
        struct fixture *f = *state;
        ER e;
        FR fr[2];
        FR *frp[2];
        char id[32];
        int r = 0, n = 0;

        /* the cap is 100 series per family: 50 experiments of 2 results fit, the 51st does not */
        for (int i = 0; i < 51; i++) {
                snprintf(id, sizeof(id), "e%d", i);
                make(&e, fr, frp, id, "r", "Pass", "Pass");
                r = exporter_results_apply(f->s, &e, false);
                n += r == 0;
        }
        assert_int_equal(n, 50);
        assert_int_equal(r, RIFT_E_TOOBIG);
        assert_int_equal(exporter_results_count(f->s), 50);
        assert_false(has(f, "chaosengine_context=\"e50\""));
        assert_true(has(f, "litmuschaos_cluster_scoped_experiments_installed_count 100\n"));
}

static void empty_and_unknown(void **state)
{
        struct fixture *f = *state;
        ER e;

        rift__results__v1__experiment_result__init(&e);
        e.experiment_id = (char *)"never-run";
        assert_int_equal(exporter_results_apply(f->s, &e, true), 0); /* no faults: nothing held */
        assert_int_equal(exporter_results_count(f->s), 0);
        e.removed = true;
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0); /* unknown and deleted: no-op */
        assert_true(has(f, "litmuschaos_cluster_scoped_experiments_run_count 0\n"));
}

static void full_sync_drops_what_it_did_not_mention(void **state)
{
        struct fixture *f = *state;
        ER e;
        FR fr[2];
        FR *frp[2];

        make(&e, fr, frp, "e1", "r", "Pass", "Pass");
        assert_int_equal(exporter_results_apply(f->s, &e, true), 0);
        make(&e, fr, frp, "e2", "r", "Fail", "Pass");
        assert_int_equal(exporter_results_apply(f->s, &e, false), 0);
        exporter_results_full_sync_begin(f->s);
        make(&e, fr, frp, "e2", "r", "Fail", "Pass"); /* e1 was deleted while the listing was cut */
        assert_int_equal(exporter_results_apply(f->s, &e, true), 0);
        assert_int_equal(exporter_results_full_sync_end(f->s), 1);
        assert_int_equal(exporter_results_count(f->s), 1);
        assert_false(has(f, "chaosengine_context=\"e1\""));
        assert_true(has(f, "chaosengine_context=\"e2\""));
        assert_true(has(f, "litmuschaos_cluster_scoped_experiments_installed_count 2\n"));
        exporter_results_full_sync_begin(f->s); /* a listing that mentions nothing empties it */
        assert_int_equal(exporter_results_full_sync_end(f->s), 1);
        assert_int_equal(exporter_results_count(f->s), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(series_follow_results, setup, teardown),
                cmocka_unit_test_setup_teardown(verdict_freshness, setup, teardown),
                cmocka_unit_test_setup_teardown(cap_keeps_nothing_half_shown, setup, teardown),
                cmocka_unit_test_setup_teardown(empty_and_unknown, setup, teardown),
                cmocka_unit_test_setup_teardown(full_sync_drops_what_it_did_not_mention, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
