// link: agent/metrics.c
/* Agent-side fault counters: per fault type, ok and failed, an "other" row once the table is full,
 * and the Heartbeat snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/metrics.h"
#include "proto/infra.pb-c.h"

static int reset(void **state)
{
        agent_metrics_reset();
        return 0;
}

static void counts_per_fault(void **state)
{
        Rift__Infra__V1__FaultCounter buf[4], *ptrs[4];

        agent_metrics_count("linux-cpu-stress", AGENT_INJECT_OK);
        agent_metrics_count("linux-cpu-stress", AGENT_REVERT_OK);
        agent_metrics_count("linux-network-latency", AGENT_INJECT_OK);
        agent_metrics_count("linux-network-latency", AGENT_REVERT_FAILED);
        agent_metrics_count("linux-network-latency", AGENT_REVERT_FAILED);
        agent_metrics_count("linux-disk-fill", AGENT_INJECT_FAILED);
        assert_int_equal(agent_metrics_get("linux-network-latency", AGENT_REVERT_FAILED), 2);
        assert_int_equal(agent_metrics_get("linux-cpu-stress", AGENT_REVERT_FAILED), 0);
        assert_int_equal(agent_metrics_get("linux-memory-stress", AGENT_INJECT_OK), 0);
        assert_int_equal(agent_metrics_snapshot(buf, ptrs, 4), 3);
        assert_string_equal(ptrs[1]->fault, "linux-network-latency");
        assert_int_equal(ptrs[1]->injected, 1);
        assert_int_equal(ptrs[1]->revert_failed, 2);
        assert_int_equal(ptrs[2]->inject_failed, 1);
        assert_int_equal(agent_metrics_snapshot(buf, ptrs, 2), 2); /* never more than asked */
}

static void table_full_goes_to_other(void **state)
{
        char name[32];

        for (unsigned i = 0; i < AGENT_METRICS_MAX_FAULTS + 10; i++) {
                snprintf(name, sizeof(name), "fault-%u", i);
                agent_metrics_count(name, AGENT_INJECT_OK);
        }
        assert_int_equal(agent_metrics_get("fault-0", AGENT_INJECT_OK), 1);
        assert_int_equal(agent_metrics_get("other", AGENT_INJECT_OK), 11);
        agent_metrics_count(NULL, AGENT_INJECT_FAILED);
        assert_int_equal(agent_metrics_get("other", AGENT_INJECT_FAILED), 1);
        agent_metrics_count("fault-1", AGENT_METRIC_KINDS); /* out of range: ignored */
        assert_int_equal(agent_metrics_get("fault-1", AGENT_INJECT_OK), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(counts_per_fault, reset),
                cmocka_unit_test_setup(table_full_goes_to_other, reset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
