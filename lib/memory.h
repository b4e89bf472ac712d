/* Process-wide memory settings for long-running daemons. */
#ifndef RIFT_MEMORY_H
#define RIFT_MEMORY_H

/* Makes glibc's allocator give freed memory back to the system promptly: allocations of 64 KiB and
 * more get their own mappings, and free space over 64 KiB at the top of the heap is released. Rift's
 * daemons are idle most of the time after short bursts (a login's request buffers, a page of results),
 * so a heap that keeps its high-water mark is most of their resident memory. Call once at start-up. */
void rift_memory_tune_daemon(void);

#endif
