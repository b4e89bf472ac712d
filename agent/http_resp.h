/* HTTP/1.x response framing for agent/http_lite.c: the status line and header block, and the chunked
 * transfer coding. Both read untrusted bytes from the network (tests/fuzz/fuzz_agent_http_resp.c): they
 * never read outside the span they are given, cap the header block (HTTP_RESP_MAX_HEAD) and chunk-size
 * lines, and reject what they do not understand with RIFT_E_PROTOCOL.
 *
 *   struct http_resp_head h;
 *   r = http_resp_parse_head(buf, len, &h);   // 0: need more bytes; > 0: bytes of the head; < 0: error
 *   struct http_resp_chunked ck = {};
 *   r = http_resp_chunked_step(&ck, in, n, &used, &data, &data_len);  // 1 once the last chunk is read */
#ifndef RIFT_AGENT_HTTP_RESP_H
#define RIFT_AGENT_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_RESP_MAX_HEAD       (16u * 1024) /* status line + header lines + blank line */
#define HTTP_RESP_MAX_CHUNK_LINE 1024         /* one chunk-size line with its extensions */
#define HTTP_RESP_MAX_TRAILERS   (8u * 1024)  /* trailer lines after the last chunk */

/* What the framing of one response needs from its head. */
struct http_resp_head {
        int status;              /* 100-599 */
        int minor;               /* HTTP/1.<minor> */
        bool chunked;            /* Transfer-Encoding ends in chunked */
        bool has_length;         /* Content-Length was given */
        uint64_t content_length; /* its value */
        bool close;              /* the server closes after this response (Connection: close, 1.0) */
};

/* Parses the head at the start of buf[len]. 0 when it is not complete yet (and len is under
 * HTTP_RESP_MAX_HEAD), the head's length in bytes (through the blank line) with *ret filled, or
 * RIFT_E_PROTOCOL (malformed, or no end within HTTP_RESP_MAX_HEAD). */
int http_resp_parse_head(const char *buf, size_t len, struct http_resp_head *ret);

/* Decoder state of a chunked body; zero-initialise. */
struct http_resp_chunked {
        int state;      /* where in the grammar the next byte falls */
        uint64_t left;  /* data bytes left in the current chunk */
        size_t line;    /* bytes of the current size or trailer line so far */
        size_t trailer; /* trailer bytes so far */
        int digits;     /* hex digits of the current size */
};

/* Consumes a prefix of in[n] (*ret_used bytes, at least one when n > 0 unless done) and points
 * *ret_data / *ret_len at chunk data inside it (length 0 when that prefix held none). Returns 0 to go
 * on, 1 when the body ended (last chunk and trailers read; the rest of in is not part of it), or
 * RIFT_E_PROTOCOL. */
int http_resp_chunked_step(struct http_resp_chunked *st, const char *in, size_t n, size_t *ret_used,
                           const char **ret_data, size_t *ret_len);

#endif
