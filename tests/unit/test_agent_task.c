// link: agent/runner.c agent/faults/fault.c agent/faults/net_common.c agent/faults/network_latency.c agent/faults/network_loss.c agent/faults/network_corruption.c agent/faults/network_duplication.c agent/faults/network_rate_limit.c agent/faults/network_partition.c agent/faults/cpu_stress.c agent/faults/memory_stress.c agent/faults/disk_fill.c agent/faults/disk_io_stress.c agent/faults/process_common.c agent/faults/process_kill.c agent/faults/process_stop.c agent/faults/service_restart.c agent/faults/dns_error.c agent/dns_interceptor.c agent/dns.c agent/faults/stress_common.c agent/netfilter.c agent/nft.c agent/shaper.c agent/tc.c agent/worker.c agent/cgroup.c agent/proc.c agent/ipt.c agent/undo.c agent/task.c agent/probes/probe.c agent/probes/probe_cmd.c agent/probes/probe_compare.c agent/probes/probe_duration.c agent/probes/probe_http.c agent/probes/probe_parse.c agent/probes/probe_prom.c agent/probes/probe_verdict.c agent/privsep.c agent/privsep_msg.c agent/policy.c agent/dryrun.c agent/metrics.c
/* agent/task.c: one experiment run on its thread, driven as daemon.c drives it, with a fault that needs
 * no root (linux-process-stop on a child of this test) and command probes. Checks the fault really
 * happened and was reverted, the verdicts and phase, ordered log lines and acks, stop, the dead-man
 * switch, and the spool a restarted agent reads back. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/task.h"
#include "lib/clock.h"
#include "lib/log.h"

#define PROBE_FMT                                                                                            \
        "{\"name\":\"%s\",\"type\":\"cmdProbe\",\"mode\":\"EOT\",\"runProperties\":{\"probeTimeout\":"       \
        "\"2s\","                                                                                            \
        "\"interval\":\"1s\"},\"cmdProbe/inputs\":{\"command\":\"echo 1\",\"comparator\":{\"type\":\"int\"," \
        "\"criteria\":\"==\",\"value\":\"%s\"}}}"

struct fixture {
        char dir[64];      /* journal and spool directory */
        pid_t victim;      /* child the fault stops */
        char pid_text[16]; /* its pid as the PROCESS_IDS tunable */
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        snprintf(f->dir, sizeof(f->dir), "/tmp/rift-task-XXXXXX");
        if (!f || !mkdtemp(f->dir))
                return -1;
        f->victim = fork();
        if (f->victim == 0) {
                for (;;)
                        pause();
        }
        snprintf(f->pid_text, sizeof(f->pid_text), "%d", (int)f->victim);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        kill(f->victim, SIGKILL);
        waitpid(f->victim, NULL, 0);
        DIR *d = opendir(f->dir);
        struct dirent *de;
        char path[512];
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.') {
                        snprintf(path, sizeof(path), "%s/%s", f->dir, de->d_name);
                        unlink(path);
                }
        if (d)
                closedir(d);
        rmdir(f->dir);
        free(f);
        return 0;
}

/* 'T' while stopped, 'S' while sleeping in pause(). */
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
        return p && p[1] && p[2] ? p[2] : '?';
}

/* A task with one group of one linux-process-stop step and probes "ok" (passes) and "bad" (fails). */
struct task_msg {
        Rift__Infra__V1__Task task;
        Rift__Infra__V1__StepGroup group, *groups[1];
        Rift__Infra__V1__FaultStep step, *steps[1];
        Rift__Infra__V1__FaultStep__TunablesEntry tun, *tuns[1];
        Rift__Infra__V1__Probe probe[2], *probes[2];
        char *probe_names[2];
        char probe_json[2][512];
};

