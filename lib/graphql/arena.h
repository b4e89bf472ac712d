/* Per-request bump allocator with a hard byte cap. Hitting the cap (or malloc failing) jumps to the
 * request's recovery point set with gql_arena_catch(), so no caller checks allocations one by one:
 * everything the request allocated lives in the arena and goes away with gql_arena_free(). */
#ifndef RIFT_GQL_ARENA_H
#define RIFT_GQL_ARENA_H

#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include "lib/buf.h"

struct gql_arena_chunk;

struct gql_arena {
        struct gql_arena_chunk *head; /* newest chunk first */
        unsigned char *pos, *end;     /* free room in head (both NULL before the first chunk) */
        size_t used;                  /* bytes taken from malloc so far */
        size_t max;                   /* cap on used */
        jmp_buf *oom;                 /* where to jump when the cap is hit; NULL: abort() */
        struct rift_buf *tracked[8];  /* malloc'd buffers to free before that jump */
        unsigned n_tracked;           /* entries in tracked */
};

void gql_arena_init(struct gql_arena *a, size_t max);
/* Frees every chunk; the arena can be reused. Accepts NULL. */
void gql_arena_free(struct gql_arena *a);
/* The allocation path that takes a new chunk (gql_arena_alloc's slow path). */
void *gql_arena_alloc_slow(struct gql_arena *a, size_t n);

/* Zeroed memory, 16-byte aligned. Never returns NULL (jumps to a->oom instead). Inline: most
 * allocations are small fixed-size nodes, so the bump and the memset compile to a few instructions. */
static inline void *gql_arena_alloc(struct gql_arena *a, size_t n)
{
        size_t need = (n + 15u) & ~(size_t)15u;
        void *p;

        if (need < n || need > (size_t)(a->end - a->pos))
                return gql_arena_alloc_slow(a, n);
        p = a->pos;
        a->pos += need;
        memset(p, 0, n);
        return p;
}
char *gql_arena_strndup(struct gql_arena *a, const char *s, size_t n);
char *gql_arena_strdup(struct gql_arena *a, const char *s);
char *gql_arena_printf(struct gql_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grows an array of elem-sized items to hold at least need items; *cap is updated. */
void *gql_arena_grow(struct gql_arena *a, void *items, size_t *cap, size_t need, size_t elem);

/* A malloc'd buffer used between arena allocations: registered, it is freed if the cap is hit (the
 * jump would otherwise leak it). Untrack before freeing it yourself; calls nest (LIFO). */
void gql_arena_track(struct gql_arena *a, struct rift_buf *b);
void gql_arena_untrack(struct gql_arena *a, struct rift_buf *b);

/* Appends one pointer to a growable pointer vector. */
struct gql_ptrvec {
        void **items; /* n used of cap */
        size_t n;
        size_t cap;
};
void gql_ptrvec_push(struct gql_arena *a, struct gql_ptrvec *v, void *p);

#endif
