/* libFuzzer target: lib/sse.c on arbitrary bytes. The Last-Event-ID parser accepts only what it can
 * print back; the formatter's output, read back as an event stream (field lines, blank line ends the
 * event), gives exactly one event whose data is the input with its line breaks turned into \n and no
 * field other than event, id and data (arbitrary bytes cannot inject fields or end the event early). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const uint8_t *data, size_t size)
{
        char text[32], back[32];
        uint64_t v = 7;

        if (size >= sizeof(text) || memchr(data, '\0', size)) /* a header value holds no NUL */
                return;
        memcpy(text, data, size);
        text[size] = '\0';
        if (rift_sse_parse_id(text, &v) != 0) {
                if (v != 7)
                        abort();
                return;
        }
        snprintf(back, sizeof(back), "%llu", (unsigned long long)v);
        while (text[0] == '0' && text[1]) /* leading zeros are the only difference allowed */
                memmove(text, text + 1, strlen(text));
        if (size > 0 && strcmp(text, back) != 0)
                abort();
}

/* The input with \r\n and \r turned into \n, as an event stream reader sees its data. */
static char *normalise(const uint8_t *data, size_t size, size_t *ret_len)
{
        char *out = malloc(size + 1);
        size_t n = 0;

        for (size_t i = 0; i < size; i++) {
                if (data[i] == '\r') {
                        out[n++] = '\n';
                        if (i + 1 < size && data[i + 1] == '\n')
                                i++;
                } else {
                        out[n++] = (char)data[i];
                }
        }
        *ret_len = n;
        return out;
}

static void check_format(const uint8_t *data, size_t size)
{
        struct rift_buf out = RIFT_BUF_INIT(1u << 22), got = RIFT_BUF_INIT(1u << 22);
        size_t want_len, pos = 0, lines = 0;
        char *want;

        if (rift_sse_format(&out, "log", 12, (const char *)data, size) != 0)
                abort();
        want = normalise(data, size, &want_len);
        /* read it back: lines end with \n (the formatter never emits \r) */
        while (pos < out.len) {
                const char *line = out.data + pos, *nl = memchr(line, '\n', out.len - pos);
                size_t n;
                if (!nl)
                        abort(); /* unterminated line */
                n = (size_t)(nl - line);
                pos += n + 1;
                if (n == 0) {
                        if (pos != out.len)
                                abort(); /* the event ended early */
                        break;
                }
                if (memchr(line, '\r', n))
                        abort();
                if (n >= 6 && !memcmp(line, "data: ", 6)) {
                        if (lines++ && rift_buf_append_char(&got, '\n') < 0)
                                abort();
                        if (rift_buf_append(&got, line + 6, n - 6) < 0)
                                abort();
                } else if (!(n == 10 && !memcmp(line, "event: log", 10)) &&
                           !(n == 6 && !memcmp(line, "id: 12", 6))) {
                        abort(); /* an injected field */
                }
        }
        if (got.len != want_len || (want_len && memcmp(got.data, want, want_len)))
                abort();
        free(want);
        rift_buf_free(&out);
        rift_buf_free(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check_id(data, size);
        if (size <= 65536)
                check_format(data, size);
        return 0;
}