static void task_msg_init(struct task_msg *m, const char *id, const char *pid, int64_t duration_ms,
                          size_t n_probes)
{
        static char *names[] = { "ok", "bad" };
        static const char *values[] = { "1", "2" };
        rift__infra__v1__task__init(&m->task);
        rift__infra__v1__step_group__init(&m->group);
        rift__infra__v1__fault_step__init(&m->step);
        rift__infra__v1__fault_step__tunables_entry__init(&m->tun);
        m->tun.key = "PROCESS_IDS";
        m->tun.value = (char *)pid;
        m->tuns[0] = &m->tun;
        m->step.name = "stop";
        m->step.fault = "linux-process-stop";
        m->step.duration_ms = duration_ms;
        m->step.n_tunables = 1;
        m->step.tunables = m->tuns;
        for (size_t i = 0; i < n_probes; i++) {
                rift__infra__v1__probe__init(&m->probe[i]);
                snprintf(m->probe_json[i], sizeof(m->probe_json[i]), PROBE_FMT, names[i], values[i]);
                m->probe[i].name = names[i];
                m->probe[i].type = "cmdProbe";
                m->probe[i].mode = "EOT";
                m->probe[i].spec_json = m->probe_json[i];
                m->probes[i] = &m->probe[i];
                m->probe_names[i] = names[i];
        }
        m->step.n_probe_names = n_probes;
        m->step.probe_names = m->probe_names;
        m->steps[0] = &m->step;
        m->group.n_steps = 1;
        m->group.steps = m->steps;
        m->groups[0] = &m->group;
        m->task.task_id = (char *)id;
        m->task.experiment_run_id = "run-1";
        m->task.experiment_name = "unit";
        m->task.kind = "run";
        m->task.n_groups = 1;
        m->task.groups = m->groups;
        m->task.n_probes = n_probes;
        m->task.probes = m->probes;
}

