/* Shared by linux-cpu-stress and linux-memory-stress. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "agent/faults/stress_common.h"
#include "lib/clock.h"
#include "lib/macro.h"
#include "lib/str.h"

int stress_cgroup_create(struct fault_ctx *ctx, const char *controller, char *path, size_t size)
{
        char root[256], name[64];
        path[0] = '\0';
        if (cgroup_find_root(controller, root, sizeof(root)) < 0)
                return 0;
        snprintf(name, sizeof(name), "rift-agent-%d-%s", (int)getpid(), controller);
        struct undo_entry e = { .kind = UNDO_CGROUP };
        if ((size_t)snprintf(e.name, sizeof(e.name), "%s/%s", root, name) >= sizeof(e.name))
                return 0;
        int r = undo_record(ctx->journal, &e, NULL);
        if (r < 0)
                return r;
        r = cgroup_create(root, name, path, size);
        if (r < 0) {
                path[0] = '\0';
                return 0; /* the journal entry's revert is a no-op for a cgroup that does not exist */
        }
        undo_crash_point("after-change");
        return 0;
}

bool stress_sleep(int64_t deadline_mono_ms, int64_t ms)
{
        int64_t left = deadline_mono_ms - rift_mono_ms();
        if (left <= 0)
                return false;
        int64_t d = MIN(left, ms);
        struct timespec ts = { .tv_sec = d / 1000, .tv_nsec = (d % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        return rift_mono_ms() < deadline_mono_ms;
}

int stress_ncpus(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (int)n : 1;
}
