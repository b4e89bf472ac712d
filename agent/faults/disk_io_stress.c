/* linux-disk-io-stress: WORKERS processes (default 1) that each write, fdatasync and read back a scratch
 * file in VOLUME_MOUNT_PATH (default /tmp), over and over until the deadline. Together the files take
 * FILE_SYSTEM_UTILISATION of the file system's free space (a percentage, default 10%, or a size).
 * Every file is journalled before its worker creates it; revert kills the workers and removes them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/faults/stress_common.h"
#include "agent/worker.h"
#include "lib/error.h"
#include "lib/macro.h"

#define IO_CHUNK (1u << 20) /* bytes per write or read call */

struct disk_io_stress {
        char dir[256];                       /* VOLUME_MOUNT_PATH */
        uint64_t bytes;                      /* total over all files */
        double pct;                          /* or a percentage of the free space */
        int64_t workers;                     /* WORKERS */
        int64_t deadline_mono_ms;            /* workers stop here by themselves */
        int index;                           /* in a worker: which file is its own */
        char files[STRESS_MAX_WORKERS][300]; /* scratch files */
        pid_t pids[STRESS_MAX_WORKERS];      /* the workers */
};

/* One pass: write the whole file, make it durable, drop it from the page cache, read it back. */
static int one_pass(int fd, unsigned char *buf, uint64_t size, int64_t deadline)
{
        for (uint64_t off = 0; off < size && stress_sleep(deadline, 0); off += IO_CHUNK)
                if (pwrite(fd, buf, MIN(IO_CHUNK, size - off), (off_t)off) < 0)
                        return -errno;
        if (fdatasync(fd) < 0)
                return -errno;
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        for (uint64_t off = 0; off < size && stress_sleep(deadline, 0); off += IO_CHUNK)
                if (pread(fd, buf, MIN(IO_CHUNK, size - off), (off_t)off) < 0)
                        return -errno;
        return 0;
}

static int worker(void *arg)
{
        const struct disk_io_stress *d = arg;
        const char *path = d->files[d->index];
        uint64_t size = d->bytes / (uint64_t)d->workers;
        unsigned char *buf = malloc(IO_CHUNK);
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (!buf || fd < 0)
                return 1;
        for (size_t i = 0; i < IO_CHUNK; i++)
                buf[i] = (unsigned char)(i * 131u + 7u);
        while (stress_sleep(d->deadline_mono_ms, 0) && one_pass(fd, buf, size, d->deadline_mono_ms) == 0)
                ;
        close(fd);
        unlink(path);
        free(buf);
        return 0;
}

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct disk_io_stress *d = ctx->state;
        struct stat st;
        struct statvfs vfs;
        snprintf(d->dir, sizeof(d->dir), "/tmp");
        d->pct = 10;
        d->workers = 1;
        int r = tun_string(ctx, t, "VOLUME_MOUNT_PATH", d->dir, sizeof(d->dir));
        if (r == 0)
                r = tun_size_or_pct(ctx, t, "FILE_SYSTEM_UTILISATION", &d->bytes, &d->pct);
        if (r == 0)
                r = tun_int(ctx, t, "WORKERS", 1, STRESS_MAX_WORKERS, &d->workers);
        if (r < 0)
                return r;
        if (d->dir[0] != '/' || stat(d->dir, &st) < 0 || !S_ISDIR(st.st_mode) || statvfs(d->dir, &vfs) < 0)
                return fault_fail(ctx, "VOLUME_MOUNT_PATH: \"%s\" is not an absolute path to a directory",
                                  d->dir);
        uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        if (d->pct > 0)
                d->bytes = (uint64_t)((double)avail * d->pct / 100.0);
        if (d->bytes > avail || d->bytes < (uint64_t)d->workers * 4096u)
                return fault_fail(ctx,
                                  "FILE_SYSTEM_UTILISATION: %llu bytes does not fit %llu free bytes in %s",
                                  (unsigned long long)d->bytes, (unsigned long long)avail, d->dir);
        return 0;
}

static int inject(struct fault_ctx *ctx)
{
        struct disk_io_stress *d = ctx->state;
        d->deadline_mono_ms = ctx->deadline_mono_ms;
        for (int64_t i = 0; i < d->workers; i++) {
                struct undo_entry e = { .kind = UNDO_FILE };
                snprintf(d->files[i], sizeof(d->files[i]), "%s/rift-io-%d-%lld", d->dir, (int)getpid(),
                         (long long)i);
                snprintf(e.name, sizeof(e.name), "%s", d->files[i]);
                d->index = (int)i;
                int r = undo_record(ctx->journal, &e, NULL);
                if (r == 0)
                        r = worker_spawn(ctx->journal, NULL, worker, d, false, &d->pids[i]);
                if (r < 0)
                        return fault_fail(ctx, "starting worker %lld: %s", (long long)i, rift_strerror(r));
        }
        return 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct disk_io_stress *d = ctx->state;
        cJSON_AddNumberToObject(out, "bytes", (double)d->bytes);
        cJSON *files = cJSON_AddArrayToObject(out, "files"), *pids = cJSON_AddArrayToObject(out, "workers");
        for (int64_t i = 0; files && pids && i < d->workers; i++) {
                cJSON_AddItemToArray(files, cJSON_CreateString(d->files[i]));
                cJSON_AddItemToArray(pids, cJSON_CreateNumber(d->pids[i]));
        }
        return 0;
}

const struct fault_ops fault_disk_io_stress = {
        .name = "linux-disk-io-stress",
        .state_size = sizeof(struct disk_io_stress),
        .validate = validate,
        .inject = inject,
        .revert = fault_revert_journal,
        .status = status,
};
