/* GraphQL errors of one request (syntax, validation, field errors) and their JSON form, plus the
 * JSON text helpers the response writer shares (strings and numbers formatted like JSON.stringify). */
#ifndef RIFT_GQL_ERRORS_H
#define RIFT_GQL_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/graphql/arena.h"

struct gql_loc {
        uint32_t line; /* 1-based; 0 means "no location" */
        uint32_t col;  /* 1-based, in UTF-16 code units like graphql-js */
};

/* A response path as a linked list from the leaf up: key (field response name) or index. */
struct gql_path {
        const struct gql_path *prev; /* parent segment, NULL at the root */
        const char *key;             /* response name, or NULL for a list index */
        size_t index;                /* list index when key is NULL */
};

struct gql_error {
        const char *message;         /* full message text */
        struct gql_loc *locs;        /* n_locs locations */
        size_t n_locs;               /* number of locations */
        const struct gql_path *path; /* or NULL */
};

struct gql_errors {
        struct gql_arena *arena; /* where messages live */
        struct gql_ptrvec list;  /* struct gql_error * in report order */
        size_t max;              /* stop recording after this many (0: unlimited) */
};

void gql_errors_init(struct gql_errors *e, struct gql_arena *a, size_t max);
/* Adds an error; locs may be NULL. Returns the new error (or NULL when over max). */
struct gql_error *gql_errors_add(struct gql_errors *e, const struct gql_loc *locs, size_t n_locs,
                                 const struct gql_path *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
bool gql_errors_full(const struct gql_errors *e);
/* Writes "errors":[...] (the key included). */
int gql_errors_write_json(const struct gql_errors *e, struct rift_buf *out);

/* Appends n bytes; the common case (room left) inline, else rift_buf_append (cap, growth). */
static inline int gql_buf_put(struct rift_buf *b, const char *s, size_t n)
{
        if (b->data && n < b->cap - b->len) { /* cap <= max + 1, so len + n <= max holds too */
                memcpy(b->data + b->len, s, n);
                b->len += n;
                b->data[b->len] = '\0';
                return 0;
        }
        return rift_buf_append(b, s, n);
}

/* Makes room for n more bytes (and the NUL); the common case (room left) inline. */
static inline int gql_buf_room(struct rift_buf *b, size_t n)
{
        if (b->data && n < b->cap - b->len)
                return 0;
        return rift_buf_reserve(b, n);
}

static inline int gql_buf_putc(struct rift_buf *b, char c)
{
        return gql_buf_put(b, &c, 1);
}

/* JSON string literal with JSON.stringify's escaping. */
int gql_json_write_string(struct rift_buf *out, const char *s, size_t len);
/* A finite double the way JavaScript prints it (shortest round-trip, 1e+21, 1.5e-7). */
int gql_json_write_double(struct rift_buf *out, double d);

#endif
