// link: agent/privsep.c agent/privsep_msg.c agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c agent/policy.c agent/dryrun.c
/* agent/privsep.c: the injector accepts only well-formed requests (exact size, magic, terminated
 * strings with nothing after them, character sets, per-type rules), validates the fault again with
 * the runner's parser, and acts only then. A real injector (privsep_serve on a socketpair, in a
 * thread) is driven like the network process drives it, with a fault that needs no network
 * (linux-process-stop on a child of this test): malformed requests change nothing, a valid one
 * stops the child, REVERT resumes it, and closing the socket reverts whatever is still injected. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/policy.h"
#include "agent/privsep.h"
#include "lib/log.h"
#include "tests/helpers/maps.h"

static struct privsep_request *inject_req(const char *fault, const char *key, const char *value)
{
        static struct privsep_request rq;
        char err[128];
        privsep_request_init(&rq, PRIVSEP_INJECT);
        rq.duration_ms = 5000;
        snprintf(rq.fault, sizeof(rq.fault), "%s", fault);
        if (key)
                assert_int_equal(privsep_request_add_tunable(&rq, key, value, err, sizeof(err)), 0);
        return &rq;
}

static int check(const struct privsep_request *rq)
{
        struct privsep_request out;
        char err[256] = "";
        int r = privsep_request_check(rq, sizeof(*rq), &out, err, sizeof(err));
        if (r == 0)
                assert_memory_equal(&out, rq, sizeof(*rq));
        else
                assert_true(err[0]); /* every refusal says why */
        return r;
}

static void well_formed_requests_pass(void **state)
{
        assert_int_equal(check(inject_req("linux-process-stop", "PROCESS_IDS", "12")), 0);
        struct privsep_request rq;
        privsep_request_init(&rq, PRIVSEP_REVERT);
        rq.handle = PRIVSEP_MAX_FAULTS - 1;
        assert_int_equal(check(&rq), 0);
        privsep_request_init(&rq, PRIVSEP_STORE_KEY);
        snprintf(rq.key, sizeof(rq.key), "0123456789abcdef");
        assert_int_equal(check(&rq), 0);
}

static void malformed_requests_are_refused(void **state)
{
        struct privsep_request rq, *in = inject_req("linux-process-stop", "PROCESS_IDS", "12");
        struct privsep_request out;
        char err[256];

        /* size: one byte short, one byte long */
        assert_int_equal(privsep_request_check(in, sizeof(*in) - 1, &out, err, sizeof(err)), -EBADMSG);
        uint8_t big[sizeof(*in) + 1] = {};
        memcpy(big, in, sizeof(*in));
        assert_int_equal(privsep_request_check(big, sizeof(big), &out, err, sizeof(err)), -EBADMSG);

        rq = *in;
        rq.magic ^= 1;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.version = 2;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.type = _PRIVSEP_TYPE_MAX;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.type = 0;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.size = 16;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.reserved = 1;
        assert_int_equal(check(&rq), -EBADMSG);

        /* strings: unterminated, bytes after the terminator, characters outside the field's set */
        rq = *in;
        memset(rq.fault, 'a', sizeof(rq.fault));
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.fault[sizeof(rq.fault) - 1] = 'x';
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        snprintf(rq.fault, sizeof(rq.fault), "../../bin/sh");
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        memset(rq.tunables[0].value, 'v', sizeof(rq.tunables[0].value));
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        snprintf(rq.tunables[0].value, sizeof(rq.tunables[0].value), "1\n2");
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        snprintf(rq.tunables[0].key, sizeof(rq.tunables[0].key), "process_ids");
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        snprintf(rq.control_plane, sizeof(rq.control_plane), "a b");
        assert_int_equal(check(&rq), -EBADMSG);

        /* tunables: count over the limit, duplicates, a used-looking entry past the count */
        rq = *in;
        rq.n_tunables = PRIVSEP_MAX_TUNABLES + 1;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.tunables[1] = rq.tunables[0];
        rq.n_tunables = 2;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.tunables[5].key[0] = 'X';
        assert_int_equal(check(&rq), -EBADMSG);

        /* per type: inject needs a fault and a sane duration; handles stay in range */
        rq = *in;
        rq.duration_ms = 99;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.duration_ms = PRIVSEP_MAX_DURATION + 1;
        assert_int_equal(check(&rq), -EBADMSG);
        rq = *in;
        rq.fault[0] = '\0';
        memset(rq.fault, 0, sizeof(rq.fault));
        assert_int_equal(check(&rq), -EBADMSG);
        privsep_request_init(&rq, PRIVSEP_REVERT);
        rq.handle = PRIVSEP_MAX_FAULTS;
        assert_int_equal(check(&rq), -EBADMSG);
        privsep_request_init(&rq, PRIVSEP_TICK);
        snprintf(rq.fault, sizeof(rq.fault), "linux-process-stop");
        assert_int_equal(check(&rq), -EBADMSG);
        privsep_request_init(&rq, PRIVSEP_STORE_KEY);
        assert_int_equal(check(&rq), -EBADMSG); /* no key */
        snprintf(rq.key, sizeof(rq.key), "key with spaces");
        assert_int_equal(check(&rq), -EBADMSG);
}

