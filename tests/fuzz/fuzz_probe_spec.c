// link: agent/probes/probe.c agent/probes/probe_parse.c agent/probes/probe_compare.c agent/probes/probe_verdict.c agent/probes/probe_duration.c agent/probes/probe_http.c agent/probes/probe_cmd.c agent/probes/probe_prom.c
/* libFuzzer target: probe spec parsing and validation (probe_set_parse), then every parsed comparator
 * against a few actual values, and the Go duration parser on the raw input. Nothing is executed. A spec
 * that parses must have 1..RIFT_PROBE_MAX_PROBES probes, each with tries >= 1 and a positive timeout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/probes/probe.h"
#include "lib/limits_rift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const actuals[] = { "0", "200", "-1.5", "ready", "", "1e308", "9223372036854775807" };

static void compare_all(const struct probe_comparator *c)
{
        char why[256];
        for (size_t i = 0; i < sizeof actuals / sizeof actuals[0]; i++) {
                int r = probe_compare(c, actuals[i], why, sizeof why);
                if (r > 1)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct probe_set *s = NULL;
        char err[512];

        if (size > RIFT_PROBE_MAX_SPEC + 16)
                return 0;
        if (probe_set_parse((const char *)data, size, err, sizeof err, &s) < 0) {
                if (s || !err[0] || !memchr(err, '\0', sizeof err))
                        abort(); /* failures leave no set and always say why */
        } else {
                if (probe_set_count(s) > RIFT_PROBE_MAX_PROBES)
                        abort();
                for (size_t i = 0; i < probe_set_count(s); i++) {
                        const struct probe_def *d = probe_set_def(s, i);
                        if (d->run.tries < 1 || d->run.timeout_ms <= 0 || !d->name[0])
                                abort();
                        if (d->type == PROBE_TYPE_CMD)
                                compare_all(&d->cmd.cmp);
                        else if (d->type == PROBE_TYPE_PROM)
                                compare_all(&d->prom.cmp);
                        else
                                compare_all(&d->http.code);
                }
                struct probe_score sc;
                probe_set_score(s, PROBE_EXP_PASS, &sc);
                if (sc.psp != 100)
                        abort(); /* nothing ran: Awaited probes do not fail a passing fault */
        }
        probe_set_free(s);

        char dur[64];
        size_t n = size < sizeof dur - 1 ? size : sizeof dur - 1;
        memcpy(dur, data, n);
        dur[n] = '\0';
        int64_t ms;
        if (probe_parse_go_duration(dur, &ms) == 0 && (ms < 0 || ms > RIFT_PROBE_MAX_DURATION_MS))
                abort();
        return 0;
}
