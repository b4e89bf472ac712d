/* cmdProbe: runs `/bin/sh -c command` in its own process group with a deadline, captures stdout (capped)
 * and compares the trimmed output. On timeout the whole group is killed; after a normal exit the group is
 * killed too, so a command's background children never outlive the probe. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/probes/probe_ops.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

extern char **environ;

struct child {
        pid_t pid;  /* the shell; also its process group id */
        int out_fd; /* read end of its stdout */
        int pid_fd; /* pidfd: readable when it exits */
};

static int cmd_parse(struct probe_def *def, const cJSON *in, const char *where, char *err, size_t errsz)
{
        int r = probe_json_text(in, "command", true, where, err, errsz, &def->cmd.command);
        if (r < 0)
                return r;
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(in, "source");
        /* older manifests say source: "inline", which is what rift-agent does anyway */
        if (src && !(cJSON_IsString(src) && strcmp(src->valuestring, "inline") == 0))
                return probe_fail(err, errsz, "%s.source: probe pods are not supported by rift-agent", where);
        return probe_json_comparator(in, "comparator", false, where, err, errsz, &def->cmd.cmp);
}

static void cmd_done(struct probe_def *def)
{
        free(def->cmd.command);
        free(def->cmd.cmp.value);
        def->cmd = (struct probe_cmd){ 0 };
}

/* In the child: only async-signal-safe calls from here to exec. */
_Noreturn static void child_exec(const char *command, int out_fd, pid_t parent)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the agent's blocked signals are not the command's */
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(127);
        int null_fd = open("/dev/null", O_RDWR);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(null_fd, STDERR_FILENO) < 0)
                _exit(127);
        char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)command, NULL };
        execve("/bin/sh", argv, environ);
        _exit(127);
}

static int child_start(const char *command, struct child *ret)
{
        int p[2];
        pid_t parent = getpid();

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(p[0]);
                close(p[1]);
                return e;
        }
        if (pid == 0)
                child_exec(command, p[1], parent);
        close(p[1]);
        setpgid(pid, pid); /* also from the parent, so kill(-pid) works even before the child ran */
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        *ret = (struct child){ .pid = pid, .out_fd = p[0], .pid_fd = pfd };
        return 0;
}

/* Reads what is available into out (up to cap, the rest is discarded); returns false at EOF. */
static bool drain(int fd, char *out, size_t cap, size_t *len)
{
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN;
        if (n == 0)
                return false;
        size_t keep = MIN((size_t)n, cap - *len);
        memcpy(out + *len, tmp, keep);
        *len += keep;
        return true;
}

/* Waits for stdout EOF and the exit, until deadline; returns the wait status or RIFT_E_TIMEOUT. */
static int child_wait(struct child *c, int64_t deadline, char *out, size_t cap, size_t *len)
{
        bool open_out = true, exited = false;
        int status = 0;

        while (open_out || !exited) {
                int64_t left = deadline - rift_mono_ms();
                if (left <= 0)
                        return RIFT_E_TIMEOUT;
                struct pollfd fds[2] = { { .fd = open_out ? c->out_fd : -1, .events = POLLIN },
                                         { .fd = exited ? -1 : c->pid_fd, .events = POLLIN } };
                if (c->pid_fd < 0 && !exited) /* no pidfd: poll the exit every 20ms */
                        left = MIN(left, 20);
                int n = poll(fds, 2, (int)MIN(left, 60000));
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (open_out && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
                        open_out = drain(c->out_fd, out, cap, len);
                if (!exited && waitpid(c->pid, &status, WNOHANG) == c->pid) {
                        exited = true;
                        kill(-c->pid, SIGKILL); /* leftovers of the command's group */
                }
        }
        return status;
}

static void child_reap(struct child *c)
{
        kill(-c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* Runs the command; ret_out gets the trimmed stdout. Returns the wait status or a negative error. */
static int cmd_exec(const char *command, int64_t timeout_ms, char **ret_out)
{
        _cleanup_free_ char *out = malloc(RIFT_PROBE_MAX_OUTPUT + 1);
        struct child c = { .pid = -1, .out_fd = -1, .pid_fd = -1 };
        size_t len = 0;

        if (!out)
                return -ENOMEM;
        int r = child_start(command, &c);
        if (r < 0)
                return r;
        r = child_wait(&c, rift_mono_ms() + timeout_ms, out, RIFT_PROBE_MAX_OUTPUT, &len);
        if (r == RIFT_E_TIMEOUT || r < 0)
                child_reap(&c);
        close(c.out_fd);
        if (c.pid_fd >= 0)
                close(c.pid_fd);
        if (r < 0)
                return r;
        out[len] = '\0';
        memmove(out, rift_strstrip(out), strlen(rift_strstrip(out)) + 1);
        *ret_out = TAKE_PTR(out);
        return r;
}

static int cmd_run(const struct probe_def *def, int64_t timeout_ms, struct probe_outcome *out, char *reg,
                   size_t regsz)
{
        _cleanup_free_ char *output = NULL;
        int status = cmd_exec(def->cmd.command, timeout_ms, &output);

        if (status == RIFT_E_TIMEOUT) {
                snprintf(out->description, sizeof out->description, "command timed out after %lldms (killed)",
                         (long long)timeout_ms);
                return 0;
        }
        if (status < 0) {
                snprintf(out->description, sizeof out->description, "cannot run command: %s",
                         rift_strerror(status));
                return 0;
        }
        if (reg && regsz)
                (void)rift_strlcpy(reg, output, regsz);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                snprintf(out->description, sizeof out->description, "command failed with %s %d",
                         WIFEXITED(status) ? "exit status" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                return 0;
        }
        out->passed = probe_compare(&def->cmd.cmp, output, out->description, sizeof out->description) == 1;
        return 0;
}

const struct probe_ops probe_cmd_ops = {
        .type_name = "cmdProbe",
        .inputs_key = "cmdProbe/inputs",
        .parse = cmd_parse,
        .done = cmd_done,
        .run = cmd_run,
};
