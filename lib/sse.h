/* Server-Sent Events (text/event-stream, WHATWG HTML "Server-sent events"): formatting one event and
 * parsing the Last-Event-ID a reconnecting client sends.
 *
 *   rift_sse_format(&out, "log", 42, "{\"seq\":42}", 10);  // "event: log\nid: 42\ndata: {...}\n\n"
 *   r = rift_sse_parse_id(rift_http_request_header(req, "Last-Event-ID"), &after);
 */
#ifndef RIFT_SSE_H
#define RIFT_SSE_H

#include <stddef.h>
#include <stdint.h>

struct rift_buf;

#define RIFT_SSE_MAX_ID_DIGITS 19u /* decimal digits of an event id (fits an int64) */

/* Appends one event: "event: NAME" (NULL = none), "id: ID" (0 = none), one "data: " line per line of
 * data (split at \n, \r\n and \r, so no input can end the event early or inject a field), then the
 * blank line. NAME must not contain CR or LF (-EINVAL). Fails with the buffer's RIFT_E_TOOBIG. */
int rift_sse_format(struct rift_buf *out, const char *event, uint64_t id, const char *data, size_t len);
/* Appends a comment line (": text\n\n"), e.g. a keep-alive ping; text must not contain CR or LF. */
int rift_sse_comment(struct rift_buf *out, const char *text);
/* Parses an event id as Rift sends them: 1..RIFT_SSE_MAX_ID_DIGITS decimal digits, nothing else (an
 * empty value means "from the start" and gives 0). RIFT_E_INVALID otherwise; *ret unchanged then. */
int rift_sse_parse_id(const char *text, uint64_t *ret);

#endif
