// link: agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c
/* iptables batches and the child deadline. The iptables tests run as root in a network namespace this
 * process creates for itself (gone when it exits, whatever happens); without root they are skipped. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/faults/fault.h"
#include "agent/ipt.h"
#include "agent/netfilter.h"
#include "agent/nft.h"
#include "agent/proc.h"
#include "agent/undo.h"
#include "lib/clock.h"
#include "lib/error.h"

static bool in_netns;   /* root, iptables-restore present, own network namespace */
static char tmpdir[64]; /* journal and the counting wrappers */
static char calls[128]; /* one line per iptables program run (through the wrappers) */

/* ---- the child deadline and stdin ------------------------------------------------------------------ */

static void input_reaches_stdin(void **state)
{
        char *argv[] = { "sh", "-c", "read a; test \"$a\" = hello", NULL };
        assert_int_equal(proc_exec_input(argv, "hello\n", 6, 5000), 0);
        assert_int_equal(proc_exec_input(argv, "bye\n", 4, 5000), 1);
        assert_int_equal(proc_exec_input(argv, NULL, 0, 5000), 1); /* no input: EOF */
}

static void large_input_is_fed_whole(void **state)
{
        size_t len = 1u << 20; /* far more than a socket buffer */
        char *big = malloc(len);
        memset(big, 'x', len);
        char *count[] = { "sh", "-c", "test \"$(wc -c)\" -eq 1048576", NULL };
        assert_int_equal(proc_exec_input(count, big, len, 10000), 0);
        /* a child that reads nothing and exits: no SIGPIPE for us, its status comes back */
        char *quit[] = { "sh", "-c", "exit 3", NULL };
        assert_int_equal(proc_exec_input(quit, big, len, 10000), 3);
        free(big);
}

static void child_past_deadline_is_killed_and_reaped(void **state)
{
        char *argv[] = { "sleep", "30", NULL };
        int64_t t0 = rift_mono_ms();
        assert_int_equal(proc_exec_input(argv, NULL, 0, 200), -ETIMEDOUT);
        int64_t took = rift_mono_ms() - t0;
        assert_true(took >= 200 && took < 3000);
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* nothing left to reap */
        assert_int_equal(errno, ECHILD);
        /* also when it is blocked on a stdin we never finish writing */
        char *cat[] = { "sh", "-c", "sleep 30", NULL };
        assert_int_equal(proc_exec_input(cat, "x", 1, 200), -ETIMEDOUT);
        char *none[] = { "rift-no-such-program", NULL };
        assert_int_equal(proc_exec_input(none, NULL, 0, 5000), -ENOENT);
}

/* ---- batch text ------------------------------------------------------------------------------------ */

static void batch_text_is_restore_input(void **state)
{
        struct ipt_batch b;
        ipt_batch_init(&b, "filter");
        assert_int_equal(ipt_batch_declare(&b, "RIFT-1-O"), 0);
        assert_int_equal(ipt_batch_add(&b, "-A", "RIFT-1-O", "-d 10.0.0.1/32 -j DROP"), 0);
        assert_int_equal(ipt_batch_add(&b, "-X", "RIFT-1-O", NULL), 0);
        assert_string_equal(b.text.data, "*filter\n:RIFT-1-O - [0:0]\n-A RIFT-1-O -d 10.0.0.1/32 -j DROP\n"
                                         "-X RIFT-1-O\n");
        assert_int_equal(b.n, 3);
        ipt_batch_free(&b);
}

static void batch_refuses_more_than_words(void **state)
{
        static const char *const bad_rules[] = { "-j RIFT\n-F OUTPUT", "-m comment --comment \"x\"", "-j X\r",
                                                 "-m comment --comment 'x'", "a\\b" };
        for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
                struct ipt_batch b;
                ipt_batch_init(&b, "filter");
                assert_int_equal(ipt_batch_add(&b, "-A", "RIFT-1-O", bad_rules[i]), RIFT_E_INVALID);
                assert_int_equal(ipt_batch_add(&b, "-A", "RIFT-1-O", "-j DROP"), RIFT_E_INVALID);
                /* the first error sticks: commit runs nothing */
                assert_int_equal(ipt_batch_commit(&b), RIFT_E_INVALID);
                ipt_batch_free(&b);
        }
        struct ipt_batch b;
        ipt_batch_init(&b, "filter");
        assert_int_equal(ipt_batch_add(&b, "-A", "TWO WORDS", "-j DROP"), RIFT_E_INVALID);
        ipt_batch_free(&b);
        ipt_batch_init(&b, "filter");
        assert_int_equal(ipt_batch_declare(&b, ""), RIFT_E_INVALID);
        ipt_batch_free(&b);
        ipt_batch_init(&b, "filter");
        assert_int_equal(ipt_batch_commit(&b), 0); /* nothing to do: nothing run */
        ipt_batch_free(&b);
}

