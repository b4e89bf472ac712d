/* linux-cpu-stress: WORKERS processes (default 1), pinned round-robin to CPU_CORES (default: all online
 * CPUs), each busy for LOAD % (default 100) of every 100 ms period. Busy time is counted in the worker's
 * own CPU time, so a worker that was preempted catches up in the next periods instead of undershooting;
 * workers run at nice -10 so ordinary load does not push them under their share.
 * Workers live in their own cpuacct cgroup, die with the agent and stop at their own deadline. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "agent/faults/stress_common.h"
#include "agent/worker.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/str.h"

#define PERIOD_NS       100000000LL     /* duty-cycle period: 100 ms */
#define MAX_DEBT_NS     (5 * PERIOD_NS) /* CPU time a held-back worker may still catch up */
#define CPU_WORKER_NICE -10 /* wins its busy share against ordinary load; it still yields the rest */

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

static void sleep_until(int64_t mono_ns)
{
        struct timespec ts = { .tv_sec = mono_ns / 1000000000LL, .tv_nsec = mono_ns % 1000000000LL };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* nice -10, in a scheduling autogroup of its own: with autogroups (the default on most distributions)
 * a nice value only counts inside the session's group, so the worker starts a session and sets that
 * group's nice too. */
static void raise_priority(void)
{
        char nice[16];
        setsid();
        setpriority(PRIO_PROCESS, 0, CPU_WORKER_NICE);
        int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                int n = snprintf(nice, sizeof(nice), "%d", CPU_WORKER_NICE);
                (void)!write(fd, nice, (size_t)n);
                close(fd);
        }
}

/* Each period, burns CPU until the worker's own CPU time since `origin` reaches load% of the wall time
 * since `origin`, then sleeps to the period's end. A worker that other processes held back catches up
 * in the next periods; the debt is capped at five periods so a long stall never turns into a long burst. */
static int worker(void *arg)
{
        const struct cpu_stress *c = arg;
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(c->core, &set);
        sched_setaffinity(0, sizeof(set), &set);
        raise_priority();
        double share = c->load / 100.0;
        volatile uint64_t sink = 0;
        int64_t origin = now_ns(CLOCK_MONOTONIC), cpu_origin = now_ns(CLOCK_PROCESS_CPUTIME_ID);
        for (int64_t end = origin + PERIOD_NS; rift_mono_ms() < c->deadline_mono_ms; end += PERIOD_NS) {
                for (;;) {
                        int64_t now = now_ns(CLOCK_MONOTONIC);
                        int64_t debt = (int64_t)(share * (double)(now - origin)) -
                                       (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_origin);
                        if (debt > MAX_DEBT_NS) {                 /* cap the debt */
                                cpu_origin -= debt - MAX_DEBT_NS; /* count the excess as used */
                                debt = MAX_DEBT_NS;
                        }
                        if (debt <= 0 || now >= end)
                                break;
                        for (int i = 0; i < 1000; i++)
                                sink += (uint64_t)i * 2654435761u;
                }
                if (now_ns(CLOCK_MONOTONIC) < end)
                        sleep_until(end);
                else
                        end = now_ns(CLOCK_MONOTONIC); /* fell behind a whole period: restart from now */
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
