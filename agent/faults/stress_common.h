/* What the stress faults share: a journalled cgroup for their workers and a deadline-aware sleep. */
#ifndef RIFT_AGENT_STRESS_COMMON_H
#define RIFT_AGENT_STRESS_COMMON_H

#include <stdint.h>

#include "agent/faults/fault.h"

#define STRESS_MAX_WORKERS 256

/* Creates (journalled first) the cgroup "rift-agent-<pid>-<controller>" under the hierarchy that has
 * controller; path gets "" when no hierarchy can be used (the fault then runs without one). */
int stress_cgroup_create(struct fault_ctx *ctx, const char *controller, char *path, size_t size);
/* Sleeps until deadline_mono_ms or ms, whichever is first; returns false once the deadline passed. */
bool stress_sleep(int64_t deadline_mono_ms, int64_t ms);
/* Online CPUs. */
int stress_ncpus(void);

#endif