/* ---- real iptables, in our own network namespace --------------------------------------------------- */

static int count_calls(const char *prog)
{
        FILE *f = fopen(calls, "r");
        char line[64];
        int n = 0;
        while (f && fgets(line, sizeof(line), f))
                n += strncmp(line, prog, strlen(prog)) == 0 && line[strlen(prog)] == '\n';
        if (f)
                fclose(f);
        return n;
}

/* Runs /usr/sbin/PROG -w with the space-separated words of args; returns its exit status. */
static int xtables(const char *prog, const char *args)
{
        char copy[256], *argv[16] = { (char *)prog, "-w" }, *save = NULL;
        size_t n = 2;
        snprintf(copy, sizeof(copy), "%s", args);
        for (char *w = strtok_r(copy, " ", &save); w && n < 15; w = strtok_r(NULL, " ", &save))
                argv[n++] = w;
        argv[n] = NULL;
        return proc_exec(argv);
}

static int iptables(const char *args)
{
        return xtables("/usr/sbin/iptables", args);
}

static int ip6tables(const char *args)
{
        return xtables("/usr/sbin/ip6tables", args);
}

/* Only the default policies: no chain, no rule. */
static bool table_is_empty(const char *prog)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "/usr/sbin/%s -w -S | grep -v '^-P ' | wc -l", prog);
        FILE *p = popen(cmd, "r");
        int n = -1;
        if (p) {
                if (fscanf(p, "%d", &n) != 1)
                        n = -1;
                pclose(p);
        }
        return n == 0;
}

static bool filter_is_empty(void)
{
        return table_is_empty("iptables") && table_is_empty("ip6tables");
}

static struct nf_filter two_targets(void)
{
        struct nf_filter f = { .whitelist_ssh = true, .n_dst = 2 };
        f.dst[0] = (struct nf_target){ .family = AF_INET, .addr = { 10, 9, 0, 2 }, .prefix = 32 };
        f.dst[1] = (struct nf_target){ .family = AF_INET, .addr = { 10, 9, 1, 0 }, .prefix = 24, .port = 80 };
        return f;
}

struct jfix {
        struct undo_journal *j;
        struct fault_ctx ctx;
};

static int jsetup(void **state)
{
        if (!in_netns)
                return 0;
        struct jfix *x = calloc(1, sizeof(*x));
        if (undo_open(tmpdir, &x->j) < 0)
                return -1;
        x->ctx.journal = x->j;
        x->ctx.first_id = undo_last_id(x->j);
        *state = x;
        return 0;
}

static int jteardown(void **state)
{
        struct jfix *x = *state;
        if (x) {
                undo_replay(x->j, NULL, NULL);
                undo_close(x->j);
                free(x);
        }
        return 0;
}

/* Installing is one iptables-restore; reverting runs no process at all (nft.h's kept socket). */
static void install_is_one_process_revert_none(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = two_targets();
        char chain[32];
        int before = count_calls("iptables-restore"), singles = count_calls("iptables");
        assert_int_equal(netfilter_install(x->j, &f, "DROP", true), 0);
        assert_int_equal(count_calls("iptables-restore"), before + 1);
        assert_int_equal(count_calls("iptables"), singles);
        /* journalled first: two chains and two jumps */
        assert_int_equal(undo_open_count(x->j), 4);
        snprintf(chain, sizeof(chain), "OUTPUT -j RIFT-%d-O", (int)getpid());
        char check[96];
        snprintf(check, sizeof(check), "-C %s", chain);
        assert_int_equal(iptables(check), 0);
        snprintf(check, sizeof(check), "-C INPUT -j RIFT-%d-I", (int)getpid());
        assert_int_equal(iptables(check), 0);
        snprintf(check, sizeof(check), "-C RIFT-%d-O -d 10.9.1.0/24 -p udp --dport 80 -j DROP",
                 (int)getpid());
        assert_int_equal(iptables(check), 0);
        snprintf(check, sizeof(check), "-C RIFT-%d-I -s 10.9.0.2/32 -j DROP", (int)getpid());
        assert_int_equal(iptables(check), 0);

        before = count_calls("iptables-restore");
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_int_equal(count_calls("iptables-restore"), before);
        assert_int_equal(count_calls("iptables"), singles);
        assert_int_equal(undo_open_count(x->j), 0);
        assert_true(filter_is_empty());
        /* reverting again finds nothing to do */
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_true(filter_is_empty());
}

