// link: agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c
/* Network fault targets: IPv4 and IPv6 literals, CIDRs, "|port", host names with A and AAAA records (a
 * hosts file bind-mounted over /etc/hosts in this process's own mount namespace, when root), the error
 * messages, and which families a fault touches. */
#include <arpa/inet.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/faults/fault.h"
#include "agent/faults/net_common.h"
#include "agent/netfilter.h"
#include "agent/tc.h"
#include "agent/agent.h"
#include "lib/error.h"

static bool fake_hosts; /* /etc/hosts is ours: dual.rift.test has A and AAAA records */

static void expect(const char *in, int family, const char *cidr, uint16_t port)
{
        struct nf_target t[4];
        size_t n = 0;
        char err[160] = "", got[64];
        int r = netfilter_parse_target(in, t, 4, &n, err, sizeof(err));
        if (r != 0 || n != 1)
                fail_msg("\"%s\": r=%d n=%zu err=%s", in, r, n, err);
        netfilter_format(&t[0], got, sizeof(got));
        if (t[0].family != family || strcmp(got, cidr) != 0 || t[0].port != port)
                fail_msg("\"%s\": family %d %s port %u", in, t[0].family, got, t[0].port);
}

static void literals_cidrs_and_ports(void **state)
{
        expect("10.0.0.1", AF_INET, "10.0.0.1/32", 0);
        expect("10.0.0.5/24", AF_INET, "10.0.0.0/24", 0); /* host bits cleared */
        expect("10.0.0.1|80", AF_INET, "10.0.0.1/32", 80);
        expect("2001:db8::10", AF_INET6, "2001:db8::10/128", 0);
        expect("fd00::/64", AF_INET6, "fd00::/64", 0);
        expect("fd00::1:2/64", AF_INET6, "fd00::/64", 0);
        expect("fd00:1:2:3:4:5:6:ffff/120", AF_INET6, "fd00:1:2:3:4:5:6:ff00/120", 0);
        expect("[2001:db8::10]", AF_INET6, "2001:db8::10/128", 0);
        expect("[2001:db8::10]|8080", AF_INET6, "2001:db8::10/128", 8080);
        expect("2001:db8::10|8080", AF_INET6, "2001:db8::10/128", 8080);
        expect("[fd00::]/48|443", AF_INET6, "fd00::/48", 443);
        expect("fd00::/64|443", AF_INET6, "fd00::/64", 443);
        expect("::/0", AF_INET6, "::/0", 0);
        expect("::ffff:10.0.0.1", AF_INET6, "::ffff:10.0.0.1/128", 0);
        expect("fe80::1", AF_INET6, "fe80::1/128", 0);
}

