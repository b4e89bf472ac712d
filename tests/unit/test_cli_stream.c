// link: cli/stream.c
/* riftctl's text/event-stream parser: line endings, fields, comments, multi-line data, ids that carry
 * over, events without data, caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/stream.h"
#include "lib/buf.h"
#include "lib/error.h"

/* Every event as "event|id|data;" */
static int record(void *ud, const char *event, const char *id, const char *data, size_t len)
{
        return rift_buf_printf(ud, "%s|%s|%.*s;", event, id, (int)len, data);
}

/* The events of text fed in pieces of step bytes. */
static char *events(const char *text, size_t step, int *ret)
{
        struct stream_parser p = STREAM_PARSER_INIT;
        struct rift_buf out = RIFT_BUF_INIT(1u << 20);
        size_t len = strlen(text);
        int r = 0;

        for (size_t i = 0; r >= 0 && i < len; i += step)
                r = stream_feed(&p, text + i, len - i < step ? len - i : step, record, &out);
        stream_parser_free(&p);
        *ret = r;
        return rift_buf_steal(&out);
}

static void cases(void **state)
{
        static const struct {
                const char *in, *want;
        } t[] = {
                { "event: log\nid: 1\ndata: {\"seq\":1}\n\n", "log|1|{\"seq\":1};" },
                { "event: log\r\nid: 2\r\ndata: x\r\n\r\n", "log|2|x;" },
                { "event:log\rdata:y\r\r", "log||y;" },               /* CR alone; no blank after ':' */
                { ": ping\n\n", "" },                                 /* a comment is no event */
                { "data: a\ndata: b\ndata\n\n", "message||a\nb\n;" }, /* joined with \n; bare field */
                { "id: 7\nevent: run\n\nevent: end\ndata: {}\n\n",
                  "end|7|{};" },                           /* no data: not sent; id kept */
                { "data: 1\n\ndata: 2\n", "message||1;" }, /* unfinished event: not sent */
                { "retry: 5\nfoo: bar\ndata:  two spaces\n\n", "message|| two spaces;" },
        };

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                for (size_t step = 1; step <= 3; step += 2) {
                        int r;
                        char *got = events(t[i].in, step == 3 ? strlen(t[i].in) : 1, &r);
                        assert_int_equal(r, 0);
                        assert_string_equal(got, t[i].want);
                        free(got);
                }
}

static void caps(void **state)
{
        static char line[STREAM_MAX_LINE + 16];
        int r;
        char *got;

        memset(line, 'x', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\0';
        got = events(line, 4096, &r);
        assert_int_equal(r, RIFT_E_TOOBIG);
        free(got);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(cases),
                cmocka_unit_test(caps),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