/* Someone changed the agent's rules by hand before the revert. A jump already gone: still one nftables
 * transaction. The ingress chain and its jump gone: the transaction is refused (no such chain), nothing
 * of it applied, and the iptables batch and the piece-by-piece replay finish. */
static void revert_after_changes_by_hand(void **state)
{
        static const struct {
                const char *by_hand[3]; /* iptables commands, each followed by our chain RIFT-<pid>-<dir> */
                char dir;               /* 'O' or 'I' */
                bool native;            /* reverted without iptables-restore */
        } cases[] = {
                { { "-D OUTPUT -j" }, 'O', true },
                { { "-D INPUT -j", "-F", "-X" }, 'I', false },
        };
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct nf_filter f = two_targets();
                char cmd[96];
                x->ctx.first_id = undo_last_id(x->j);
                assert_int_equal(netfilter_install(x->j, &f, "DROP", true), 0);
                for (size_t k = 0; k < 3 && cases[i].by_hand[k]; k++) {
                        snprintf(cmd, sizeof(cmd), "%s RIFT-%d-%c", cases[i].by_hand[k], (int)getpid(),
                                 cases[i].dir);
                        assert_int_equal(iptables(cmd), 0);
                }
                int before = count_calls("iptables-restore");
                assert_int_equal(netfilter_revert(&x->ctx), 0);
                assert_int_equal(count_calls("iptables-restore") == before, cases[i].native);
                assert_int_equal(undo_open_count(x->j), 0);
                assert_true(filter_is_empty());
        }
}

/* nft_delete_chains on its own: all or nothing. */
static void nft_deletes_all_or_nothing(void **state)
{
        if (!in_netns)
                skip();
        const char *bases[] = { "OUTPUT", "INPUT" }, *chains[] = { "RIFT-T-O", "RIFT-T-I" };
        const char *missing[] = { "RIFT-T-O", "RIFT-NOPE" };
        assert_int_equal(iptables("-N RIFT-T-O"), 0);
        assert_int_equal(iptables("-N RIFT-T-I"), 0);
        assert_int_equal(iptables("-A RIFT-T-O -d 10.9.0.2/32 -j DROP"), 0);
        assert_int_equal(iptables("-A RIFT-T-I -s 10.9.0.2/32 -j DROP"), 0);
        assert_int_equal(iptables("-I OUTPUT -o lo -j RIFT-T-O"), 0);
        assert_int_equal(iptables("-I OUTPUT -j RIFT-T-O"), 0);
        assert_int_equal(iptables("-A INPUT -j RIFT-T-I"), 0);
        assert_int_equal(iptables("-A INPUT -s 10.9.0.3/32 -j ACCEPT"), 0); /* not ours: stays */
        /* one chain does not exist: refused, nothing changed */
        assert_int_equal(nft_delete_chains(AF_INET, "filter", bases, 2, missing, 2), -ENOENT);
        assert_int_equal(iptables("-C OUTPUT -o lo -j RIFT-T-O"), 0);
        assert_int_equal(iptables("-C RIFT-T-O -d 10.9.0.2/32 -j DROP"), 0);
        /* a jump from a chain not searched (FORWARD) still uses RIFT-T-O: refused, nothing changed */
        assert_int_equal(iptables("-A FORWARD -j RIFT-T-O"), 0);
        assert_int_equal(nft_delete_chains(AF_INET, "filter", bases, 2, chains, 2), -EBUSY);
        assert_int_equal(iptables("-C INPUT -j RIFT-T-I"), 0);
        assert_int_equal(iptables("-C RIFT-T-I -s 10.9.0.2/32 -j DROP"), 0);
        assert_int_equal(iptables("-D FORWARD -j RIFT-T-O"), 0);
        /* now: both jumps in OUTPUT, the one in INPUT and both chains go, the other rule stays */
        assert_int_equal(nft_delete_chains(AF_INET, "filter", bases, 2, chains, 2), 0);
        assert_int_equal(iptables("-C INPUT -s 10.9.0.3/32 -j ACCEPT"), 0);
        assert_int_equal(iptables("-D INPUT -s 10.9.0.3/32 -j ACCEPT"), 0);
        assert_true(filter_is_empty());
        /* again: they are gone */
        assert_int_equal(nft_delete_chains(AF_INET, "filter", bases, 2, chains, 2), -ENOENT);
        /* ip6tables' tables are another family */
        assert_int_equal(ip6tables("-N RIFT-T-O"), 0);
        assert_int_equal(ip6tables("-I OUTPUT -j RIFT-T-O"), 0);
        assert_int_equal(nft_delete_chains(AF_INET, "filter", bases, 1, chains, 1), -ENOENT);
        assert_int_equal(nft_delete_chains(AF_INET6, "filter", bases, 1, chains, 1), 0);
        assert_true(filter_is_empty());
        /* what it does not take */
        assert_int_equal(nft_delete_chains(AF_UNIX, "filter", bases, 1, chains, 1), -EINVAL);
        assert_int_equal(nft_delete_chains(AF_INET, "filter", bases, 0, chains, 1), -EINVAL);
        assert_int_equal(nft_delete_chains(AF_INET, "", bases, 1, chains, 1), -EINVAL);
}

