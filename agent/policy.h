/* The agent's local policy: limits the machine's owner sets in a root-owned file
 * (default /etc/rift/agent.policy, RIFT_AGENT_POLICY), which the control plane cannot override. The
 * agent refuses a task that breaks it before injecting anything and reports the rule.
 *
 * Format: one `key = value` per line, `#` starts a comment. Lists are comma-separated.
 *   allowed_faults, forbidden_faults, allowed_cidrs, allowed_hosts, allowed_ports,
 *   allowed_process_names, allowed_paths          lists (see lib/guard.h)
 *   max_duration                                  duration ("10m")
 *   max_concurrent_faults, max_cpu_load, max_disk_fill   integers
 * Module prefix: policy_. */
#ifndef RIFT_AGENT_POLICY_H
#define RIFT_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/infra.pb-c.h"

#define POLICY_DEFAULT_PATH "/etc/rift/agent.policy"
#define POLICY_MAX_BYTES    (64u * 1024) /* size of a policy file */

struct agent_policy;

/* Parses policy text; on failure err names the line. */
int policy_parse(const char *text, size_t len, struct agent_policy **ret, char *err, size_t n);
/* Loads path: it must be a regular file owned by root and not writable by group or others. A
 * missing file at the default path (required false) is no policy: *ret = NULL and 0. */
int policy_load(const char *path, bool required, struct agent_policy **ret, char *err, size_t n);
void policy_free(struct agent_policy *p);
/* Checks a task against the policy; RIFT_E_FORBIDDEN with the rule in err. NULL allows everything. */
int policy_check_task(const struct agent_policy *p, const Rift__Infra__V1__Task *t, char *err, size_t n);
/* The process-wide policy the task threads check (set once at start, before any task). */
void policy_set_active(struct agent_policy *p, const char *path);
const struct agent_policy *policy_active(void);
const char *policy_active_path(void);

#endif
