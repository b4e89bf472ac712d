/* Blast-radius guards: limits on what an experiment may do, checked against a normalised spec
 * {"groups": [{"steps": [{"name", "fault", "duration_ms", "tunables": {NAME: "value"}}]}]}.
 * The guards are a JSON object whose members are all optional (missing or empty = no limit):
 *   allowedFaults, forbiddenFaults        [fault names]
 *   allowedCIDRs, allowedHosts            network faults must name DESTINATION_IPS/HOSTS inside them
 *   allowedPorts                          ["80", "8000-8100"]: DESTINATION_PORTS inside them
 *   allowedProcessNames                   process faults must name PROCESS_NAMES among them
 *   allowedPaths                          disk faults' FILL_PATH / VOLUME_MOUNT_PATH below one of them
 *   maxDurationMs                         longest step duration
 *   maxConcurrentFaults                   faults of one group plus those already running
 *   maxCpuLoad, maxDiskFill               cpu-stress LOAD %, disk-fill FILL_STORAGE %
 * Module prefix: guard_. */
#ifndef RIFT_GUARD_H
#define RIFT_GUARD_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Faults of the largest group (those that run at once). */
int guard_largest_group(const cJSON *spec);
/* Checks spec against guards; running_faults are already active on the machine. On refusal returns
 * RIFT_E_FORBIDDEN and err names the rule and the step ("guard maxCpuLoad: groups[0].steps[1] (cpu):
 * LOAD 90% exceeds 50%"), followed by " (environment ENV)" when env is not NULL. */
int guard_check_spec(const cJSON *guards, const char *env, const cJSON *spec, int running_faults, char *err,
                     size_t n);

#endif
