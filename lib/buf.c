#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/error.h"

void rift_buf_init(struct rift_buf *b, size_t max)
{
        *b = (struct rift_buf)RIFT_BUF_INIT(max);
}

void rift_buf_free(struct rift_buf *b)
{
        if (!b)
                return;
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

void rift_buf_reset(struct rift_buf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

int rift_buf_reserve(struct rift_buf *b, size_t extra)
{
        size_t need, ncap;
        char *p;

        if (extra > b->max || b->len > b->max - extra)
                return RIFT_E_TOOBIG;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        ncap = b->cap ? b->cap : 64;
        while (ncap < need)
                ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        if (ncap > b->max + 1)
                ncap = b->max + 1;
        p = realloc(b->data, ncap);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->cap = ncap;
        return 0;
}

int rift_buf_append(struct rift_buf *b, const void *data, size_t len)
{
        int r = rift_buf_reserve(b, len);

        if (r < 0)
                return r;
        if (len)
                memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

int rift_buf_append_str(struct rift_buf *b, const char *s)
{
        return rift_buf_append(b, s, strlen(s));
}

int rift_buf_append_char(struct rift_buf *b, char c)
{
        return rift_buf_append(b, &c, 1);
}

int rift_buf_vprintf(struct rift_buf *b, const char *fmt, va_list ap)
{
        va_list aq;
        int n, r;

        va_copy(aq, ap);
        n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (n < 0)
                return -EINVAL;
        r = rift_buf_reserve(b, (size_t)n);
        if (r < 0)
                return r;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
        return 0;
}

int rift_buf_printf(struct rift_buf *b, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = rift_buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

void rift_buf_consume(struct rift_buf *b, size_t n)
{
        if (n >= b->len) {
                rift_buf_reset(b);
                return;
        }
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = '\0';
}

char *rift_buf_steal(struct rift_buf *b)
{
        char *p = b->data;

        if (!p)
                p = strdup("");
        b->data = NULL;
        b->len = b->cap = 0;
        return p;
}
