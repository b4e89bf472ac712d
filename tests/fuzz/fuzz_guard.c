// link: agent/policy.c
/* libFuzzer target: the blast-radius rules (lib/guard.c) over untrusted tunables, and the agent's
 * policy file parser (agent/policy.c). Input: a policy text, a NUL byte, then a JSON spec. A refusal
 * always names a rule; a parse failure always says which line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/policy.h"
#include "lib/error.h"
#include "lib/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every rule at once, so each tunable parser is reached. */
static const char *const GUARDS =
    "{\"allowedFaults\":[\"linux-network-latency\",\"linux-cpu-stress\",\"linux-disk-fill\","
    "\"linux-process-kill\",\"linux-network-partition\"],\"forbiddenFaults\":[\"linux-memory-stress\"],"
    "\"allowedCIDRs\":[\"10.0.0.0/8\",\"192.168.1.7\"],\"allowedHosts\":[\"db\"],\"allowedPorts\":[\"80\","
    "\"8000-8100\"],\"allowedProcessNames\":[\"nginx\"],\"allowedPaths\":[\"/var/tmp\",\"/\"],"
    "\"maxDurationMs\":60000,\"maxConcurrentFaults\":3,\"maxCpuLoad\":50,\"maxDiskFill\":40}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *nul = memchr(data, 0, size);
        size_t plen = nul ? (size_t)(nul - data) : size;
        struct agent_policy *p = NULL;
        char err[512] = "";
        int r = policy_parse((const char *)data, plen, &p, err, sizeof(err));

        if (r < 0 && (!err[0] || p))
                abort();
        policy_free(p);
        if (!nul)
                return 0;
        cJSON *spec = cJSON_ParseWithLength((const char *)nul + 1, size - plen - 1);
        cJSON *guards = cJSON_Parse(GUARDS);
        if (!guards)
                abort();
        err[0] = '\0';
        r = guard_check_spec(guards, "env", spec, (int)(size % 5), err, sizeof(err));
        if ((r < 0 && (r != RIFT_E_FORBIDDEN || strncmp(err, "guard ", 6) != 0)) || (r == 0 && err[0]))
                abort();
        cJSON_Delete(spec);
        cJSON_Delete(guards);
        return 0;
}