/* Recovery (a killed agent's journal, no fault context): both families' chains in one transaction each,
 * no process; the shaper's older entry is left to the replay. */
static void recovery_batches_are_native(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = { .whitelist_ssh = true };
        struct undo_entry older = { .kind = UNDO_FILE };
        snprintf(older.name, sizeof(older.name), "%s/none", tmpdir);
        assert_int_equal(undo_record(x->j, &older, NULL), 0);
        assert_int_equal(netfilter_install(x->j, &f, "DROP", true), 0);
        int v4 = count_calls("iptables-restore"), v6 = count_calls("ip6tables-restore");
        netfilter_revert_batches(x->j, 0, 64);
        assert_int_equal(count_calls("iptables-restore"), v4);
        assert_int_equal(count_calls("ip6tables-restore"), v6);
        assert_int_equal(undo_open_count(x->j), 1); /* the file entry */
        assert_true(filter_is_empty());
}

static void refused_install_changes_nothing(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = two_targets();
        char check[96];
        /* the ingress chain already exists: the whole batch is refused, egress included */
        snprintf(check, sizeof(check), "-N RIFT-%d-I", (int)getpid());
        assert_int_equal(iptables(check), 0);
        assert_true(netfilter_install(x->j, &f, "DROP", true) < 0);
        snprintf(check, sizeof(check), "-S RIFT-%d-O", (int)getpid());
        assert_int_not_equal(iptables(check), 0);
        snprintf(check, sizeof(check), "-C OUTPUT -j RIFT-%d-O", (int)getpid());
        assert_int_not_equal(iptables(check), 0);
        /* what the journal says was about to be created reverts as "already gone" (a chain with the
         * agent's pid in its name is taken as a leftover of an earlier agent with that pid, as before) */
        assert_int_equal(undo_open_count(x->j), 4);
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_int_equal(undo_open_count(x->j), 0);
        assert_true(filter_is_empty());
}

static void single_deletes_are_idempotent(void **state)
{
        if (!in_netns)
                skip();
        assert_int_equal(ipt_chain_delete("filter", "RIFT-NOPE"), 0);
        assert_int_equal(ipt_rule_delete("filter", "OUTPUT", "-j RIFT-NOPE"), 0);
        assert_int_equal(ipt_chain_create("filter", "RIFT-T"), 0);
        assert_int_equal(ipt_chain_create("filter", "RIFT-T"), -EEXIST);
        assert_int_equal(ipt_rule_add("filter", "RIFT-T", "-d 10.1.2.3/32 -j DROP", 0), 0);
        assert_int_equal(ipt_rule_add("filter", "OUTPUT", "-j RIFT-T", 1), 0);
        assert_int_equal(ipt_chain_delete("filter", "RIFT-T"), -EBUSY);    /* still jumped to */
        assert_int_equal(iptables("-C RIFT-T -d 10.1.2.3/32 -j DROP"), 0); /* and left as it was */
        assert_int_equal(ipt_rule_delete("filter", "OUTPUT", "-j RIFT-T"), 0);
        assert_int_equal(ipt_rule_delete("filter", "OUTPUT", "-j RIFT-T"), 0);
        assert_int_equal(ipt_chain_delete("filter", "RIFT-T"), 0); /* flushed and deleted */
        assert_int_equal(ipt_chain_delete("filter", "RIFT-T"), 0);
        assert_true(filter_is_empty());
}

/* ---- IPv6 ------------------------------------------------------------------------------------------ */

