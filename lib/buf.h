/* Growable byte buffers with a hard cap fixed at creation (curl's dynbuf). The data is always
 * NUL-terminated so text can be used directly; the terminator does not count against the cap. */
#ifndef RIFT_BUF_H
#define RIFT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "lib/macro.h"

struct rift_buf {
        char *data; /* contents, NUL-terminated; NULL until the first append */
        size_t len; /* bytes used, not counting the terminator */
        size_t cap; /* bytes allocated */
        size_t max; /* hard limit on len; appends beyond it fail with RIFT_E_TOOBIG */
};

#define RIFT_BUF_INIT(limit)                                                                                 \
        {                                                                                                    \
                .data = NULL, .len = 0, .cap = 0, .max = (limit)                                             \
        }

void rift_buf_init(struct rift_buf *b, size_t max);
/* Frees the contents; the buffer can be reused with the same cap. Accepts NULL. */
void rift_buf_free(struct rift_buf *b);
/* Empties the buffer, keeping its allocation. */
void rift_buf_reset(struct rift_buf *b);

int rift_buf_append(struct rift_buf *b, const void *data, size_t len);
int rift_buf_append_str(struct rift_buf *b, const char *s);
int rift_buf_append_char(struct rift_buf *b, char c);
int rift_buf_printf(struct rift_buf *b, const char *fmt, ...) _printf_(2, 3);
int rift_buf_vprintf(struct rift_buf *b, const char *fmt, va_list ap) _printf_(2, 0);
/* Ensures room for `extra` more bytes without changing len. */
int rift_buf_reserve(struct rift_buf *b, size_t extra);
/* Drops the first n bytes (a consumed prefix). */
void rift_buf_consume(struct rift_buf *b, size_t n);

/* Returns the contents (never NULL: "" when empty) and leaves the buffer empty; caller frees. */
char *rift_buf_steal(struct rift_buf *b);

static inline void rift_buf_freep(struct rift_buf *b)
{
        rift_buf_free(b);
}
#define _cleanup_buf_ _cleanup_(rift_buf_freep)

#endif
