/* riftctl's Server-Sent Events client: a parser of text/event-stream bytes (WHATWG "Server-sent
 * events": lines end with LF, CRLF or CR; "field: value"; ':' starts a comment; a blank line ends the
 * event) and a follower of one GET stream over libcurl.
 *
 *   struct stream_parser p = STREAM_PARSER_INIT;
 *   r = stream_feed(&p, bytes, n, on_event, ud);   // on_event(ud, "log", "42", data, len) per event
 *   stream_parser_free(&p);
 *
 * Lines are capped at STREAM_MAX_LINE bytes and an event's data at STREAM_MAX_DATA (RIFT_E_TOOBIG). */
#ifndef RIFT_CLI_STREAM_H
#define RIFT_CLI_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define STREAM_MAX_LINE  (64u * 1024)  /* bytes of one line of the stream */
#define STREAM_MAX_DATA  (256u * 1024) /* bytes of one event's data */
#define STREAM_MAX_FIELD 64u           /* bytes of an event name or id kept */

struct stream_parser {
        struct rift_buf line;         /* the line being read */
        struct rift_buf data;         /* data lines of the event being read, joined with '\n' */
        char event[STREAM_MAX_FIELD]; /* its event name ("" = "message") */
        char id[STREAM_MAX_FIELD];    /* its id ("" = none) */
        bool has_data;                /* a data line was seen */
        bool after_cr;                /* the last byte was CR (a following LF belongs to it) */
};

#define STREAM_PARSER_INIT                                                                                   \
        {                                                                                                    \
                .line = RIFT_BUF_INIT(STREAM_MAX_LINE), .data = RIFT_BUF_INIT(STREAM_MAX_DATA)               \
        }

/* Called once per complete event; a negative return stops stream_feed with that value. */
typedef int (*stream_event_cb)(void *ud, const char *event, const char *id, const char *data, size_t len);

void stream_parser_free(struct stream_parser *p);
/* Parses len more bytes; 0, RIFT_E_TOOBIG, -ENOMEM, or what cb returned. */
int stream_feed(struct stream_parser *p, const char *bytes, size_t len, stream_event_cb cb, void *ud);

#endif
