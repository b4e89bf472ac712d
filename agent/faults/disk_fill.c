/* linux-disk-fill: creates FILL_PATH/rift-fill-<pid> (journalled before it exists) and allocates
 * FILL_STORAGE in it: a size ("1G") or a percentage of the file system's size ("50%"). Revert removes it.
 * It refuses to ask for more than the space available, so it never fails half-way with ENOSPC. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/faults/fault.h"
#include "lib/error.h"
#include "lib/macro.h"

struct disk_fill {
        char dir[RIFT_MAX_UNDO_TEXT - 32]; /* FILL_PATH */
        uint64_t bytes;                    /* FILL_STORAGE as bytes */
        double pct;                        /* or as a percentage */
        char path[RIFT_MAX_UNDO_TEXT];     /* the file */
};

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct disk_fill *d = ctx->state;
        struct stat st;
        struct statvfs vfs;
        snprintf(d->dir, sizeof(d->dir), "/tmp");
        d->pct = 50;
        int r = tun_string(ctx, t, "FILL_PATH", d->dir, sizeof(d->dir));
        if (r == 0)
                r = tun_size_or_pct(ctx, t, "FILL_STORAGE", &d->bytes, &d->pct);
        if (r < 0)
                return r;
        if (d->dir[0] != '/' || stat(d->dir, &st) < 0 || !S_ISDIR(st.st_mode) || statvfs(d->dir, &vfs) < 0)
                return fault_fail(ctx, "FILL_PATH: \"%s\" is not an absolute path to a directory", d->dir);
        if (d->pct > 0)
                d->bytes = (uint64_t)((double)vfs.f_blocks * (double)vfs.f_frsize * d->pct / 100.0);
        uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        if (d->bytes > avail)
                return fault_fail(ctx, "FILL_STORAGE: %llu bytes asked, only %llu available in %s",
                                  (unsigned long long)d->bytes, (unsigned long long)avail, d->dir);
        snprintf(d->path, sizeof(d->path), "%s/rift-fill-%d", d->dir, (int)getpid());
        return 0;
}

static int inject(struct fault_ctx *ctx)
{
        struct disk_fill *d = ctx->state;
        struct undo_entry e = { .kind = UNDO_FILE };
        snprintf(e.name, sizeof(e.name), "%s", d->path);
        int r = undo_record(ctx->journal, &e, NULL);
        if (r < 0)
                return fault_fail(ctx, "journal: %s", rift_strerror(r));
        _cleanup_close_ int fd = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return fault_fail(ctx, "FILL_PATH: creating %s: %s", d->path, rift_strerror(-errno));
        undo_crash_point("after-change");
        if (d->bytes > 0 && fallocate(fd, 0, 0, (off_t)d->bytes) < 0)
                return fault_fail(ctx, "FILL_STORAGE: allocating %llu bytes: %s",
                                  (unsigned long long)d->bytes, rift_strerror(-errno));
        if (fsync(fd) < 0)
                return fault_fail(ctx, "FILL_PATH: fsync: %s", rift_strerror(-errno));
        undo_crash_point("after-change");
        return 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct disk_fill *d = ctx->state;
        cJSON_AddStringToObject(out, "file", d->path);
        cJSON_AddNumberToObject(out, "bytes", (double)d->bytes);
        return 0;
}

const struct fault_ops fault_disk_fill = {
        .name = "linux-disk-fill",
        .state_size = sizeof(struct disk_fill),
        .validate = validate,
        .inject = inject,
        .revert = fault_revert_journal,
        .status = status,
};
