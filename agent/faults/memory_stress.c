/* linux-memory-stress: WORKERS processes (default 1) that together allocate MEMORY ("256m", or "10%" of
 * MemTotal) and write to every page, then hold it until their deadline. They live in their own memory
 * cgroup (so usage can be read), die with the agent and get oom_score_adj 1000 so the OOM killer picks
 * them first. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/faults/stress_common.h"
#include "agent/worker.h"
#include "lib/error.h"
#include "lib/str.h"

struct memory_stress {
        uint64_t bytes;                 /* total to allocate */
        double pct;                     /* or a percentage of MemTotal */
        int64_t workers;                /* WORKERS */
        int64_t deadline_mono_ms;       /* workers stop here by themselves */
        char cgroup[256];               /* memory cgroup ("" if none) */
        pid_t pids[STRESS_MAX_WORKERS]; /* the workers */
};

static uint64_t mem_total(void)
{
        unsigned long long kb = 0;
        char line[128];
        FILE *f = fopen("/proc/meminfo", "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
                        break;
        fclose(f);
        return (uint64_t)kb * 1024u;
}

static int worker(void *arg)
{
        const struct memory_stress *m = arg;
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, "1000", 4);
                close(fd);
        }
        size_t len = (size_t)(m->bytes / (uint64_t)m->workers);
        unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return 1;
        long page = sysconf(_SC_PAGESIZE);
        for (size_t off = 0; off < len; off += (size_t)page)
                p[off] = (unsigned char)(off / (size_t)page) | 1u;
        while (stress_sleep(m->deadline_mono_ms, 1000))
                ;
        return 0;
}

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct memory_stress *m = ctx->state;
        m->workers = 1;
        m->bytes = 256u << 20;
        int r = tun_size_or_pct(ctx, t, "MEMORY", &m->bytes, &m->pct);
        if (r == 0)
                r = tun_int(ctx, t, "WORKERS", 1, STRESS_MAX_WORKERS, &m->workers);
        if (r < 0)
                return r;
        uint64_t total = mem_total();
        if (m->pct > 0)
                m->bytes = (uint64_t)((double)total * m->pct / 100.0);
        if (total && m->bytes > total)
                return fault_fail(ctx, "MEMORY: %llu bytes is more than the machine's %llu",
                                  (unsigned long long)m->bytes, (unsigned long long)total);
        return 0;
}

static int inject(struct fault_ctx *ctx)
{
        struct memory_stress *m = ctx->state;
        m->deadline_mono_ms = ctx->deadline_mono_ms;
        int r = stress_cgroup_create(ctx, "memory", m->cgroup, sizeof(m->cgroup));
        if (r < 0)
                return fault_fail(ctx, "journal: %s", rift_strerror(r));
        for (int64_t i = 0; i < m->workers; i++) {
                r = worker_spawn(ctx->journal, m->cgroup[0] ? m->cgroup : NULL, worker, m, false,
                                 &m->pids[i]);
                if (r < 0)
                        return fault_fail(ctx, "starting worker %lld: %s", (long long)i, rift_strerror(r));
        }
        return 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct memory_stress *m = ctx->state;
        cJSON_AddStringToObject(out, "cgroup", m->cgroup);
        cJSON_AddNumberToObject(out, "bytes", (double)m->bytes);
        cJSON *arr = cJSON_AddArrayToObject(out, "workers");
        for (int64_t i = 0; arr && i < m->workers; i++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(m->pids[i]));
        return 0;
}

const struct fault_ops fault_memory_stress = {
        .name = "linux-memory-stress",
        .state_size = sizeof(struct memory_stress),
        .validate = validate,
        .inject = inject,
        .revert = fault_revert_journal,
        .status = status,
};
