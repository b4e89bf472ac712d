/* Worker processes: fork, journal, then run. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "agent/proc.h"
#include "agent/worker.h"
#include "lib/macro.h"

static int ready_fd = -1; /* in a worker: where worker_ready() writes */

void worker_ready(void)
{
        if (ready_fd >= 0) {
                (void)!write(ready_fd, "R", 1);
                close(ready_fd);
                ready_fd = -1;
        }
}

static _Noreturn void child_main(int go_fd, int rdy_fd, pid_t parent, const char *cgroup, worker_fn fn,
                                 void *arg)
{
        char c;
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL); /* the agent blocks SIGTERM/SIGINT while injecting */
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        if (read(go_fd, &c, 1) != 1) /* parent died before journalling us: do nothing */
                _exit(1);
        close(go_fd);
        /* joins its cgroup itself before it runs (its usage is all counted), and says so: 'A' or 'E' */
        if (cgroup && cgroup_join_self(cgroup) < 0) {
                (void)!write(rdy_fd, "E", 1);
                _exit(1);
        }
        (void)!write(rdy_fd, "A", 1);
        ready_fd = rdy_fd;
        _exit(fn(arg));
}

/* Waits for the byte want from the worker: another byte or none (it died) is an error. */
static int wait_byte(int fd, char want, int timeout_ms)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char c;
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0)
                return r == 0 ? -ETIMEDOUT : -errno;
        if (read(fd, &c, 1) != 1)
                return -ECHILD;
        return c == want ? 0 : -EIO;
}

static int journal_child(struct undo_journal *j, pid_t pid)
{
        struct undo_entry e = { .kind = UNDO_PROC, .pid = pid };
        int r = proc_start_time(pid, &e.start);
        if (r < 0)
                return r;
        return undo_record(j, &e, NULL);
}

int worker_spawn(struct undo_journal *j, const char *cgroup, worker_fn fn, void *arg, bool wait_ready,
                 pid_t *ret_pid)
{
        int go[2], rdy[2];
        if (pipe2(go, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(rdy, O_CLOEXEC) < 0) {
                close(go[0]);
                close(go[1]);
                return -errno;
        }
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid == 0) {
                close(go[1]);
                close(rdy[0]);
                child_main(go[0], rdy[1], parent, cgroup, fn, arg);
        }
        _cleanup_close_ int go_w = go[1], rdy_r = rdy[0];
        close(go[0]);
        close(rdy[1]);
        if (pid < 0)
                return -errno;
        int r = journal_child(j, pid);
        if (r == 0 && write(go_w, "G", 1) != 1)
                r = -errno;
        if (r == 0)
                r = wait_byte(rdy_r, 'A', 3000); /* in its cgroup (if any) */
        if (r == 0 && wait_ready)
                r = wait_byte(rdy_r, 'R', 3000);
        if (r < 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return r;
        }
        undo_crash_point("after-change");
        *ret_pid = pid;
        return 0;
}