static struct nf_filter v6_targets(void)
{
        struct nf_filter f = { .whitelist_ssh = true, .n_dst = 2, .n_excl = 1 };
        f.dst[0] = (struct nf_target){ .family = AF_INET6,
                                       .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 },
                                       .prefix = 128 };
        f.dst[1] = (struct nf_target){ .family = AF_INET6, .addr = { 0xfd }, .prefix = 64, .port = 443 };
        f.excl[0] = (struct nf_target){ .family = AF_INET6, .addr = { 0xfd, [15] = 7 }, .prefix = 128 };
        return f;
}

static void ipv4_targets_leave_ip6tables_alone(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = two_targets();
        int v6 = count_calls("ip6tables-restore"), v6s = count_calls("ip6tables");
        assert_int_equal(netfilter_install(x->j, &f, "DROP", true), 0);
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_int_equal(count_calls("ip6tables-restore"), v6);
        assert_int_equal(count_calls("ip6tables"), v6s);
        assert_true(filter_is_empty());
}

static void ipv6_targets_go_through_ip6tables_restore_only(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = v6_targets();
        char check[128];
        int v4 = count_calls("iptables-restore"), v6 = count_calls("ip6tables-restore");
        int v4s = count_calls("iptables"), v6s = count_calls("ip6tables");
        assert_int_equal(netfilter_install(x->j, &f, "DROP", true), 0);
        assert_int_equal(count_calls("iptables-restore"), v4);
        assert_int_equal(count_calls("ip6tables-restore"), v6 + 1);
        /* journalled first, with the IPv6 kinds: two chains and two jumps */
        assert_int_equal(undo_open_count(x->j), 4);
        size_t n = undo_count(x->j);
        assert_int_equal(undo_get(x->j, n - 4)->kind, UNDO_IP6T_CHAIN);
        assert_int_equal(undo_get(x->j, n - 3)->kind, UNDO_IP6T_RULE);
        assert_string_equal(undo_kind_name(UNDO_IP6T_CHAIN), "ip6t_chain");
        assert_string_equal(undo_kind_name(UNDO_IP6T_RULE), "ip6t_rule");
        snprintf(check, sizeof(check), "-C OUTPUT -j RIFT-%d-O", (int)getpid());
        assert_int_equal(ip6tables(check), 0);
        assert_int_not_equal(iptables(check), 0);
        snprintf(check, sizeof(check), "-C RIFT-%d-O -d 2001:db8::10/128 -j DROP", (int)getpid());
        assert_int_equal(ip6tables(check), 0);
        snprintf(check, sizeof(check), "-C RIFT-%d-O -d fd00::/64 -p tcp --dport 443 -j DROP", (int)getpid());
        assert_int_equal(ip6tables(check), 0);
        snprintf(check, sizeof(check), "-C RIFT-%d-I -s fd00::7/128 -j RETURN", (int)getpid());
        assert_int_equal(ip6tables(check), 0);
        snprintf(check, sizeof(check), "-C RIFT-%d-O -p tcp --dport 22 -j RETURN", (int)getpid());
        assert_int_equal(ip6tables(check), 0);

        v6 = count_calls("ip6tables-restore");
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_int_equal(count_calls("ip6tables-restore"), v6);
        assert_int_equal(count_calls("iptables-restore"), v4);
        assert_int_equal(count_calls("iptables"), v4s);
        assert_int_equal(count_calls("ip6tables"), v6s);
        assert_int_equal(undo_open_count(x->j), 0);
        assert_true(filter_is_empty());
        assert_int_equal(netfilter_revert(&x->ctx), 0);
}

static void no_destination_filter_affects_both_families(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = { .whitelist_ssh = true };
        char check[96];
        int v4 = count_calls("iptables-restore"), v6 = count_calls("ip6tables-restore");
        assert_int_equal(netfilter_install(x->j, &f, "DROP", false), 0);
        assert_int_equal(count_calls("iptables-restore"), v4 + 1);
        assert_int_equal(count_calls("ip6tables-restore"), v6 + 1);
        snprintf(check, sizeof(check), "-C OUTPUT -j RIFT-%d-O", (int)getpid());
        assert_int_equal(iptables(check), 0);
        assert_int_equal(ip6tables(check), 0);
        /* revert: one nftables transaction per family, no process */
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_int_equal(count_calls("iptables-restore"), v4 + 1);
        assert_int_equal(count_calls("ip6tables-restore"), v6 + 1);
        assert_true(filter_is_empty());
}

