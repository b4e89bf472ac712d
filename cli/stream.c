/* text/event-stream parser (see stream.h). */
#include <errno.h>
#include <string.h>

#include "cli/stream.h"
#include "lib/error.h"
#include "lib/str.h"

void stream_parser_free(struct stream_parser *p)
{
        if (!p)
                return;
        rift_buf_free(&p->line);
        rift_buf_free(&p->data);
}

static void copy_field(char *dst, const char *v)
{
        size_t n = strlen(v);

        if (n >= STREAM_MAX_FIELD)
                n = STREAM_MAX_FIELD - 1;
        memcpy(dst, v, n);
        dst[n] = '\0';
}

/* The blank line: hands the event over (if it had data) and starts the next. */
static int dispatch(struct stream_parser *p, stream_event_cb cb, void *ud)
{
        int r = 0;

        if (p->has_data)
                r = cb(ud, p->event[0] ? p->event : "message", p->id, p->data.data ? p->data.data : "",
                       p->data.len);
        rift_buf_reset(&p->data);
        p->event[0] = '\0';
        p->has_data = false;
        return r; /* the id is kept: it is the stream's last event id */
}

/* One complete line (NUL-terminated in p->line). */
static int line_done(struct stream_parser *p, stream_event_cb cb, void *ud)
{
        char *line = p->line.data ? p->line.data : (char *)"", *value;
        int r = 0;

        if (!*line)
                return dispatch(p, cb, ud);
        if (*line == ':')
                return 0;
        value = strchr(line, ':');
        if (value) {
                *value++ = '\0';
                if (*value == ' ')
                        value++;
        } else
                value = line + strlen(line);
        if (rift_streq(line, "event"))
                copy_field(p->event, value);
        else if (rift_streq(line, "id"))
                copy_field(p->id, value);
        else if (rift_streq(line, "data")) {
                if (p->has_data)
                        r = rift_buf_append_char(&p->data, '\n');
                if (r >= 0)
                        r = rift_buf_append_str(&p->data, value);
                if (r >= 0)
                        r = rift_buf_append(&p->data, "", 0);
                p->has_data = true;
        }
        return r; /* retry and unknown fields are ignored */
}

int stream_feed(struct stream_parser *p, const char *bytes, size_t len, stream_event_cb cb, void *ud)
{
        for (size_t i = 0; i < len; i++) {
                char c = bytes[i];
                int r = 0;
                if (c == '\n' && p->after_cr) {
                        p->after_cr = false;
                        continue;
                }
                p->after_cr = c == '\r';
                if (c == '\r' || c == '\n') {
                        r = rift_buf_append(&p->line, "", 0);
                        if (r >= 0)
                                r = line_done(p, cb, ud);
                        rift_buf_reset(&p->line);
                } else if (c != '\0')
                        r = rift_buf_append_char(&p->line, c);
                if (r < 0)
                        return r;
        }
        return 0;
}
