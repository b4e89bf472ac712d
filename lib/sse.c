/* Server-Sent Events formatting and Last-Event-ID parsing: see sse.h. */
#include <errno.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/sse.h"

static int append_data_lines(struct rift_buf *out, const char *data, size_t len)
{
        size_t i = 0;
        int r;

        do {
                size_t j = i;
                while (j < len && data[j] != '\n' && data[j] != '\r')
                        j++;
                if ((r = rift_buf_append(out, "data: ", 6)) < 0 ||
                    (r = rift_buf_append(out, data + i, j - i)) < 0 ||
                    (r = rift_buf_append_char(out, '\n')) < 0)
                        return r;
                if (j < len && data[j] == '\r' && j + 1 < len && data[j + 1] == '\n')
                        j++;
                i = j + 1;
        } while (i <= len);
        return 0;
}

int rift_sse_format(struct rift_buf *out, const char *event, uint64_t id, const char *data, size_t len)
{
        size_t start = out->len;
        int r = 0;

        if (event && strpbrk(event, "\r\n"))
                return -EINVAL;
        if (event)
                r = rift_buf_printf(out, "event: %s\n", event);
        if (r >= 0 && id > 0)
                r = rift_buf_printf(out, "id: %llu\n", (unsigned long long)id);
        if (r >= 0)
                r = append_data_lines(out, data ? data : "", data ? len : 0);
        if (r >= 0)
                r = rift_buf_append_char(out, '\n');
        if (r < 0) {
                out->len = start; /* no half event */
                if (out->data)
                        out->data[start] = '\0';
                return r;
        }
        return 0;
}

int rift_sse_comment(struct rift_buf *out, const char *text)
{
        if (strpbrk(text, "\r\n"))
                return -EINVAL;
        return rift_buf_printf(out, ": %s\n\n", text);
}

int rift_sse_parse_id(const char *text, uint64_t *ret)
{
        uint64_t v = 0;
        size_t n;

        if (!text)
                return RIFT_E_INVALID;
        n = strlen(text);
        if (n > RIFT_SSE_MAX_ID_DIGITS)
                return RIFT_E_INVALID;
        for (size_t i = 0; i < n; i++) {
                if (text[i] < '0' || text[i] > '9')
                        return RIFT_E_INVALID;
                v = v * 10 + (uint64_t)(text[i] - '0');
        }
        *ret = v;
        return 0;
}
