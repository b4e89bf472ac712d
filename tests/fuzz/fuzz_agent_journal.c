// link: agent/undo.c agent/proc.c agent/ipt.c agent/tc.c agent/cgroup.c
/* libFuzzer target: the undo journal reader on arbitrary file contents (a crash can leave anything on
 * disk). Loading must never fail hard on garbage: it keeps whole valid records, cuts the rest, and the
 * cut file must load again to the same entries. Nothing is reverted (replay would act on the machine). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/undo.h"
#include "lib/limits_rift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void write_file(const uint8_t *data, size_t size)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
                abort();
        close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!dir[0]) {
                snprintf(dir, sizeof(dir), "/tmp/rift-fuzz-journal-XXXXXX");
                if (!mkdtemp(dir))
                        abort();
                snprintf(path, sizeof(path), "%s/journal", dir);
        }
        write_file(data, size);
        struct undo_journal *j;
        if (undo_open(dir, &j) < 0)
                return 0; /* only too-big inputs may be refused */
        size_t n = undo_count(j), open_n = undo_open_count(j);
        if (n > RIFT_MAX_UNDO_ENTRIES || open_n > n)
                abort();
        for (size_t i = 0; i < n; i++)
                if (undo_get(j, i)->kind > UNDO_FOREIGN || undo_get(j, i)->id == 0)
                        abort();
        undo_close(j);
        struct stat st;
        if (stat(path, &st) < 0 || (size_t)st.st_size > size)
                abort();
        /* what survived the cut loads again, identically */
        if (undo_open(dir, &j) < 0 || undo_count(j) != n || undo_open_count(j) != open_n)
                abort();
        undo_close(j);
        return 0;
}