static void nap(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

/* Waits (bounded) until the task is finished, feeding the dead-man switch if asked. */
static bool wait_finished(struct task *t, int64_t timeout_ms, bool contact)
{
        int64_t end = rift_mono_ms() + timeout_ms;
        while (rift_mono_ms() < end) {
                if (task_finished(t))
                        return true;
                if (contact)
                        task_contact(t);
                nap(20);
        }
        return false;
}

static bool wait_state(pid_t pid, char want, int64_t timeout_ms)
{
        int64_t end = rift_mono_ms() + timeout_ms;
        while (rift_mono_ms() < end && proc_state(pid) != want)
                nap(10);
        return proc_state(pid) == want;
}

static void completed_run_with_probe_verdicts_and_ordered_logs(void **state)
{
        struct fixture *f = *state;
        struct task_msg m;
        struct task *t = NULL;
        task_msg_init(&m, "task-a", f->pid_text, 600, 2);
        assert_int_equal(task_start(&m.task, f->dir, NULL, f->dir, 0, &t), 0);
        assert_true(wait_state(f->victim, 'T', 2000)); /* the fault really happened */
        assert_true(wait_finished(t, 10000, false));
        assert_int_not_equal(proc_state(f->victim), 'T'); /* and was reverted */

        Rift__Infra__V1__SubmitResultRequest *res = task_result(t);
        assert_string_equal(res->phase, "Completed_With_Error"); /* probe "bad" failed */
        assert_int_equal(res->n_faults, 1);
        assert_string_equal(res->faults[0]->verdict, "Fail");
        assert_int_equal(res->faults[0]->n_probes, 2);
        assert_string_equal(res->faults[0]->probes[0]->verdict, "Passed");
        assert_true(res->faults[0]->probes[0]->success_percent == 100);
        assert_string_equal(res->faults[0]->probes[1]->verdict, "Failed");
        assert_true(res->faults[0]->probes[1]->success_percent == 0);

        struct task_line lines[64];
        size_t n = task_peek_lines(t, lines, 64);
        assert_true(n >= 4);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(lines[i].seq, i + 1);
        task_ack_lines(t, 2);
        assert_int_equal(task_pending_lines(t), n - 2);
        assert_int_equal(task_peek_lines(t, lines, 64), n - 2);
        assert_int_equal(lines[0].seq, 3);

        /* not discarded: a restarted agent finds the lines and the result in the spool */
        task_free(t);
        assert_int_equal(task_restore(f->dir, &t), 1);
        assert_string_equal(task_id(t), "task-a");
        assert_true(task_finished(t));
        assert_int_equal(task_peek_lines(t, lines, 64), n);
        assert_string_equal(task_result(t)->phase, "Completed_With_Error");
        assert_string_equal(task_result(t)->faults[0]->verdict, "Fail");
        task_discard_spool(t);
        task_free(t);
        assert_int_equal(task_restore(f->dir, &t), 0);
}

static void stop_reverts_at_once(void **state)
{
        struct fixture *f = *state;
        struct task_msg m;
        struct task *t = NULL;
        task_msg_init(&m, "task-b", f->pid_text, 30000, 1);
        assert_int_equal(task_start(&m.task, f->dir, NULL, NULL, 0, &t), 0);
        assert_true(wait_state(f->victim, 'T', 2000));
        int64_t t0 = rift_mono_ms();
        task_request_stop(t, TASK_STOP_USER);
        assert_true(wait_finished(t, 5000, false));
        assert_true(rift_mono_ms() - t0 < 3000);
        assert_int_not_equal(proc_state(f->victim), 'T');
        assert_string_equal(task_result(t)->phase, "Stopped");
        assert_string_equal(task_result(t)->faults[0]->verdict, "Stopped");
        task_free(t);
}

static void dead_man_switch_reverts_when_the_control_plane_is_silent(void **state)
{
        struct fixture *f = *state;
        struct task_msg m;
        struct task *t = NULL;
        task_msg_init(&m, "task-c", f->pid_text, 30000, 0);
        assert_int_equal(task_start(&m.task, f->dir, NULL, NULL, 400, &t), 0);
        assert_true(wait_state(f->victim, 'T', 2000));
        /* fed: keeps running */
        assert_false(wait_finished(t, 1000, true));
        assert_int_equal(proc_state(f->victim), 'T');
        /* silent: reverted after about 400 ms */
        int64_t t0 = rift_mono_ms();
        assert_true(wait_finished(t, 5000, false));
        assert_true(rift_mono_ms() - t0 >= 350);
        assert_int_not_equal(proc_state(f->victim), 'T');
        assert_string_equal(task_result(t)->phase, "Error");
        task_free(t);
}

static void spool_of_a_run_killed_midway_gives_an_error_result(void **state)
{
        struct fixture *f = *state;
        char path[256];
        snprintf(path, sizeof(path), "%s/spool-task-d.log", f->dir);
        FILE *fp = fopen(path, "we");
        assert_non_null(fp);
        fputs("{\"seq\":1,\"t\":5,\"step\":\"\",\"line\":\"started\"}\n"
              "{\"seq\":2,\"t\":6,\"step\":\"stop\",\"line\":\"injected\"}\n"
              "{\"seq\":2,\"t\":6,\"step\":\"stop\",\"line\":\"dup ignored\"}\n"
              "{\"seq\":3,\"t\":7,\"step\":\"stop\",\"li", /* torn by the kill */
              fp);
        fclose(fp);
        struct task *t = NULL;
        struct task_line lines[8];
        assert_int_equal(task_restore(f->dir, &t), 1);
        assert_string_equal(task_id(t), "task-d");
        assert_int_equal(task_peek_lines(t, lines, 8), 3);
        assert_string_equal(lines[1].line, "injected");
        assert_string_equal(lines[1].step, "stop");
        assert_int_equal(lines[2].seq, 3);
        assert_non_null(strstr(lines[2].line, "agent restarted during the run"));
        assert_string_equal(task_result(t)->phase, "Error");
        assert_int_equal(task_result(t)->n_faults, 0);
        task_discard_spool(t);
        task_free(t);
        assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
        rift_log_init("test", RIFT_LOG_ERROR, 2);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(completed_run_with_probe_verdicts_and_ordered_logs, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(stop_reverts_at_once, setup, teardown),
                cmocka_unit_test_setup_teardown(dead_man_switch_reverts_when_the_control_plane_is_silent,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(spool_of_a_run_killed_midway_gives_an_error_result, setup,
                                                teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
