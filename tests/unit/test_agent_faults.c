// link: agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "agent/faults/net_common.h"
#include "agent/netfilter.h"
#include "lib/error.h"

/* Every malformed tunable is rejected by validate, and the message names the tunable. */
static void bad_tunables_are_named(void **state)
{
        static const struct {
                const char *spec; /* the fault spec */
                const char *name; /* what the error must mention */
        } cases[] = {
                { "{\"fault\":\"linux-cpu-stress\",\"tunables\":{\"LOAD\":\"0\"}}", "LOAD" },
                { "{\"fault\":\"linux-cpu-stress\",\"tunables\":{\"LOAD\":\"100.5\"}}", "LOAD" },
                { "{\"fault\":\"linux-cpu-stress\",\"tunables\":{\"WORKERS\":\"-1\"}}", "WORKERS" },
                { "{\"fault\":\"linux-cpu-stress\",\"tunables\":{\"CPU_CORES\":\"9999\"}}", "CPU_CORES" },
                { "{\"fault\":\"linux-memory-stress\",\"tunables\":{\"MEMORY\":\"lots\"}}", "MEMORY" },
                { "{\"fault\":\"linux-memory-stress\",\"tunables\":{\"MEMORY\":\"0%\"}}", "MEMORY" },
                { "{\"fault\":\"linux-network-latency\",\"tunables\":{\"NETWORK_LATENCY\":\"0\"}}",
                  "NETWORK_LATENCY" },
                { "{\"fault\":\"linux-network-latency\",\"tunables\":{\"JITTER\":\"soon\"}}", "JITTER" },
                { "{\"fault\":\"linux-network-latency\",\"tunables\":{\"SHAPER\":\"magic\"}}", "SHAPER" },
                { "{\"fault\":\"linux-network-latency\",\"tunables\":{\"SHAPER\":\"netem\"}}",
                  "NETWORK_INTERFACES" },
                { "{\"fault\":\"linux-network-latency\",\"tunables\":{\"NETWORK_INTERFACES\":\"nope0\"}}",
                  "NETWORK_INTERFACES" },
                { "{\"fault\":\"linux-network-loss\",\"tunables\":{\"NETWORK_PACKET_LOSS_PERCENTAGE\":"
                  "\"120\"}}",
                  "NETWORK_PACKET_LOSS_PERCENTAGE" },
                { "{\"fault\":\"linux-network-loss\",\"tunables\":{\"DESTINATION_IPS\":\"1.2.3.4/33\"}}",
                  "DESTINATION_IPS" },
                { "{\"fault\":\"linux-network-loss\",\"tunables\":{\"DESTINATION_IPS\":\"1.2.3.4|0\"}}",
                  "DESTINATION_IPS" },
                { "{\"fault\":\"linux-network-loss\",\"tunables\":{\"SOURCE_PORTS\":\"http\"}}",
                  "SOURCE_PORTS" },
                { "{\"fault\":\"linux-network-loss\",\"tunables\":{\"WHITELIST_SSH\":\"maybe\"}}",
                  "WHITELIST_SSH" },
                { "{\"fault\":\"linux-network-corruption\",\"tunables\":{\"NETWORK_PACKET_CORRUPTION_"
                  "PERCENTAGE\":\"x\"}}",
                  "NETWORK_PACKET_CORRUPTION_PERCENTAGE" },
                { "{\"fault\":\"linux-network-duplication\",\"tunables\":{\"NETWORK_PACKET_DUPLICATION_"
                  "PERCENTAGE\":-1}}",
                  "NETWORK_PACKET_DUPLICATION_PERCENTAGE" },
                { "{\"fault\":\"linux-network-rate-limit\",\"tunables\":{\"NETWORK_INTERFACES\":\"lo\","
                  "\"NETWORK_BANDWIDTH\":\"1zbit\"}}",
                  "NETWORK_BANDWIDTH" },
                { "{\"fault\":\"linux-network-rate-limit\",\"tunables\":{\"NETWORK_INTERFACES\":\"lo\","
                  "\"BURST\":\"1\"}}",
                  "BURST" },
                { "{\"fault\":\"linux-network-rate-limit\",\"tunables\":{}}", "NETWORK_INTERFACES" },
                { "{\"fault\":\"linux-disk-fill\",\"tunables\":{\"FILL_PATH\":\"/no/such/dir\"}}",
                  "FILL_PATH" },
                { "{\"fault\":\"linux-disk-fill\",\"tunables\":{\"FILL_STORAGE\":\"101%\"}}",
                  "FILL_STORAGE" },
                { "{\"fault\":\"linux-disk-fill\",\"tunables\":{\"FILL_STORAGE\":\"999999T\"}}",
                  "FILL_STORAGE" },
                { "{\"fault\":\"linux-disk-io-stress\",\"tunables\":{\"VOLUME_MOUNT_PATH\":\"tmp\"}}",
                  "VOLUME_MOUNT_PATH" },
                { "{\"fault\":\"linux-disk-io-stress\",\"tunables\":{\"FILE_SYSTEM_UTILISATION\":\"200%\"}}",
                  "FILE_SYSTEM_UTILISATION" },
                { "{\"fault\":\"linux-disk-io-stress\",\"tunables\":{\"WORKERS\":\"1000\"}}", "WORKERS" },
                { "{\"fault\":\"linux-process-kill\",\"tunables\":{}}", "PROCESS_IDS" },
                { "{\"fault\":\"linux-process-kill\",\"tunables\":{\"PROCESS_IDS\":\"1\"}}", "PROCESS_IDS" },
                { "{\"fault\":\"linux-process-kill\",\"tunables\":{\"PROCESS_NAMES\":\"a-name-longer-than-"
                  "15\"}}",
                  "PROCESS_NAMES" },
                { "{\"fault\":\"linux-process-kill\",\"tunables\":{\"PROCESS_IDS\":\"5\",\"FORCE_KILL\":"
                  "\"2\"}}",
                  "FORCE_KILL" },
                { "{\"fault\":\"linux-process-stop\",\"tunables\":{\"PROCESS_IDS\":\"5,x\"}}",
                  "PROCESS_IDS" },
                { "{\"fault\":\"linux-cpu-stress\",\"duration\":\"50ms\"}", "duration" },
                { "{\"fault\":\"linux-cpu-stress\",\"duration\":\"25h\"}", "duration" },
                { "{\"fault\":\"linux-cpu-stress\",\"tunables\":[]}", "tunables" },
                { "{\"fault\":\"linux-unknown\"}", "unknown fault" },
                { "{\"tunables\":{}}", "fault" },
                { "[1,2]", "spec" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fault_ctx ctx = { 0 };
                int r = runner_parse_spec(cases[i].spec, strlen(cases[i].spec), &ctx);
                if (r >= 0 || !strstr(ctx.err, cases[i].name))
                        fail_msg("case %zu (%s): r=%d err=\"%s\"", i, cases[i].spec, r, ctx.err);
                runner_ctx_free(&ctx);
        }
}

static void good_spec_fills_state(void **state)
{
        const char *spec =
            "{\"fault\":\"linux-network-latency\",\"duration\":\"10s\",\"tunables\":{"
            "\"NETWORK_LATENCY\":\"150\",\"JITTER\":\"1s\",\"DESTINATION_IPS\":\"10.1.0.0/16|443,!10.1.2.3\","
            "\"DESTINATION_PORTS\":\"80,!8080\",\"WHITELIST_SSH\":\"false\"}}";
        struct fault_ctx ctx = { .control_plane = "192.0.2.7" };
        assert_int_equal(runner_parse_spec(spec, strlen(spec), &ctx), 0);
        const struct net_shape *s = ctx.state;
        assert_int_equal(ctx.duration_ms, 10000);
        assert_int_equal(s->sc.latency_ms, 150);
        assert_int_equal(s->sc.jitter_ms, 1000);
        assert_int_equal(s->filter.n_dst, 1);
        assert_memory_equal(s->filter.dst[0].addr, "\x0a\x01\x00\x00", 4);
        assert_int_equal(s->filter.dst[0].prefix, 16);
        assert_int_equal(s->filter.dst[0].port, 443);
        assert_int_equal(s->filter.n_excl, 2); /* 10.1.2.3 and the control plane */
        assert_memory_equal(s->filter.excl[0].addr, "\x0a\x01\x02\x03", 4);
        assert_memory_equal(s->filter.excl[1].addr, "\xc0\x00\x02\x07", 4);
        assert_int_equal(s->filter.n_dports, 1);
        assert_int_equal(s->filter.dports[0], 80);
        assert_int_equal(s->filter.n_excl_ports, 1);
        assert_false(s->filter.whitelist_ssh);
        runner_ctx_free(&ctx);
}

static void control_plane_can_be_included_explicitly(void **state)
{
        const char *spec =
            "{\"fault\":\"linux-network-partition\",\"tunables\":{\"INCLUDE_CONTROL_PLANE\":\"true\"}}";
        struct fault_ctx ctx = { .control_plane = "192.0.2.7" };
        assert_int_equal(runner_parse_spec(spec, strlen(spec), &ctx), 0);
        const struct nf_filter *f = ctx.state;
        assert_int_equal(f->n_excl, 0);
        assert_true(f->whitelist_ssh); /* default */
        runner_ctx_free(&ctx);
}

static void defaults_follow_harness(void **state)
{
        const char *spec = "{\"fault\":\"linux-network-loss\"}";
        struct fault_ctx ctx = { 0 };
        assert_int_equal(runner_parse_spec(spec, strlen(spec), &ctx), 0);
        const struct net_shape *s = ctx.state;
        assert_int_equal(ctx.duration_ms, 30000);
        assert_true(s->sc.loss_pct == 100.0);
        assert_int_equal(s->sc.queue, NET_DEFAULT_QUEUE);
        runner_ctx_free(&ctx);
}

static void every_fault_is_listed_once(void **state)
{
        assert_true(fault_count() >= 12);
        for (size_t i = 0; i < fault_count(); i++) {
                assert_ptr_equal(fault_find(fault_get(i)->name), fault_get(i));
                assert_non_null(fault_get(i)->validate);
                assert_non_null(fault_get(i)->inject);
                assert_non_null(fault_get(i)->revert);
        }
        assert_null(fault_find("linux-network-reorder"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bad_tunables_are_named),
                cmocka_unit_test(good_spec_fills_state),
                cmocka_unit_test(control_plane_can_be_included_explicitly),
                cmocka_unit_test(defaults_follow_harness),
                cmocka_unit_test(every_fault_is_listed_once),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
