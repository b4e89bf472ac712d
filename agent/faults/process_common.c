/* Process targeting tunables. */
#include <string.h>

#include "agent/faults/process_common.h"
#include "lib/str.h"

static int parse_ids(struct fault_ctx *ctx, const cJSON *t, struct proc_match *m)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[PROC_MATCH_MAX];
        size_t n;
        int r = tun_list(ctx, t, "PROCESS_IDS", storage, sizeof(storage), words, PROC_MATCH_MAX, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                int64_t v;
                if (rift_parse_int64(words[i], 2, INT32_MAX, &v) < 0)
                        return fault_fail(ctx, "PROCESS_IDS: \"%s\" is not a process id above 1", words[i]);
                m->pids[m->n_pids++] = (pid_t)v;
        }
        return r;
}

static int parse_names(struct fault_ctx *ctx, const cJSON *t, struct proc_match *m)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[PROC_MATCH_MAX];
        size_t n;
        int r = tun_list(ctx, t, "PROCESS_NAMES", storage, sizeof(storage), words, PROC_MATCH_MAX, &n);
        for (size_t i = 0; r == 0 && i < n; i++)
                if (rift_strlcpy(m->names[m->n_names++], words[i], sizeof(m->names[0])) < 0)
                        return fault_fail(ctx,
                                          "PROCESS_NAMES: \"%s\" is longer than 15 bytes (the kernel's comm)",
                                          words[i]);
        return r;
}

int process_match_parse(struct fault_ctx *ctx, const cJSON *t, struct proc_match *ret)
{
        memset(ret, 0, sizeof(*ret));
        int r = parse_ids(ctx, t, ret);
        if (r == 0)
                r = parse_names(ctx, t, ret);
        if (r == 0)
                r = tun_string(ctx, t, "PROCESS_COMMAND", ret->command, sizeof(ret->command));
        if (r < 0)
                return r;
        if (ret->n_pids == 0 && ret->n_names == 0 && !ret->command[0])
                return fault_fail(ctx, "PROCESS_IDS, PROCESS_NAMES or PROCESS_COMMAND: one is required");
        return 0;
}
