/* Worker processes: forked children that the journal knows about before they do anything, that die
 * with the agent (PR_SET_PDEATHSIG) and that carry their own deadline. */
#ifndef RIFT_AGENT_WORKER_H
#define RIFT_AGENT_WORKER_H

#include <stdbool.h>
#include <sys/types.h>

#include "agent/undo.h"

/* A worker's body: runs in the child; its return value is the exit status. */
typedef int (*worker_fn)(void *arg);

/* Forks a worker. The child waits until the parent has journalled its (pid, start time) as UNDO_PROC,
 * joins cgroup itself (if not NULL; the parent waits up to 3 s for that, and a child that could not join
 * is killed and its error returned), then runs fn. With wait_ready, the parent also waits (up to 3 s) for
 * the child to call worker_ready(). */
int worker_spawn(struct undo_journal *j, const char *cgroup, worker_fn fn, void *arg, bool wait_ready,
                 pid_t *ret_pid);
/* Called by a worker when it is ready to do its job (see wait_ready). */
void worker_ready(void);

#endif
