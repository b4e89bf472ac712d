// link: agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c agent/policy.c agent/dryrun.c
/* linux-service-restart. systemd is not running on the build machines (no /run/systemd/system), so
 * what is tested here is the command the fault would run (`systemctl restart -- UNIT`, or
 * `systemctl kill --signal=SIGKILL -- UNIT` for self-healing units), the validation of its tunables,
 * and the error path: without systemd the fault fails before anything is journalled, saying why. On a
 * machine with systemd, the same test checks that a unit that does not exist makes inject fail naming
 * systemctl (the unit is never created). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "agent/faults/service_restart.h"
#include "lib/log.h"

static void commands_are_systemctl_with_the_unit_after_double_dash(void **state)
{
        char *argv[8];
        assert_int_equal(service_restart_argv("nginx.service", false, argv, 8), 4);
        assert_string_equal(argv[0], "systemctl");
        assert_string_equal(argv[1], "restart");
        assert_string_equal(argv[2], "--");
        assert_string_equal(argv[3], "nginx.service");
        assert_null(argv[4]);
        assert_int_equal(service_restart_argv("getty@tty1.service", true, argv, 8), 5);
        assert_string_equal(argv[1], "kill");
        assert_string_equal(argv[2], "--signal=SIGKILL");
        assert_string_equal(argv[3], "--");
        assert_string_equal(argv[4], "getty@tty1.service");
        assert_null(argv[5]);
        assert_int_equal(service_restart_argv("x", false, argv, 5), -EINVAL); /* no room */
}

static void unit_names_are_checked(void **state)
{
        char long_name[SERVICE_NAME_MAX + 1];
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        const char *bad[] = { "", "-x", ".hidden", "a b", "a;reboot", "a/b", "$(id)", long_name };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_false(service_unit_name_ok(bad[i]));
        const char *good[] = { "nginx", "nginx.service", "user@1000.service", "sys-kernel-debug.mount",
                               "a\\x2db.service" };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                assert_true(service_unit_name_ok(good[i]));
}

static int parse(const char *spec, struct fault_ctx *ctx)
{
        memset(ctx, 0, sizeof(*ctx));
        return runner_parse_spec(spec, strlen(spec), ctx);
}

static void tunables_are_validated_naming_the_tunable(void **state)
{
        struct fault_ctx ctx;
        static const struct {
                const char *spec, *needle;
        } bad[] = {
                { "{\"fault\":\"linux-service-restart\"}", "SERVICES" },
                { "{\"fault\":\"linux-service-restart\",\"tunables\":{\"SERVICES\":\"a;reboot\"}}",
                  "SERVICES" },
                { "{\"fault\":\"linux-service-restart\",\"tunables\":{\"SERVICES\":\"a\",\"SEQUENCE\":"
                  "\"random\"}}",
                  "SEQUENCE" },
                { "{\"fault\":\"linux-service-restart\",\"tunables\":{\"SERVICES\":\"a\",\"INTERVAL\":"
                  "\"500ms\"}}",
                  "INTERVAL" },
                { "{\"fault\":\"linux-service-restart\",\"tunables\":{\"SELF_HEALING_SERVICES\":\"-x\"}}",
                  "SELF_HEALING_SERVICES" },
                { "{\"fault\":\"linux-service-restart\",\"tunables\":{\"SERVICES\":"
                  "\"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\"}}",
                  "more than" },
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_true(parse(bad[i].spec, &ctx) < 0);
                if (!strstr(ctx.err, bad[i].needle))
                        fail_msg("%s: %s", bad[i].spec, ctx.err);
                runner_ctx_free(&ctx);
        }
        assert_int_equal(
            parse("{\"fault\":\"linux-service-restart\",\"duration\":\"30s\",\"tunables\":{\"SERVICES\":"
                  "\"nginx, redis\",\"SELF_HEALING_SERVICES\":\"crond\",\"SEQUENCE\":\"serial\","
                  "\"INTERVAL\":\"5s\"}}",
                  &ctx),
            0);
        runner_ctx_free(&ctx);
}

static void without_systemd_inject_fails_before_journalling(void **state)
{
        char dir[] = "/tmp/rift-svc-XXXXXX", path[64];
        assert_non_null(mkdtemp(dir));
        struct undo_journal *j;
        struct fault_ctx ctx;
        assert_int_equal(undo_open(dir, &j), 0);
        assert_int_equal(parse("{\"fault\":\"linux-service-restart\",\"tunables\":{\"SERVICES\":"
                               "\"rift-test-no-such-unit.service\"}}",
                               &ctx),
                         0);
        ctx.journal = j;
        int r = ctx.ops->inject(&ctx);
        assert_true(r < 0);
        if (access("/run/systemd/system", F_OK) < 0) {
                assert_non_null(strstr(ctx.err, "systemd is not running"));
                assert_int_equal(undo_count(j), 0); /* nothing recorded, nothing to revert */
        } else {
                assert_non_null(strstr(ctx.err, "systemctl restart rift-test-no-such-unit.service"));
        }
        runner_ctx_free(&ctx);
        undo_close(j);
        snprintf(path, sizeof(path), "%s/journal", dir);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        rift_log_init("test", RIFT_LOG_ERROR, 2);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(commands_are_systemctl_with_the_unit_after_double_dash),
                cmocka_unit_test(unit_names_are_checked),
                cmocka_unit_test(tunables_are_validated_naming_the_tunable),
                cmocka_unit_test(without_systemd_inject_fails_before_journalling),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