static void tunables_too_long_are_refused_by_the_sender(void **state)
{
        struct privsep_request rq;
        char err[128], value[PRIVSEP_VALUE_MAX + 1];
        privsep_request_init(&rq, PRIVSEP_INJECT);
        memset(value, '1', sizeof(value) - 1);
        value[sizeof(value) - 1] = '\0';
        assert_int_equal(privsep_request_add_tunable(&rq, "DESTINATION_IPS", value, err, sizeof(err)),
                         -E2BIG);
        assert_non_null(strstr(err, "DESTINATION_IPS"));
        for (unsigned i = 0; i < PRIVSEP_MAX_TUNABLES; i++) {
                char k[16];
                snprintf(k, sizeof(k), "K%u", i);
                assert_int_equal(privsep_request_add_tunable(&rq, k, "1", err, sizeof(err)), 0);
        }
        assert_int_equal(privsep_request_add_tunable(&rq, "ONE_MORE", "1", err, sizeof(err)), -E2BIG);
}

/* ---- a real injector ---- */

struct world {
        char dir[64];
        int fd[2];
        pid_t victim, child;
        pthread_t thread;
        bool joined; /* serve() returned and was joined */
        int exit_code;
        volatile sig_atomic_t terminating;
        struct privsep_server_config cfg;
        struct privsep_client client;
};

static void *serve(void *arg)
{
        struct world *w = arg;
        w->exit_code = privsep_serve(w->fd[0], &w->cfg);
        return NULL;
}

static pid_t pause_child(void)
{
        pid_t p = fork();
        if (p == 0) {
                for (;;)
                        pause();
        }
        return p;
}

static char proc_state(pid_t pid)
{
        char path[64], buf[256];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *fp = fopen(path, "re");
        if (!fp)
                return '?';
        size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        return p && p[1] ? p[2] : '?';
}

static char wait_state(pid_t pid, char want)
{
        for (int i = 0; i < 100 && proc_state(pid) != want; i++)
                usleep(10000);
        return proc_state(pid);
}

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));
        snprintf(w->dir, sizeof(w->dir), "/tmp/rift-privsep-XXXXXX");
        if (!w || !mkdtemp(w->dir))
                return -1;
        w->victim = pause_child();
        w->child = pause_child(); /* stands for the network process the injector reaps */
        /* after the forks: a child holding the client's end would keep the socket open */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, w->fd) < 0)
                return -1;
        w->cfg = (struct privsep_server_config){
                .journal_dir = w->dir, .state_dir = w->dir, .child = w->child, .terminating = &w->terminating
        };
        w->client.fd = w->fd[1];
        pthread_mutex_init(&w->client.lock, NULL);
        if (pthread_create(&w->thread, NULL, serve, w) != 0)
                return -1;
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        struct world *w = *state;
        if (w->fd[1] >= 0)
                close(w->fd[1]);
        if (!w->joined)
                pthread_join(w->thread, NULL);
        close(w->fd[0]);
        kill(w->victim, SIGKILL);
        waitpid(w->victim, NULL, 0);
        char path[128];
        const char *files[] = { "journal", "access_key" };
        for (size_t i = 0; i < 2; i++) {
                snprintf(path, sizeof(path), "%s/%s", w->dir, files[i]);
                unlink(path);
        }
        rmdir(w->dir);
        free(w);
        return 0;
}

