// link: agent/http_resp.c
/* libFuzzer target: agent/http_resp.c, the response framing of rift-agent's control-plane client, on
 * arbitrary server bytes. The head parser never claims more than it was given nor more than
 * HTTP_RESP_MAX_HEAD, answers "need more" only below that cap, and gives the same answer for any longer
 * input with the same prefix; its status is 100-599. The chunked decoder consumes within its input,
 * hands out data inside it, and decodes the same body and the same outcome whether the bytes come all
 * at once or one at a time (the way a socket may deliver them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/http_resp.h"
#include "lib/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_head(const char *in, size_t n)
{
        struct http_resp_head h, h2;
        int r = http_resp_parse_head(in, n, &h);

        if (r == 0 && n >= HTTP_RESP_MAX_HEAD)
                abort();
        if (r > 0) {
                if ((size_t)r > n || (size_t)r > HTTP_RESP_MAX_HEAD || h.status < 100 || h.status > 599)
                        abort();
                if (h.chunked && h.has_length)
                        abort();
                /* the same head with nothing after it parses the same */
                if (http_resp_parse_head(in, (size_t)r, &h2) != r || memcmp(&h, &h2, sizeof(h)) != 0)
                        abort();
        }
}

/* Decodes in[n] in pieces of at most step bytes: the outcome (1 done, 0 input ended, < 0 error), the
 * body in out (capacity n) and its length in *ret_len. */
static int decode(const char *in, size_t n, size_t step, char *out, size_t *ret_len)
{
        struct http_resp_chunked st = { 0 };
        size_t pos = 0, len = 0;
        int r = 0;

        while (pos < n) {
                size_t piece = n - pos < step ? n - pos : step, used;
                const char *d;
                size_t dlen;

                r = http_resp_chunked_step(&st, in + pos, piece, &used, &d, &dlen);
                if (used > piece || (dlen > 0 && (d < in + pos || d + dlen > in + pos + used)))
                        abort();
                if (r < 0 || r == 1)
                        break;
                if (used == 0) /* progress on every call with input */
                        abort();
                if (len + dlen > n)
                        abort();
                if (dlen > 0)
                        memcpy(out + len, d, dlen);
                len += dlen;
                pos += used;
        }
        *ret_len = len;
        return r < 0 ? r : r == 1 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *in = (const char *)data;
        char *a, *b;
        size_t alen, blen;
        int ra, rb;

        check_head(in, size);
        a = malloc(size + 1);
        b = malloc(size + 1);
        if (!a || !b)
                abort();
        ra = decode(in, size, size ? size : 1, a, &alen);
        rb = decode(in, size, 1, b, &blen);
        if (ra != rb || (ra >= 0 && (alen != blen || memcmp(a, b, alen) != 0)))
                abort();
        free(a);
        free(b);
        return 0;
}
