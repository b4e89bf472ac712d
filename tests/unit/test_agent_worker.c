// link: agent/worker.c agent/cgroup.c agent/proc.c agent/undo.c agent/ipt.c agent/tc.c
/* agent/worker.c: a worker is journalled before it runs, joins its cgroup itself (v1: "0" into tasks,
 * which skips the kernel's global threadgroup lock) before its body runs, and a worker that cannot join
 * is killed and its error returned. Runs as root in a cpuacct cgroup it creates and removes. */
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
#include <unistd.h>
#include <cmocka.h>

#include "agent/cgroup.h"
#include "agent/worker.h"

struct fixture {
        char dir[64];           /* journal directory */
        char cgroup[512];       /* the test's cgroup */
        struct undo_journal *j; /* open journal */
};

static int setup(void **state)
{
        static struct fixture f;
        char root[256], name[64];

        if (geteuid() != 0 || cgroup_find_root("cpuacct", root, sizeof(root)) < 0)
                return 0; /* tests skip */
        snprintf(f.dir, sizeof(f.dir), "/tmp/rift-worker-XXXXXX");
        assert_non_null(mkdtemp(f.dir));
        snprintf(name, sizeof(name), "rift-test-worker-%d", (int)getpid());
        assert_int_equal(cgroup_create(root, name, f.cgroup, sizeof(f.cgroup)), 0);
        assert_int_equal(undo_open(f.dir, &f.j), 0);
        *state = &f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[128];

        if (!f)
                return 0;
        undo_close(f->j);
        cgroup_remove(f->cgroup);
        snprintf(cmd, sizeof(cmd), "%s/journal", f->dir);
        unlink(cmd);
        rmdir(f->dir);
        return 0;
}

/* The worker's body: reports whether it runs inside the expected cgroup (exit 0) or not (exit 3). */
static int in_cgroup(void *arg)
{
        const char *leaf = strrchr((const char *)arg, '/');
        char line[512];
        int found = 3;
        FILE *f = fopen("/proc/self/cgroup", "re");

        if (!f)
                return 4;
        while (fgets(line, sizeof(line), f))
                if (strstr(line, "cpuacct") && strstr(line, leaf))
                        found = 0;
        fclose(f);
        return found;
}

static void joins_its_cgroup_before_it_runs(void **state)
{
        struct fixture *f = *state;
        pid_t pid = 0;
        int st = 0;

        if (!f)
                skip();
        assert_int_equal(worker_spawn(f->j, f->cgroup, in_cgroup, f->cgroup, false, &pid), 0);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
}

static int must_not_run(void *arg)
{
        (void)arg;
        return 0;
}

static void a_worker_that_cannot_join_is_killed(void **state)
{
        struct fixture *f = *state;
        char missing[600];
        pid_t pid = -1;

        if (!f)
                skip();
        snprintf(missing, sizeof(missing), "%s/does-not-exist", f->cgroup);
        assert_true(worker_spawn(f->j, missing, must_not_run, NULL, false, &pid) < 0);
        assert_int_equal(pid, -1); /* not handed out */
        errno = 0;
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* already reaped by worker_spawn */
        assert_int_equal(errno, ECHILD);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(joins_its_cgroup_before_it_runs, setup, teardown),
                cmocka_unit_test_setup_teardown(a_worker_that_cannot_join_is_killed, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
