/* Process helpers: a pid is only trusted together with its start time, so a reused pid is never hit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/proc.h"
#include "lib/clock.h"
#include "lib/macro.h"
#include "lib/str.h"

/* Reads /proc/PID/stat and returns the text after the command name's closing parenthesis. */
static int read_stat(pid_t pid, char *buf, size_t size, const char **ret_rest)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return errno == ESRCH ? -ESRCH : -errno;
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EIO;
        *ret_rest = p + 2;
        return 0;
}

int proc_state(pid_t pid, char *ret)
{
        char buf[1024];
        const char *rest;
        int r = read_stat(pid, buf, sizeof(buf), &rest);
        if (r < 0)
                return r;
        *ret = rest[0];
        return 0;
}

int proc_start_time(pid_t pid, uint64_t *ret)
{
        char buf[1024];
        const char *rest;
        int r = read_stat(pid, buf, sizeof(buf), &rest);
        if (r < 0)
                return r;
        /* rest starts at field 3 (state); start time is field 22 */
        const char *p = rest;
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EIO;
                p++;
        }
        char num[32];
        size_t len = strcspn(p, " ");
        if (len == 0 || len >= sizeof(num))
                return -EIO;
        memcpy(num, p, len);
        num[len] = '\0';
        return rift_parse_uint64(num, UINT64_MAX, ret);
}

bool proc_is_same(pid_t pid, uint64_t start)
{
        uint64_t st;
        char state;
        if (pid <= 0 || proc_start_time(pid, &st) < 0 || st != start)
                return false;
        return proc_state(pid, &state) == 0 && state != 'Z' && state != 'X';
}

int proc_signal_if_same(pid_t pid, uint64_t start, int sig)
{
        if (!proc_is_same(pid, start))
                return 0;
        if (kill(pid, sig) < 0)
                return errno == ESRCH ? 0 : -errno;
        return 1;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

/* Waits on a pidfd (readable when the process ends): 1 gone, 0 timed out, <0 cannot wait this way. */
static int wait_pidfd(pid_t pid, uint64_t start, int64_t timeout_ms)
{
        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        if (pidfd < 0)
                return -errno;
        if (!proc_is_same(pid, start)) /* the pid was reused before we opened it: ours is gone */
                return 1;
        int64_t deadline = rift_mono_ms() + timeout_ms;
        for (;;) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                int64_t left = deadline - rift_mono_ms();
                int r = poll(&p, 1, (int)MAX(left, 0));
                if (r > 0)
                        return 1;
                if (r == 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

int proc_wait_gone(pid_t pid, uint64_t start, int64_t timeout_ms)
{
        /* at once when it ends (a pidfd), not at the next 5 ms poll; the loop below where pidfds fail */
        int r = wait_pidfd(pid, start, timeout_ms);
        if (r >= 0) {
                waitpid(pid, NULL, WNOHANG); /* reap it if it is our child */
                return r ? 0 : -ETIMEDOUT;
        }
        for (int64_t waited = 0;; waited += 5) {
                waitpid(pid, NULL, WNOHANG); /* reap it if it is our child; harmless otherwise */
                if (!proc_is_same(pid, start)) {
                        /* a zombie counts as gone: it may have exited since the waitpid above */
                        waitpid(pid, NULL, WNOHANG);
                        return 0;
                }
                if (waited >= timeout_ms)
                        return -ETIMEDOUT;
                sleep_ms(5);
        }
}

int proc_exec(char *const argv[])
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -ECHILD;
        return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
}

/* The child: stdin from fd `in` (or /dev/null), stdout and stderr to /dev/null, then argv. */
static void exec_child(char *const argv[], int in)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(in >= 0 ? in : null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        execvp(argv[0], argv);
        _exit(127);
}

/* Feeds input to the child through `out` (non-blocking) while waiting for it to exit (pidfd), until
 * deadline; returns 0 once it exited (status in *ret_status), -ETIMEDOUT at the deadline. */
static int feed_and_wait(pid_t pid, int pidfd, int out, const char *input, size_t len, int64_t deadline,
                         int *ret_status)
{
        size_t off = 0;
        for (;;) {
                struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = out, .events = POLLOUT } };
                int64_t left = deadline - rift_mono_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                int n = poll(p, out >= 0 ? 2 : 1, (int)MIN(left, (int64_t)INT32_MAX));
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n > 0 && p[0].revents) {
                        while (waitpid(pid, ret_status, 0) < 0)
                                if (errno != EINTR)
                                        return -errno;
                        return 0;
                }
                if (n > 0 && out >= 0 && p[1].revents) {
                        ssize_t w =
                            off < len ? send(out, input + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;
                        if (w > 0)
                                off += (size_t)w;
                        /* all sent, or the child stopped reading: it sees EOF / finishes on its own */
                        if (off >= len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                                shutdown(out, SHUT_WR);
                                out = -1;
                        }
                }
        }
}

int proc_exec_input(char *const argv[], const char *input, size_t len, int64_t timeout_ms)
{
        int64_t deadline = rift_mono_ms() + timeout_ms;
        int sv[2] = { -1, -1 };
        if (input && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        _cleanup_close_ int out = sv[0], in = sv[1];
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                exec_child(argv, in);
        closep(&in);
        in = -1;
        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        int status = 0;
        int r = pidfd < 0 ? -errno : feed_and_wait(pid, pidfd, out, input, len, deadline, &status);
        if (r < 0) { /* timed out (or could not wait): it must not outlive its deadline */
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return r;
        }
        if (!WIFEXITED(status))
                return -ECHILD;
        return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
}

static int read_text(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return (int)n;
}

static bool matches(const struct proc_match *m, pid_t pid)
{
        char path[64], buf[4096];
        for (size_t i = 0; i < m->n_pids; i++)
                if (m->pids[i] == pid)
                        return true;
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        if (m->n_names && read_text(path, buf, sizeof(buf)) > 0) {
                buf[strcspn(buf, "\n")] = '\0';
                for (size_t i = 0; i < m->n_names; i++)
                        if (strcmp(buf, m->names[i]) == 0)
                                return true;
        }
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        int n;
        if (m->command[0] && (n = read_text(path, buf, sizeof(buf))) > 0) {
                for (int i = 0; i < n; i++)
                        if (buf[i] == '\0')
                                buf[i] = ' ';
                return strstr(buf, m->command) != NULL;
        }
        return false;
}

int proc_find(const struct proc_match *m, pid_t *pids, size_t max)
{
        DIR *d = opendir("/proc");
        if (!d)
                return -errno;
        size_t n = 0;
        pid_t self = getpid(), parent = getppid();
        struct dirent *de;
        while (n < max && (de = readdir(d))) {
                int64_t v;
                char state;
                if (rift_parse_int64(de->d_name, 2, INT32_MAX, &v) < 0)
                        continue;
                pid_t pid = (pid_t)v;
                if (pid == self || pid == parent || proc_state(pid, &state) < 0 || state == 'Z')
                        continue;
                if (matches(m, pid))
                        pids[n++] = pid;
        }
        closedir(d);
        return (int)n;
}
