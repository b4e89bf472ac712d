/* linux-cpu-stress: WORKERS processes (default 1), pinned round-robin to CPU_CORES (default: all online
 * CPUs), each busy for LOAD % (default 100) of every 100 ms period. Busy time is counted in the worker's
 * own CPU time, so a worker that was preempted catches up within its period instead of undershooting.
 * Workers live in their own cpuacct cgroup, die with the agent and stop at their own deadline. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "agent/cgroup.h"
#include "agent/faults/stress_common.h"
#include "agent/worker.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/str.h"

#define PERIOD_NS 100000000LL

struct cpu_stress {
        double load;                    /* LOAD, percent of one CPU per worker */
        int64_t workers;                /* WORKERS */
        int cores[STRESS_MAX_WORKERS];  /* CPU_CORES (none = every online CPU) */
        size_t n_cores;                 /* used cores */
        int core;                       /* in a worker: the CPU it is pinned to */
        int64_t deadline_mono_ms;       /* workers stop here by themselves */
        char cgroup[256];               /* cpuacct cgroup of the workers ("" if none) */
        pid_t pids[STRESS_MAX_WORKERS]; /* the workers */
};

static int64_t now_ns(clockid_t c)
{
        struct timespec ts;
        clock_gettime(c, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int worker(void *arg)
{
        const struct cpu_stress *c = arg;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(c->core, &set);
        sched_setaffinity(0, sizeof(set), &set);
        int64_t busy = (int64_t)(c->load / 100.0 * (double)PERIOD_NS);
        volatile uint64_t sink = 0;
        for (int64_t start = now_ns(CLOCK_MONOTONIC); rift_mono_ms() < c->deadline_mono_ms;
             start += PERIOD_NS) {
                int64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
                while (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0 < busy &&
                       now_ns(CLOCK_MONOTONIC) - start < PERIOD_NS)
                        for (int i = 0; i < 1000; i++)
                                sink += (uint64_t)i * 2654435761u;
                int64_t rest = start + PERIOD_NS - now_ns(CLOCK_MONOTONIC);
                if (rest > 0)
                        clock_nanosleep(CLOCK_MONOTONIC, 0,
                                        &(struct timespec){ .tv_sec = rest / 1000000000LL,
                                                            .tv_nsec = rest % 1000000000LL },
                                        NULL);
                else
                        start = now_ns(CLOCK_MONOTONIC) - PERIOD_NS; /* fell behind: start afresh */
        }
        (void)sink;
        return 0;
}

static int parse_cores(struct fault_ctx *ctx, const cJSON *t, struct cpu_stress *c)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[STRESS_MAX_WORKERS];
        size_t n;
        int r = tun_list(ctx, t, "CPU_CORES", storage, sizeof(storage), words, STRESS_MAX_WORKERS, &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                int64_t v;
                if (rift_parse_int64(words[i], 0, stress_ncpus() - 1, &v) < 0)
                        return fault_fail(ctx, "CPU_CORES: \"%s\" is not an online CPU (0..%d)", words[i],
                                          stress_ncpus() - 1);
                c->cores[c->n_cores++] = (int)v;
        }
        return r;
}

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct cpu_stress *c = ctx->state;
        c->load = 100;
        c->workers = 1;
        int r = tun_double(ctx, t, "LOAD", 1, 100, &c->load);
        if (r == 0)
                r = tun_int(ctx, t, "WORKERS", 1, STRESS_MAX_WORKERS, &c->workers);
        return r < 0 ? r : parse_cores(ctx, t, c);
}

static int inject(struct fault_ctx *ctx)
{
        struct cpu_stress *c = ctx->state;
        c->deadline_mono_ms = ctx->deadline_mono_ms;
        int r = stress_cgroup_create(ctx, "cpuacct", c->cgroup, sizeof(c->cgroup));
        if (r < 0)
                return fault_fail(ctx, "journal: %s", rift_strerror(r));
        for (int64_t i = 0; i < c->workers; i++) {
                c->core = c->n_cores ? c->cores[i % (int64_t)c->n_cores] : (int)(i % stress_ncpus());
                r = worker_spawn(ctx->journal, c->cgroup[0] ? c->cgroup : NULL, worker, c, false,
                                 &c->pids[i]);
                if (r < 0)
                        return fault_fail(ctx, "starting worker %lld: %s", (long long)i, rift_strerror(r));
        }
        return 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct cpu_stress *c = ctx->state;
        cJSON_AddStringToObject(out, "cgroup", c->cgroup);
        cJSON *arr = cJSON_AddArrayToObject(out, "workers");
        for (int64_t i = 0; arr && i < c->workers; i++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(c->pids[i]));
        return 0;
}

const struct fault_ops fault_cpu_stress = {
        .name = "linux-cpu-stress",
        .state_size = sizeof(struct cpu_stress),
        .validate = validate,
        .inject = inject,
        .revert = fault_revert_journal,
        .status = status,
};