static struct privsep_request *stop_victim(struct world *w)
{
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", (int)w->victim);
        return inject_req("linux-process-stop", "PROCESS_IDS", pid);
}

static void raw_garbage_gets_an_error_and_changes_nothing(void **state)
{
        struct world *w = *state;
        struct privsep_reply rp;
        uint8_t junk[40];
        memset(junk, 0xA5, sizeof(junk));
        assert_int_equal(send(w->fd[1], junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
        assert_int_equal(recv(w->fd[1], &rp, sizeof(rp), 0), (ssize_t)sizeof(rp));
        assert_int_equal(rp.status, -EBADMSG);
        assert_non_null(strstr(rp.text, "40 bytes"));

        /* a whole-size request with an unterminated tunable: refused before any fault code runs */
        struct privsep_request rq = *stop_victim(w);
        memset(rq.tunables[0].value, '7', sizeof(rq.tunables[0].value));
        assert_int_equal(send(w->fd[1], &rq, sizeof(rq), 0), (ssize_t)sizeof(rq));
        assert_int_equal(recv(w->fd[1], &rp, sizeof(rp), 0), (ssize_t)sizeof(rp));
        assert_int_equal(rp.status, -EBADMSG);
        assert_int_equal(wait_state(w->victim, 'S'), 'S');
}

static void the_injector_validates_the_fault_again(void **state)
{
        struct world *w = *state;
        struct privsep_reply rp;
        /* well-formed messages, but not a fault the runner accepts: the runner's own messages */
        assert_int_equal(privsep_call(&w->client, inject_req("linux-no-such-fault", NULL, NULL), &rp), 0);
        assert_true(rp.status < 0);
        assert_non_null(strstr(rp.text, "unknown fault"));
        assert_int_equal(privsep_call(&w->client, inject_req("linux-cpu-stress", "LOAD", "500"), &rp), 0);
        assert_true(rp.status < 0);
        assert_non_null(strstr(rp.text, "LOAD"));
        struct privsep_request rq;
        privsep_request_init(&rq, PRIVSEP_REVERT);
        rq.handle = 3; /* nothing injected there */
        assert_int_equal(privsep_call(&w->client, &rq, &rp), 0);
        assert_int_equal(rp.status, -ENOENT);
}

static void inject_status_tick_revert(void **state)
{
        struct world *w = *state;
        struct privsep_reply rp;
        assert_int_equal(privsep_call(&w->client, stop_victim(w), &rp), 0);
        assert_int_equal(rp.status, 0);
        assert_int_equal(rp.duration_ms, 5000);
        assert_int_equal(wait_state(w->victim, 'T'), 'T');
        uint32_t h = rp.handle;

        struct privsep_request rq;
        privsep_request_init(&rq, PRIVSEP_STATUS);
        rq.handle = h;
        assert_int_equal(privsep_call(&w->client, &rq, &rp), 0);
        assert_int_equal(rp.status, 0);
        assert_int_equal(rp.text[0], '{');
        privsep_request_init(&rq, PRIVSEP_TICK);
        rq.handle = h;
        assert_int_equal(privsep_call(&w->client, &rq, &rp), 0);
        assert_int_equal(rp.status, 0);

        privsep_request_init(&rq, PRIVSEP_REVERT);
        rq.handle = h;
        assert_int_equal(privsep_call(&w->client, &rq, &rp), 0);
        assert_int_equal(rp.status, 0);
        assert_int_equal(wait_state(w->victim, 'S'), 'S');
        assert_int_equal(privsep_call(&w->client, &rq, &rp), 0); /* the handle is gone now */
        assert_int_equal(rp.status, -ENOENT);
}

static void closing_the_socket_reverts_what_is_injected(void **state)
{
        struct world *w = *state;
        struct privsep_reply rp;
        assert_int_equal(privsep_call(&w->client, stop_victim(w), &rp), 0);
        assert_int_equal(rp.status, 0);
        assert_int_equal(wait_state(w->victim, 'T'), 'T');
        close(w->fd[1]); /* the network process died */
        w->fd[1] = -1;
        pthread_join(w->thread, NULL);
        w->joined = true;
        assert_int_equal(wait_state(w->victim, 'S'), 'S');
        assert_int_equal(w->exit_code, 1); /* the stand-in child was killed by the injector */
}

static void the_injector_enforces_the_local_policy_itself(void **state)
{
        struct world *w = *state;
        struct privsep_reply rp;
        struct agent_policy *p = NULL;
        char err[256];
        const char *text = "forbidden_faults = linux-process-stop\n";
        assert_int_equal(policy_parse(text, strlen(text), &p, err, sizeof(err)), 0);
        policy_set_active(p, "test.policy");
        assert_int_equal(privsep_call(&w->client, stop_victim(w), &rp), 0);
        policy_set_active(NULL, NULL);
        policy_free(p);
        assert_true(rp.status < 0);
        assert_non_null(strstr(rp.text, "local policy"));
        assert_int_equal(wait_state(w->victim, 'S'), 'S'); /* never stopped */
}

static void store_key_writes_0600_atomically(void **state)
{
        struct world *w = *state;
        struct privsep_request rq;
        struct privsep_reply rp;
        privsep_request_init(&rq, PRIVSEP_STORE_KEY);
        snprintf(rq.key, sizeof(rq.key), "deadbeef0123");
        assert_int_equal(privsep_call(&w->client, &rq, &rp), 0);
        assert_int_equal(rp.status, 0);
        char path[128], buf[64] = "";
        snprintf(path, sizeof(path), "%s/access_key", w->dir);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        assert_non_null(fgets(buf, sizeof(buf), f));
        fclose(f);
        assert_string_equal(buf, "deadbeef0123");
        snprintf(path, sizeof(path), "%s/access_key.tmp", w->dir);
        assert_int_equal(access(path, F_OK), -1);
}

/* The network process's default user (rift, else nobody) comes from /etc/passwd without loading NSS
 * modules into the injector (run first: a configured unknown user goes on to getpwnam()); root is refused,
 * unknown users are ENOENT. */
static void the_user_is_read_from_etc_passwd(void **state)
{
        uid_t uid = 0;
        gid_t gid = 0;

        assert_false(test_maps_contain("libnss_"));
        assert_int_equal(privsep_user(NULL, &uid, &gid), 0); /* rift, else nobody */
        assert_true(uid > 0 && uid < 65535);
        assert_int_equal(privsep_user("nobody", &uid, &gid), 0);
        assert_int_equal(uid, 65534);
        assert_false(test_maps_contain("libnss_"));
        assert_int_equal(privsep_user("root", &uid, &gid), -EPERM);
        assert_int_equal(privsep_user("no-such-user-rift-test", &uid, &gid), -ENOENT);
}

int main(void)
{
        rift_log_init("test", RIFT_LOG_ERROR, 2);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(the_user_is_read_from_etc_passwd),
                cmocka_unit_test(well_formed_requests_pass),
                cmocka_unit_test(malformed_requests_are_refused),
                cmocka_unit_test(tunables_too_long_are_refused_by_the_sender),
                cmocka_unit_test_setup_teardown(raw_garbage_gets_an_error_and_changes_nothing, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(the_injector_validates_the_fault_again, setup, teardown),
                cmocka_unit_test_setup_teardown(inject_status_tick_revert, setup, teardown),
                cmocka_unit_test_setup_teardown(closing_the_socket_reverts_what_is_injected, setup, teardown),
                cmocka_unit_test_setup_teardown(the_injector_enforces_the_local_policy_itself, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(store_key_writes_0600_atomically, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
