/* cgroups v1 and v2: the agent puts its stress workers in a cgroup it creates, so their usage can be
 * read and they can all be killed at once on revert. */
#ifndef RIFT_AGENT_CGROUP_H
#define RIFT_AGENT_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Finds where the agent may create a cgroup for controller ("cpuacct", "memory"): the agent's own
 * cgroup in the v1 hierarchy that has the controller, else in the v2 tree if its cgroup.controllers
 * lists it (cpu for cpuacct). -ENOENT if neither. */
int cgroup_find_root(const char *controller, char *ret, size_t size);
/* Creates ROOT/NAME (mkdir); ret gets the path. -EEXIST if present. */
int cgroup_create(const char *root, const char *name, char *ret, size_t size);
/* Moves pid into the cgroup at path. */
int cgroup_attach(const char *path, pid_t pid);
/* Moves the calling (single-threaded) process into path, cheaply on v1 (see cgroup.c). */
int cgroup_join_self(const char *path);
/* Kills every task in path (SIGKILL), waits a bounded time, removes it. A missing cgroup is success. */
int cgroup_remove(const char *path);
/* CPU time used by the cgroup in nanoseconds (v1 cpuacct.usage or v2 cpu.stat usage_usec). */
int cgroup_cpu_usage_ns(const char *path, uint64_t *ret);
/* Memory charged to the cgroup in bytes (v1 memory.usage_in_bytes or v2 memory.current). */
int cgroup_memory_bytes(const char *path, uint64_t *ret);

#endif
