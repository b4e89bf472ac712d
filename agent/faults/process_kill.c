/* linux-process-kill: signals the matching processes (SIGTERM, or SIGKILL with FORCE_KILL, or SIGNAL)
 * and keeps killing respawned ones every second for the duration. Nothing to revert. */
#include <signal.h>
#include <string.h>

#include "agent/faults/process_common.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

struct process_kill {
        struct proc_match match; /* targets */
        int sig;                 /* what to send */
        unsigned kills;          /* signals sent so far */
};

static int parse_signal(struct fault_ctx *ctx, const cJSON *t, int *sig)
{
        static const struct {
                const char *name; /* as written in the tunable */
                int sig;          /* value */
        } sigs[] = { { "SIGKILL", SIGKILL }, { "SIGTERM", SIGTERM }, { "SIGINT", SIGINT },
                     { "SIGHUP", SIGHUP },   { "SIGQUIT", SIGQUIT }, { "SIGUSR1", SIGUSR1 },
                     { "SIGUSR2", SIGUSR2 }, { "9", SIGKILL },       { "15", SIGTERM } };
        char s[16] = "";
        int r = tun_string(ctx, t, "SIGNAL", s, sizeof(s));
        if (r < 0 || !s[0])
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                if (strcasecmp(s, sigs[i].name) == 0 ||
                    (strncmp(sigs[i].name, "SIG", 3) == 0 && strcasecmp(s, sigs[i].name + 3) == 0)) {
                        *sig = sigs[i].sig;
                        return 0;
                }
        return fault_fail(
            ctx, "SIGNAL: \"%s\" is not one of SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2", s);
}

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct process_kill *k = ctx->state;
        bool force = false;
        int r = process_match_parse(ctx, t, &k->match);
        if (r == 0)
                r = tun_bool(ctx, t, "FORCE_KILL", &force);
        k->sig = force ? SIGKILL : SIGTERM;
        return r < 0 ? r : parse_signal(ctx, t, &k->sig);
}

static int kill_matching(struct process_kill *k)
{
        pid_t pids[PROC_MATCH_MAX];
        int n = proc_find(&k->match, pids, ARRAY_SIZE(pids));
        for (int i = 0; i < n; i++)
                if (kill(pids[i], k->sig) == 0)
                        k->kills++;
        return n;
}

static int inject(struct fault_ctx *ctx)
{
        struct process_kill *k = ctx->state;
        int n = kill_matching(k);
        if (n < 0)
                return fault_fail(ctx, "listing processes: %s", rift_strerror(n));
        if (n == 0)
                return fault_fail(ctx, "PROCESS_IDS/PROCESS_NAMES/PROCESS_COMMAND: no matching process");
        return 0;
}

static int tick(struct fault_ctx *ctx)
{
        kill_matching(ctx->state);
        return 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct process_kill *k = ctx->state;
        cJSON_AddNumberToObject(out, "signals_sent", k->kills);
        return 0;
}

const struct fault_ops fault_process_kill = {
        .name = "linux-process-kill",
        .state_size = sizeof(struct process_kill),
        .validate = validate,
        .inject = inject,
        .tick = tick,
        .revert = fault_revert_journal,
        .status = status,
};