static void bad_input_has_exact_messages(void **state)
{
        static const struct {
                const char *in;  /* target text */
                const char *msg; /* the whole message */
        } cases[] = {
                { "fd00::1::2",
                  "\"fd00::1::2\" is not an IPv6 address (a port goes after \"|\": [2001:db8::1]|443)" },
                { "2001:db8::10:443:1:2:3:4",
                  "\"2001:db8::10:443:1:2:3:4\" is not an IPv6 address (a port goes "
                  "after \"|\": [2001:db8::1]|443)" },
                { "[10.0.0.1]", "\"[10.0.0.1]\": brackets hold an IPv6 address only" },
                { "[fd00::1", "\"[fd00::1\": \"[\" needs a closing \"]\", then only /prefix or |port" },
                { "[fd00::1]:443",
                  "\"[fd00::1]:443\": \"[\" needs a closing \"]\", then only /prefix or |port" },
                { "[fd00::1/64]", "\"[fd00::1/64]\": brackets hold an IPv6 address only" },
                { "fd00::/129", "\"fd00::/129\": prefix \"129\" is not in 0..128" },
                { "10.0.0.0/33", "\"10.0.0.0/33\": prefix \"33\" is not in 0..32" },
                { "fd00::/", "\"fd00::/\": prefix \"\" is not in 0..128" },
                { "[fd00::1]|0", "\"[fd00::1]|0\": port \"0\" is not in 1..65535" },
                { "fd00::1|65536", "\"fd00::1|65536\": port \"65536\" is not in 1..65535" },
                { "10.0.0.1|", "\"10.0.0.1|\": port \"\" is not in 1..65535" },
                { "host.invalid/24",
                  "\"host.invalid/24\": a /prefix needs an IPv4 or IPv6 address, not a host name" },
                { "", "\"\": no address or host" },
                { "[]", "\"[]\": brackets hold an IPv6 address only" },
                { "|80", "\"|80\": no address or host" },
                { "no-such-host.invalid",
                  "\"no-such-host.invalid\" is not an IPv4 or IPv6 address, CIDR or host that resolves" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct nf_target t[2];
                size_t n = 99;
                char err[200] = "";
                int r = netfilter_parse_target(cases[i].in, t, 2, &n, err, sizeof(err));
                if (r != RIFT_E_INVALID || strcmp(err, cases[i].msg) != 0)
                        fail_msg("case %zu \"%s\": r=%d err=%s", i, cases[i].in, r, err);
        }
        char long_name[400];
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        struct nf_target t[1];
        size_t n;
        char err[200];
        assert_int_equal(netfilter_parse_target(long_name, t, 1, &n, err, sizeof(err)), RIFT_E_INVALID);
        assert_non_null(strstr(err, "is too long"));
}

static void hosts_resolve_to_every_a_and_aaaa(void **state)
{
        if (!fake_hosts)
                skip();
        struct nf_target t[8];
        size_t n = 0;
        char err[200] = "", a[64];
        assert_int_equal(netfilter_parse_target("dual.rift.test|443", t, 8, &n, err, sizeof(err)), 0);
        assert_int_equal(n, 3);
        int v4 = 0, v6 = 0;
        for (size_t i = 0; i < n; i++) {
                netfilter_format(&t[i], a, sizeof(a));
                v4 += t[i].family == AF_INET && strcmp(a, "192.0.2.10/32") == 0;
                v6 += t[i].family == AF_INET6 &&
                      (strcmp(a, "2001:db8::10/128") == 0 || strcmp(a, "2001:db8::11/128") == 0);
                assert_int_equal(t[i].port, 443);
        }
        assert_int_equal(v4, 1);
        assert_int_equal(v6, 2);
        /* bounded: more addresses than room is an error, not a silent cut */
        assert_int_equal(netfilter_parse_target("dual.rift.test", t, 2, &n, err, sizeof(err)), RIFT_E_TOOBIG);
        assert_string_equal(err, "\"dual.rift.test\" has more than 2 addresses");
        assert_int_equal(netfilter_parse_target("v6only.rift.test", t, 8, &n, err, sizeof(err)), 0);
        assert_int_equal(n, 1);
        assert_int_equal(t[0].family, AF_INET6);
}

/* ---- through the faults' validate ------------------------------------------------------------------ */

static int parse(const char *spec, const char *control_plane, struct fault_ctx *ctx)
{
        *ctx = (struct fault_ctx){ .control_plane = control_plane };
        return runner_parse_spec(spec, strlen(spec), ctx);
}

static void dual_stack_filter_and_families(void **state)
{
        struct fault_ctx ctx;
        assert_int_equal(parse("{\"fault\":\"linux-network-partition\",\"tunables\":{\"DESTINATION_IPS\":"
                               "\"2001:db8::10,fd00::/64,10.0.0.1,![2001:db8::10]|22\"}}",
                               "2001:db8::7", &ctx),
                         0);
        const struct nf_filter *f = ctx.state;
        assert_int_equal(f->n_dst, 3);
        assert_int_equal(f->dst[0].family, AF_INET6);
        assert_int_equal(f->dst[2].family, AF_INET);
        assert_int_equal(f->n_excl, 2); /* the "!" entry and the control plane */
        assert_int_equal(f->excl[0].port, 22);
        char a[64];
        netfilter_format(&f->excl[1], a, sizeof(a));
        assert_string_equal(a, "2001:db8::7/128");
        assert_int_equal(netfilter_families(f), NF_FAMILY_V4 | NF_FAMILY_V6);
        runner_ctx_free(&ctx);

        assert_int_equal(
            parse("{\"fault\":\"linux-network-loss\",\"tunables\":{\"DESTINATION_IPS\":\"10.0.0.1\"}}", NULL,
                  &ctx),
            0);
        assert_int_equal(netfilter_families(&((struct net_shape *)ctx.state)->filter), NF_FAMILY_V4);
        runner_ctx_free(&ctx);
        assert_int_equal(
            parse("{\"fault\":\"linux-network-loss\",\"tunables\":{\"DESTINATION_IPS\":\"fd00::1\"}}", NULL,
                  &ctx),
            0);
        assert_int_equal(netfilter_families(&((struct net_shape *)ctx.state)->filter), NF_FAMILY_V6);
        runner_ctx_free(&ctx);
        assert_int_equal(parse("{\"fault\":\"linux-network-loss\"}", NULL, &ctx), 0);
        assert_int_equal(netfilter_families(&((struct net_shape *)ctx.state)->filter),
                         NF_FAMILY_V4 | NF_FAMILY_V6);
        runner_ctx_free(&ctx);
}

static void refusals_name_the_tunable(void **state)
{
        static const struct {
                const char *spec; /* fault spec */
                const char *msg;  /* the whole message */
        } cases[] = {
                { "{\"fault\":\"linux-network-partition\",\"tunables\":{\"DESTINATION_IPS\":\"[fd00::1]:80\"}"
                  "}",
                  "DESTINATION_IPS: \"[fd00::1]:80\": \"[\" needs a closing \"]\", then only /prefix or "
                  "|port" },
                { "{\"fault\":\"linux-network-partition\",\"tunables\":{\"DESTINATION_HOSTS\":\"fd00::/"
                  "200\"}}",
                  "DESTINATION_HOSTS: \"fd00::/200\": prefix \"200\" is not in 0..128" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fault_ctx ctx;
                int r = parse(cases[i].spec, NULL, &ctx);
                if (r >= 0 || strcmp(ctx.err, cases[i].msg) != 0)
                        fail_msg("case %zu: r=%d err=\"%s\"", i, r, ctx.err);
                runner_ctx_free(&ctx);
        }
        /* dns-error: IPv6 resolvers too, and both families without a resolver filter */
        struct fault_ctx ctx;
        assert_int_equal(parse("{\"fault\":\"linux-dns-error\",\"tunables\":{\"HOST_NAMES\":\"a.test\","
                               "\"DESTINATION_IPS\":\"fd00::53\"}}",
                               NULL, &ctx),
                         0);
        assert_int_equal(netfilter_families(ctx.state), NF_FAMILY_V6); /* nf_filter is its first member */
        runner_ctx_free(&ctx);
        assert_int_equal(
            parse("{\"fault\":\"linux-dns-error\",\"tunables\":{\"HOST_NAMES\":\"a.test\"}}", NULL, &ctx), 0);
        assert_int_equal(netfilter_families(ctx.state), NF_FAMILY_V4 | NF_FAMILY_V6);
        runner_ctx_free(&ctx);
}

/* tc u32 matches of a dual-stack filter: every destination, the exclusions of the families touched, SSH
 * per family; without destinations one "any" per family. */
static void tc_matches_cover_both_families(void **state)
{
        struct fault_ctx ctx;
        struct tc_match incl[RIFT_MAX_FAULT_TARGETS], excl[TC_MAX_EXCLUDES];
        size_t n_incl, n_excl;
        assert_int_equal(parse("{\"fault\":\"linux-network-rate-limit\",\"tunables\":{\"NETWORK_INTERFACES\":"
                               "\"lo\",\"DESTINATION_IPS\":\"10.0.0.0/8,fd00::/64|443,!fd00::9\"}}",
                               "192.0.2.1", &ctx),
                         0);
        netfilter_to_tc(ctx.state, incl, &n_incl, excl, &n_excl);
        assert_int_equal(n_incl, 2);
        assert_int_equal(incl[0].family, AF_INET);
        assert_int_equal(incl[0].prefix, 8);
        assert_int_equal(incl[0].addr[0], 10);
        assert_int_equal(incl[1].family, AF_INET6);
        assert_int_equal(incl[1].prefix, 64);
        assert_int_equal(incl[1].addr[0], 0xfd);
        assert_int_equal(incl[1].dport, 443);
        /* !fd00::9, the control plane, SSH for IPv4 and for IPv6 */
        assert_int_equal(n_excl, 4);
        assert_int_equal(excl[0].family, AF_INET6);
        assert_int_equal(excl[0].prefix, 128);
        assert_int_equal(excl[0].addr[15], 9);
        assert_int_equal(excl[1].family, AF_INET);
        assert_int_equal(excl[1].addr[0], 192);
        assert_true(excl[2].family == AF_INET && excl[2].dport == 22 && excl[2].prefix == 0);
        assert_true(excl[3].family == AF_INET6 && excl[3].dport == 22 && excl[3].prefix == 0);
        runner_ctx_free(&ctx);

        /* IPv4 destinations only: an IPv6 control plane is not an IPv4 exclusion, and IPv6 is left alone */
        assert_int_equal(parse("{\"fault\":\"linux-network-rate-limit\",\"tunables\":{\"NETWORK_INTERFACES\":"
                               "\"lo\",\"DESTINATION_IPS\":\"10.0.0.1\",\"WHITELIST_SSH\":\"false\"}}",
                               "2001:db8::7", &ctx),
                         0);
        netfilter_to_tc(ctx.state, incl, &n_incl, excl, &n_excl);
        assert_int_equal(n_incl, 1);
        assert_int_equal(n_excl, 0);
        runner_ctx_free(&ctx);

        /* no destination: everything of each family the machine has */
        assert_int_equal(parse("{\"fault\":\"linux-network-rate-limit\",\"tunables\":{\"NETWORK_INTERFACES\":"
                               "\"lo\"}}",
                               NULL, &ctx),
                         0);
        netfilter_to_tc(ctx.state, incl, &n_incl, excl, &n_excl);
        bool v6 = access("/proc/net/if_inet6", F_OK) == 0;
        assert_int_equal(n_incl, v6 ? 2 : 1);
        assert_true(incl[0].family == AF_INET && incl[0].prefix == 0 && incl[0].dport == 0);
        if (v6)
                assert_true(incl[1].family == AF_INET6 && incl[1].prefix == 0);
        assert_int_equal(n_excl, v6 ? 2 : 1); /* SSH */
        runner_ctx_free(&ctx);
}

static void too_many_addresses_is_refused(void **state)
{
        char spec[4096] = "{\"fault\":\"linux-network-partition\",\"tunables\":{\"DESTINATION_IPS\":\"";
        for (unsigned i = 0; i <= RIFT_MAX_FAULT_TARGETS; i++)
                snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%sfd00::%x", i ? "," : "", i + 1);
        snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "\"}}");
        struct fault_ctx ctx;
        assert_true(parse(spec, NULL, &ctx) < 0);
        if (!strstr(ctx.err, "DESTINATION_IPS"))
                fail_msg("err=%s", ctx.err);
        runner_ctx_free(&ctx);
        if (!fake_hosts)
                return;
        /* 63 literals and a host with 3 addresses: over the bound by the host's addresses */
        snprintf(spec, sizeof(spec),
                 "{\"fault\":\"linux-network-partition\",\"tunables\":{\"DESTINATION_IPS\":\"");
        for (unsigned i = 0; i < RIFT_MAX_FAULT_TARGETS - 1; i++)
                snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "fd00::%x,", i + 1);
        snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "dual.rift.test\"}}");
        assert_true(parse(spec, NULL, &ctx) < 0);
        assert_string_equal(ctx.err,
                            "DESTINATION_IPS: too many targets (at most 64 addresses): \"dual.rift.test\" "
                            "has more than 1 addresses");
        runner_ctx_free(&ctx);
        /* the control plane's every address is excluded: IPv4 and IPv6 */
        assert_int_equal(parse("{\"fault\":\"linux-network-partition\"}", "dual.rift.test", &ctx), 0);
        const struct nf_filter *f = ctx.state;
        assert_int_equal(f->n_excl, 3);
        runner_ctx_free(&ctx);
}

/* Root: a private mount namespace with our own /etc/hosts (nothing outside this process sees it). */
static int group_setup(void **state)
{
        static char path[] = "/tmp/rift-nf-hosts-XXXXXX";
        if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 0;
        int fd = mkstemp(path);
        if (fd < 0)
                return 0;
        const char *text = "127.0.0.1 localhost\n192.0.2.10 dual.rift.test\n2001:db8::10 dual.rift.test\n"
                           "2001:db8::11 dual.rift.test\n2001:db8::12 v6only.rift.test\n";
        bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
        close(fd);
        fake_hosts = ok && mount(path, "/etc/hosts", NULL, MS_BIND, NULL) == 0;
        unlink(path); /* the bind mount keeps it */
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(literals_cidrs_and_ports),
                cmocka_unit_test(bad_input_has_exact_messages),
                cmocka_unit_test(hosts_resolve_to_every_a_and_aaaa),
                cmocka_unit_test(dual_stack_filter_and_families),
                cmocka_unit_test(refusals_name_the_tunable),
                cmocka_unit_test(tc_matches_cover_both_families),
                cmocka_unit_test(too_many_addresses_is_refused),
        };
        return cmocka_run_group_tests(tests, group_setup, NULL);
}
