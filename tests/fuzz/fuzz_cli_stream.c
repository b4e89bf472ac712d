// link: cli/stream.c
/* libFuzzer target: riftctl's text/event-stream parser (cli/stream.c) on arbitrary server bytes, fed
 * in two pieces split where the input says, so CR/LF pairs and lines cut across reads are covered.
 * Events must respect the caps, and feeding the same bytes in one piece must give the same events. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/stream.h"
#include "lib/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
        size_t events;   /* events seen */
        uint64_t digest; /* of their names, ids and data */
};

static int on_event(void *ud, const char *event, const char *id, const char *d, size_t len)
{
        struct tally *t = ud;

        if (len > STREAM_MAX_DATA || strlen(event) >= STREAM_MAX_FIELD || strlen(id) >= STREAM_MAX_FIELD ||
            strlen(d) != len)
                abort();
        t->events++;
        for (const char *s = event; *s; s++)
                t->digest = t->digest * 31 + (unsigned char)*s;
        for (const char *s = id; *s; s++)
                t->digest = t->digest * 37 + (unsigned char)*s;
        for (size_t i = 0; i < len; i++)
                t->digest = t->digest * 41 + (unsigned char)d[i];
        return 0;
}

static int run(const uint8_t *data, size_t size, size_t cut, struct tally *t)
{
        struct stream_parser p = STREAM_PARSER_INIT;
        int r = stream_feed(&p, (const char *)data, cut, on_event, t);

        if (r >= 0)
                r = stream_feed(&p, (const char *)data + cut, size - cut, on_event, t);
        stream_parser_free(&p);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tally split = { 0 }, whole = { 0 };
        size_t cut;
        int a, b;

        if (size < 1)
                return 0;
        cut = data[0] % size;
        a = run(data + 1, size - 1, cut < size - 1 ? cut : 0, &split);
        b = run(data + 1, size - 1, 0, &whole);
        if (a != b || split.events != whole.events || split.digest != whole.digest)
                abort();
        return 0;
}
