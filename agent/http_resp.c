/* HTTP/1.x response framing: see http_resp.h. */
#include <string.h>
#include <strings.h>

#include "agent/http_resp.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

#define MAX_LENGTH_DIGITS 18 /* Content-Length: up to 10^18 - 1, no overflow of uint64_t */
#define MAX_CHUNK_DIGITS  15 /* chunk size: up to 2^60 - 1 */

/* Offset just past the blank line ending the head, or 0 when buf[len] holds none. */
static size_t head_end(const char *buf, size_t len)
{
        for (size_t i = 0; i + 1 < len; i++) {
                if (buf[i] != '\n')
                        continue;
                if (buf[i + 1] == '\n')
                        return i + 2;
                if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
                        return i + 3;
        }
        return 0;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_tchar(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
               (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* "HTTP/1.x NNN[ reason]" in line[len] (no line break). */
static int parse_status(const char *line, size_t len, struct http_resp_head *h)
{
        if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !is_digit(line[7]) || line[8] != ' ' ||
            !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (len > 12 && line[12] != ' '))
                return RIFT_E_PROTOCOL;
        h->minor = line[7] - '0';
        h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        if (h->status < 100 || h->status > 599)
                return RIFT_E_PROTOCOL;
        for (size_t i = 12; i < len; i++)
                if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
                        return RIFT_E_PROTOCOL;
        return 0;
}

/* Does the comma-separated list v[len] hold token (case-insensitive)? last: only as its last element. */
static bool list_has(const char *v, size_t len, const char *token, bool last)
{
        size_t tlen = strlen(token), i = 0;
        bool found = false;

        while (i < len) {
                size_t s, e;
                while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
                        i++;
                s = i;
                while (i < len && v[i] != ',')
                        i++;
                e = i;
                while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
                        e--;
                if (e == s)
                        continue;
                found = e - s == tlen && strncasecmp(v + s, token, tlen) == 0;
                if (found && !last)
                        return true;
        }
        return found;
}

static int parse_length(const char *v, size_t len, struct http_resp_head *h)
{
        uint64_t n = 0;

        if (len == 0 || len > MAX_LENGTH_DIGITS)
                return RIFT_E_PROTOCOL;
        for (size_t i = 0; i < len; i++) {
                if (!is_digit(v[i]))
                        return RIFT_E_PROTOCOL;
                n = n * 10 + (uint64_t)(v[i] - '0');
        }
        if (h->has_length && h->content_length != n) /* repeated with another value */
                return RIFT_E_PROTOCOL;
        h->has_length = true;
        h->content_length = n;
        return 0;
}

/* One "Name: value" line[len] (no line break). */
static int parse_field(const char *line, size_t len, struct http_resp_head *h)
{
        const char *colon = memchr(line, ':', len);
        size_t nlen, vs, ve;

        if (!colon || colon == line)
                return RIFT_E_PROTOCOL; /* also obsolete line folding, which starts with a space */
        nlen = (size_t)(colon - line);
        for (size_t i = 0; i < nlen; i++)
                if (!is_tchar(line[i]))
                        return RIFT_E_PROTOCOL;
        for (vs = nlen + 1; vs < len && (line[vs] == ' ' || line[vs] == '\t'); vs++)
                ;
        for (ve = len; ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'); ve--)
                ;
        for (size_t i = vs; i < ve; i++)
                if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
                        return RIFT_E_PROTOCOL;
        if (nlen == 14 && strncasecmp(line, "Content-Length", nlen) == 0)
                return parse_length(line + vs, ve - vs, h);
        if (nlen == 17 && strncasecmp(line, "Transfer-Encoding", nlen) == 0) {
                if (!list_has(line + vs, ve - vs, "chunked", true))
                        return RIFT_E_PROTOCOL; /* a coding we cannot undo */
                h->chunked = true;
        } else if (nlen == 10 && strncasecmp(line, "Connection", nlen) == 0) {
                if (list_has(line + vs, ve - vs, "close", false))
                        h->close = true;
                else if (h->minor == 0 && list_has(line + vs, ve - vs, "keep-alive", false))
                        h->close = false;
        }
        return 0;
}

int http_resp_parse_head(const char *buf, size_t len, struct http_resp_head *ret)
{
        struct http_resp_head h = { 0 };
        size_t end = head_end(buf, MIN(len, (size_t)HTTP_RESP_MAX_HEAD)), pos = 0;
        bool first = true;
        int r;

        if (end == 0)
                return len >= HTTP_RESP_MAX_HEAD ? RIFT_E_PROTOCOL : 0;
        while (pos < end) {
                const char *line = buf + pos, *nl = memchr(line, '\n', end - pos);
                size_t n = (size_t)(nl - line), next = pos + n + 1;

                if (n > 0 && line[n - 1] == '\r')
                        n--;
                if (memchr(line, '\r', n) || memchr(line, '\0', n))
                        return RIFT_E_PROTOCOL;
                if (first) {
                        r = parse_status(line, n, &h);
                        h.close = h.minor == 0; /* HTTP/1.0 closes unless it says keep-alive */
                        first = false;
                } else if (n == 0) {
                        break; /* the blank line */
                } else {
                        r = parse_field(line, n, &h);
                }
                if (r < 0)
                        return r;
                pos = next;
        }
        if (h.chunked && h.has_length) {
                h.has_length = false; /* chunked wins; do not trust the connection afterwards */
                h.close = true;
        }
        *ret = h;
        return (int)end;
}

enum {
        CK_SIZE,        /* hex digits of a chunk size */
        CK_EXT,         /* after the size: extensions up to the line break */
        CK_SIZE_LF,     /* after the size line's CR */
        CK_DATA,        /* chunk data (left bytes) */
        CK_DATA_CR,     /* the CR (or LF) after the data */
        CK_DATA_LF,     /* the LF after that CR */
        CK_TRAILER,     /* start of a trailer line, or the final blank line */
        CK_TRAILER_TXT, /* inside a trailer line */
        CK_END_LF,      /* the LF of the final blank line */
        CK_DONE,        /* body complete */
};

/* The size line ended: data follows, or trailers after the last (zero) chunk. */
static int size_done(struct http_resp_chunked *st)
{
        if (st->digits == 0)
                return RIFT_E_PROTOCOL;
        st->digits = 0;
        st->line = 0;
        st->state = st->left > 0 ? CK_DATA : CK_TRAILER;
        return 0;
}

/* Advances over one byte c outside chunk data: 0, 1 when the body ended, or RIFT_E_PROTOCOL. */
static int step_byte(struct http_resp_chunked *st, char c)
{
        int v;

        switch (st->state) {
        case CK_SIZE:
                if (++st->line > HTTP_RESP_MAX_CHUNK_LINE)
                        return RIFT_E_PROTOCOL;
                if ((v = rift_hex_value(c)) >= 0) {
                        if (++st->digits > MAX_CHUNK_DIGITS)
                                return RIFT_E_PROTOCOL;
                        st->left = st->left * 16 + (uint64_t)v;
                        return 0;
                }
                if (st->digits == 0)
                        return RIFT_E_PROTOCOL;
                if (c == '\n')
                        return size_done(st);
                if (c != ';' && c != ' ' && c != '\t' && c != '\r')
                        return RIFT_E_PROTOCOL;
                st->state = c == '\r' ? CK_SIZE_LF : CK_EXT;
                return 0;
        case CK_EXT:
                if (++st->line > HTTP_RESP_MAX_CHUNK_LINE)
                        return RIFT_E_PROTOCOL;
                if (c == '\n')
                        return size_done(st);
                if (c == '\r')
                        st->state = CK_SIZE_LF;
                return 0;
        case CK_SIZE_LF:
                return c == '\n' ? size_done(st) : RIFT_E_PROTOCOL;
        case CK_DATA_CR:
                if (c != '\r' && c != '\n')
                        return RIFT_E_PROTOCOL;
                st->state = c == '\r' ? CK_DATA_LF : CK_SIZE;
                return 0;
        case CK_DATA_LF:
                if (c != '\n')
                        return RIFT_E_PROTOCOL;
                st->state = CK_SIZE;
                return 0;
        case CK_TRAILER:
                if (c == '\n') {
                        st->state = CK_DONE;
                        return 1;
                }
                st->state = c == '\r' ? CK_END_LF : CK_TRAILER_TXT;
                return ++st->trailer > HTTP_RESP_MAX_TRAILERS ? RIFT_E_PROTOCOL : 0;
        case CK_TRAILER_TXT:
                if (++st->trailer > HTTP_RESP_MAX_TRAILERS)
                        return RIFT_E_PROTOCOL;
                if (c == '\n')
                        st->state = CK_TRAILER;
                return 0;
        case CK_END_LF:
                if (c != '\n')
                        return RIFT_E_PROTOCOL;
                st->state = CK_DONE;
                return 1;
        }
        return RIFT_E_PROTOCOL;
}

int http_resp_chunked_step(struct http_resp_chunked *st, const char *in, size_t n, size_t *ret_used,
                           const char **ret_data, size_t *ret_len)
{
        size_t i = 0;
        int r = 0;

        *ret_used = 0;
        *ret_data = NULL;
        *ret_len = 0;
        if (st->state == CK_DONE)
                return 1;
        if (st->state == CK_DATA) { /* data is handed out only from the start of in */
                size_t take = (size_t)MIN((uint64_t)n, st->left);
                st->left -= take;
                if (st->left == 0)
                        st->state = CK_DATA_CR;
                *ret_data = in;
                *ret_len = take;
                *ret_used = take;
                return 0;
        }
        while (i < n && st->state != CK_DATA && r == 0)
                r = step_byte(st, in[i++]);
        if (r < 0)
                return r;
        *ret_used = i;
        return r;
}