static void ipv6_entries_replay_piece_by_piece(void **state)
{
        if (!in_netns)
                skip();
        struct jfix *x = *state;
        struct nf_filter f = v6_targets();
        char check[96];
        assert_int_equal(netfilter_install(x->j, &f, "DROP", true), 0);
        snprintf(check, sizeof(check), "-D INPUT -j RIFT-%d-I", (int)getpid());
        assert_int_equal(ip6tables(check), 0); /* one jump removed by hand */
        snprintf(check, sizeof(check), "-F RIFT-%d-I", (int)getpid());
        assert_int_equal(ip6tables(check), 0);
        snprintf(check, sizeof(check), "-X RIFT-%d-I", (int)getpid());
        assert_int_equal(ip6tables(check), 0); /* and its chain: the transaction is refused */
        assert_int_equal(netfilter_revert(&x->ctx), 0);
        assert_int_equal(undo_open_count(x->j), 0);
        assert_true(filter_is_empty());
        /* and the single operations are idempotent */
        assert_int_equal(ipt_family_chain_delete(AF_INET6, "filter", "RIFT-NOPE"), 0);
        assert_int_equal(ipt_family_rule_delete(AF_INET6, "filter", "OUTPUT", "-j RIFT-NOPE"), 0);
        assert_int_equal(ipt_family_chain_exists(AF_INET6, "filter", "RIFT-NOPE"), 0);
        struct ipt_batch b;
        ipt_batch_init_family(&b, AF_UNIX, "filter");
        assert_int_equal(ipt_batch_add(&b, "-N", "RIFT-X", NULL), RIFT_E_INVALID);
        ipt_batch_free(&b);
}

/* Root and iptables-restore: move into a fresh network namespace, and put counting wrappers for the
 * iptables programs first in PATH. */
static int group_setup(void **state)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/rift-ipt-XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(calls, sizeof(calls), "%s/calls", tmpdir);
        if (geteuid() != 0 || access("/usr/sbin/iptables-restore", X_OK) < 0 ||
            access("/usr/sbin/ip6tables-restore", X_OK) < 0 || unshare(CLONE_NEWNET) < 0)
                return 0;
        static const char *const progs[] = { "iptables", "iptables-restore", "ip6tables",
                                             "ip6tables-restore" };
        for (size_t i = 0; i < 4; i++) {
                char path[160];
                snprintf(path, sizeof(path), "%s/%s", tmpdir, progs[i]);
                FILE *f = fopen(path, "w");
                if (!f)
                        return -1;
                fprintf(f, "#!/bin/sh\necho %s >>%s\nexec /usr/sbin/%s \"$@\"\n", progs[i], calls, progs[i]);
                fclose(f);
                chmod(path, 0755);
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s:%s", tmpdir, getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin");
        setenv("PATH", path, 1);
        in_netns = filter_is_empty();
        return 0;
}

static int group_teardown(void **state)
{
        static const char *const files[] = { "calls",     "iptables",          "iptables-restore",
                                             "ip6tables", "ip6tables-restore", "journal" };
        char path[160];
        for (size_t i = 0; i < 6; i++) {
                snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
                unlink(path);
        }
        return rmdir(tmpdir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(input_reaches_stdin),
                cmocka_unit_test(large_input_is_fed_whole),
                cmocka_unit_test(child_past_deadline_is_killed_and_reaped),
                cmocka_unit_test(batch_text_is_restore_input),
                cmocka_unit_test(batch_refuses_more_than_words),
                cmocka_unit_test_setup_teardown(install_is_one_process_revert_none, jsetup, jteardown),
                cmocka_unit_test_setup_teardown(revert_after_changes_by_hand, jsetup, jteardown),
                cmocka_unit_test(nft_deletes_all_or_nothing),
                cmocka_unit_test_setup_teardown(recovery_batches_are_native, jsetup, jteardown),
                cmocka_unit_test_setup_teardown(refused_install_changes_nothing, jsetup, jteardown),
                cmocka_unit_test(single_deletes_are_idempotent),
                cmocka_unit_test_setup_teardown(ipv4_targets_leave_ip6tables_alone, jsetup, jteardown),
                cmocka_unit_test_setup_teardown(ipv6_targets_go_through_ip6tables_restore_only, jsetup,
                                                jteardown),
                cmocka_unit_test_setup_teardown(no_destination_filter_affects_both_families, jsetup,
                                                jteardown),
                cmocka_unit_test_setup_teardown(ipv6_entries_replay_piece_by_piece, jsetup, jteardown),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
