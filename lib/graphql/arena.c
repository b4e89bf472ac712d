/* Bump allocator in malloc'd chunks with a byte cap; see arena.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/graphql/arena.h"

#define CHUNK_MIN 8192u

struct gql_arena_chunk {
        struct gql_arena_chunk *next; /* older chunk */
        size_t size;                  /* usable bytes in data */
        _Alignas(16) unsigned char data[];
};

void gql_arena_init(struct gql_arena *a, size_t max)
{
        *a = (struct gql_arena){ .max = max };
}

void gql_arena_free(struct gql_arena *a)
{
        if (!a)
                return;
        while (a->head) {
                struct gql_arena_chunk *next = a->head->next;
                free(a->head);
                a->head = next;
        }
        a->pos = a->end = NULL;
        a->used = 0;
}

static _Noreturn void arena_fail(struct gql_arena *a)
{
        while (a->n_tracked)
                rift_buf_free(a->tracked[--a->n_tracked]);
        if (a->oom)
                longjmp(*a->oom, 1);
        abort();
}

void *gql_arena_alloc_slow(struct gql_arena *a, size_t n)
{
        struct gql_arena_chunk *c = a->head;
        size_t need = (n + 15u) & ~(size_t)15u;
        void *p;

        if (need < n)
                arena_fail(a);
        if (!c || (size_t)(a->end - a->pos) < need) {
                size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;

                if (c && size < c->size * 2 && c->size * 2 <= 1024u * 1024u)
                        size = c->size * 2;
                if (a->used + size + sizeof(*c) > a->max || a->used + size < a->used)
                        arena_fail(a);
                c = malloc(sizeof(*c) + size);
                if (!c)
                        arena_fail(a);
                c->next = a->head;
                c->size = size;
                a->head = c;
                a->used += size + sizeof(*c);
                a->pos = c->data;
                a->end = c->data + size;
        }
        p = a->pos;
        a->pos += need;
        memset(p, 0, n);
        return p;
}

char *gql_arena_strndup(struct gql_arena *a, const char *s, size_t n)
{
        char *p = gql_arena_alloc(a, n + 1);

        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

char *gql_arena_strdup(struct gql_arena *a, const char *s)
{
        return gql_arena_strndup(a, s, strlen(s));
}

char *gql_arena_printf(struct gql_arena *a, const char *fmt, ...)
{
        va_list ap;
        int n;
        char *p;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                arena_fail(a);
        p = gql_arena_alloc(a, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
        return p;
}

void *gql_arena_grow(struct gql_arena *a, void *items, size_t *cap, size_t need, size_t elem)
{
        size_t ncap;
        void *p;

        if (need <= *cap)
                return items;
        ncap = *cap ? *cap * 2 : 4;
        while (ncap < need)
                ncap *= 2;
        if (ncap > ((size_t)-1) / 2 / elem)
                arena_fail(a);
        p = gql_arena_alloc(a, ncap * elem);
        if (*cap)
                memcpy(p, items, *cap * elem);
        *cap = ncap;
        return p;
}

void gql_arena_track(struct gql_arena *a, struct rift_buf *b)
{
        if (a->n_tracked >= sizeof(a->tracked) / sizeof(a->tracked[0]))
                abort(); /* a programming error: nesting is bounded and small */
        a->tracked[a->n_tracked++] = b;
}

void gql_arena_untrack(struct gql_arena *a, struct rift_buf *b)
{
        if (a->n_tracked && a->tracked[a->n_tracked - 1] == b)
                a->n_tracked--;
}

void gql_ptrvec_push(struct gql_arena *a, struct gql_ptrvec *v, void *p)
{
        v->items = gql_arena_grow(a, v->items, &v->cap, v->n + 1, sizeof(void *));
        v->items[v->n++] = p;
}
