#include <malloc.h>

#include "lib/memory.h"

#define DAEMON_MALLOC_THRESHOLD (64 * 1024) /* bytes: mmap and trim threshold */

void rift_memory_tune_daemon(void)
{
        mallopt(M_MMAP_THRESHOLD, DAEMON_MALLOC_THRESHOLD);
        mallopt(M_TRIM_THRESHOLD, DAEMON_MALLOC_THRESHOLD);
}
