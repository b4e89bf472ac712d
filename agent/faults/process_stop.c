/* linux-process-stop: SIGSTOPs the matching processes (and respawns, every second), each journalled
 * first with its start time; revert sends SIGCONT to those that are still the same processes. */
#include <signal.h>

#include "agent/faults/process_common.h"
#include "lib/error.h"
#include "lib/macro.h"

struct process_stop {
        struct proc_match match; /* targets */
        pid_t stopped[PROC_MATCH_MAX];
        size_t n_stopped; /* used stopped */
};

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct process_stop *s = ctx->state;
        return process_match_parse(ctx, t, &s->match);
}

static bool already(const struct process_stop *s, pid_t pid)
{
        for (size_t i = 0; i < s->n_stopped; i++)
                if (s->stopped[i] == pid)
                        return true;
        return false;
}

static int stop_matching(struct fault_ctx *ctx)
{
        struct process_stop *s = ctx->state;
        pid_t pids[PROC_MATCH_MAX];
        int n = proc_find(&s->match, pids, ARRAY_SIZE(pids));
        for (int i = 0; i < n && s->n_stopped < PROC_MATCH_MAX; i++) {
                struct undo_entry e = { .kind = UNDO_STOPPED, .pid = pids[i] };
                if (already(s, pids[i]) || proc_start_time(pids[i], &e.start) < 0)
                        continue;
                int r = undo_record(ctx->journal, &e, NULL);
                if (r < 0)
                        return r;
                if (kill(pids[i], SIGSTOP) == 0)
                        s->stopped[s->n_stopped++] = pids[i];
                undo_crash_point("after-change");
        }
        return n;
}

static int inject(struct fault_ctx *ctx)
{
        int n = stop_matching(ctx);
        if (n < 0)
                return fault_fail(ctx, "stopping processes: %s", rift_strerror(n));
        if (n == 0)
                return fault_fail(ctx, "PROCESS_IDS/PROCESS_NAMES/PROCESS_COMMAND: no matching process");
        return 0;
}

static int tick(struct fault_ctx *ctx)
{
        int n = stop_matching(ctx);
        return n < 0 ? n : 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct process_stop *s = ctx->state;
        cJSON *arr = cJSON_AddArrayToObject(out, "stopped");
        for (size_t i = 0; arr && i < s->n_stopped; i++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(s->stopped[i]));
        return 0;
}

const struct fault_ops fault_process_stop = {
        .name = "linux-process-stop",
        .state_size = sizeof(struct process_stop),
        .validate = validate,
        .inject = inject,
        .tick = tick,
        .revert = fault_revert_journal,
        .status = status,
};
