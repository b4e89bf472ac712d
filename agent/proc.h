/* Process helpers: identity by (pid, start time), guarded signals, running helper programs. */
#ifndef RIFT_AGENT_PROC_H
#define RIFT_AGENT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid in clock ticks after boot (/proc/PID/stat field 22); -ESRCH if it does not exist. */
int proc_start_time(pid_t pid, uint64_t *ret);
/* State letter of pid (R, S, T, Z...); -ESRCH if it does not exist. */
int proc_state(pid_t pid, char *ret);
/* True if pid exists, is not a zombie and still has start time `start`. */
bool proc_is_same(pid_t pid, uint64_t start);
/* Sends sig to pid only if it is still the process that started at `start`. A process that is gone
 * (or whose pid was reused) counts as success. Returns 1 if signalled, 0 if gone. */
int proc_signal_if_same(pid_t pid, uint64_t start, int sig);
/* Reaps pid if it is our child, and waits up to timeout_ms for it to be gone; -ETIMEDOUT otherwise. */
int proc_wait_gone(pid_t pid, uint64_t start, int64_t timeout_ms);
/* Runs argv[0] (searched in PATH) with stdout/stderr to /dev/null; returns its exit status (0..255) or a
 * negative errno if it could not run. */
int proc_exec(char *const argv[]);
/* Like proc_exec, with input (len bytes, may be NULL) on the child's stdin, and a deadline: a child
 * still running timeout_ms after the start is killed (SIGKILL, reaped) and -ETIMEDOUT returned. */
int proc_exec_input(char *const argv[], const char *input, size_t len, int64_t timeout_ms);

#ifndef PROC_MATCH_MAX
#define PROC_MATCH_MAX 64 /* processes one fault may act on at once */
#endif

/* Which processes a fault targets: any pid listed, any process whose name (comm) equals a name, any
 * process whose command line contains `command`. The agent itself and its parent never match. */
struct proc_match {
        pid_t pids[PROC_MATCH_MAX];     /* PROCESS_IDS */
        size_t n_pids;                  /* used pids */
        char names[PROC_MATCH_MAX][16]; /* PROCESS_NAMES (comm is at most 15 bytes) */
        size_t n_names;                 /* used names */
        char command[256];              /* PROCESS_COMMAND substring ("" = none) */
};

/* Lists the live, non-zombie processes that match m (at most max) into pids. Returns the count. */
int proc_find(const struct proc_match *m, pid_t *pids, size_t max);

#endif
