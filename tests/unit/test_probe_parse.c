// link: agent/probes/probe.c agent/probes/probe_parse.c agent/probes/probe_compare.c agent/probes/probe_verdict.c agent/probes/probe_duration.c agent/probes/probe_http.c agent/probes/probe_cmd.c agent/probes/probe_prom.c agent/probes/curl_dl.c agent/dl.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/probes/probe.h"
#include "lib/error.h"
#include "lib/macro.h"

#define RP "\"runProperties\":{\"probeTimeout\":\"5s\",\"interval\":\"2s\"}"
#define CMD_IN                                                                                               \
        "\"cmdProbe/inputs\":{\"command\":\"echo "                                                           \
        "1\",\"comparator\":{\"type\":\"int\",\"criteria\":\"==\",\"value\":\"1\"}}"
static int parse(const char *json, char *err, size_t errsz, struct probe_set **ret)
{
        return probe_set_parse(json, strlen(json), err, errsz, ret);
}

/* Each malformed spec is rejected and the message names the offending field. */
static void errors_name_the_field(void **state)
{
        static const struct {
                const char *spec; /* input */
                const char *want; /* substring of the error */
        } cases[] = {
                { "not json", "not valid JSON" },
                { "{\"probe\":3}", "array of probes" },
                { "[{\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP "," CMD_IN "}]", "probe[0].name: missing" },
                { "[{\"name\":\"\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP "," CMD_IN "}]",
                  "name: must not be empty" },
                { "[{\"name\":\"a\",\"type\":\"k8sProbe\",\"mode\":\"SOT\"," RP "}]", "\"a\".type" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"Sometimes\"," RP "," CMD_IN "}]",
                  "\"a\".mode" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," CMD_IN "}]",
                  "runProperties: missing" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{\"interval\":"
                  "\"1s\"}," CMD_IN "}]",
                  "runProperties.probeTimeout: missing" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{"
                  "\"probeTimeout\":\"5q\","
                  "\"interval\":\"1s\"}," CMD_IN "}]",
                  "runProperties.probeTimeout: not a duration" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{"
                  "\"probeTimeout\":\"5s\","
                  "\"interval\":\"1s\",\"attempt\":-2}," CMD_IN "}]",
                  "runProperties.attempt" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{"
                  "\"probeTimeout\":\"5s\","
                  "\"interval\":\"1s\",\"retry\":3e25}," CMD_IN "}]",
                  "runProperties.retry: must be an integer" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{"
                  "\"probeTimeout\":\"5s\","
                  "\"interval\":\"1s\",\"retires\":2}," CMD_IN "}]",
                  "runProperties.retires: unknown" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\",\"runProperties\":{"
                  "\"probeTimeout\":\"5s\","
                  "\"interval\":\"1s\",\"stopOnFailure\":\"maybe\"}," CMD_IN "}]",
                  "runProperties.stopOnFailure" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP "}]",
                  "cmdProbe/inputs: missing" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP
                  ",\"cmdProbe/inputs\":{\"comparator\":{}}}]",
                  "cmdProbe/inputs.command: missing" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP ",\"cmdProbe/"
                  "inputs\":{\"command\":\"true\",\"comparator\":{\"type\":\"int\",\"criteria\":\"contains\","
                  "\"value\":\"1\"}}}]",
                  "comparator.criteria" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP ",\"cmdProbe/"
                  "inputs\":{\"command\":\"true\",\"comparator\":{\"type\":\"bool\",\"criteria\":\"==\","
                  "\"value\":\"1\"}}}]",
                  "comparator.type" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP ",\"cmdProbe/"
                  "inputs\":{\"command\":\"true\",\"comparator\":{\"type\":\"int\",\"criteria\":\"between\","
                  "\"value\":\"5\"}}}]",
                  "comparator.value" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP ",\"cmdProbe/"
                  "inputs\":{\"command\":\"true\",\"comparator\":{\"type\":\"string\",\"criteria\":"
                  "\"matches\","
                  "\"value\":\"([\"}}}]",
                  "comparator.value" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP ",\"cmdProbe/"
                  "inputs\":{\"command\":\"true\",\"source\":{\"image\":\"x\"},\"comparator\":{\"type\":"
                  "\"int\",\"criteria\":\"==\",\"value\":\"1\"}}}]",
                  "cmdProbe/inputs.source" },
                { "[{\"name\":\"h\",\"type\":\"httpProbe\",\"mode\":\"SOT\"," RP
                  ",\"httpProbe/inputs\":{\"url\":\"ftp://"
                  "x\",\"method\":{\"get\":{\"criteria\":\"==\",\"responseCode\":"
                  "\"200\"}}}}]",
                  "httpProbe/inputs.url" },
                { "[{\"name\":\"h\",\"type\":\"httpProbe\",\"mode\":\"SOT\"," RP
                  ",\"httpProbe/inputs\":{\"url\":\"http://x\",\"method\":{}}}]",
                  "method: needs exactly one of get or post" },
                { "[{\"name\":\"h\",\"type\":\"httpProbe\",\"mode\":\"SOT\"," RP
                  ",\"httpProbe/inputs\":{\"url\":\"http://x\",\"method\":{\"get\":{\"criteria\":\">=\","
                  "\"responseCode\":\"200\"}}}}]",
                  "method.get.criteria" },
                { "[{\"name\":\"h\",\"type\":\"httpProbe\",\"mode\":\"SOT\"," RP
                  ",\"httpProbe/inputs\":{\"url\":\"http://x\",\"method\":{\"get\":{\"criteria\":\"==\","
                  "\"responseCode\":\"ok\"}}}}]",
                  "method.get.responseCode" },
                { "[{\"name\":\"h\",\"type\":\"httpProbe\",\"mode\":\"SOT\"," RP
                  ",\"httpProbe/inputs\":{\"url\":\"http://x\",\"method\":{\"post\":{\"criteria\":\"==\","
                  "\"responseCode\":\"200\",\"body\":\"{}\",\"bodyPath\":\"/tmp/x\"}}}}]",
                  "body and bodyPath" },
                { "[{\"name\":\"p\",\"type\":\"promProbe\",\"mode\":\"EOT\"," RP
                  ",\"promProbe/inputs\":{\"endpoint\":\"http://"
                  "x\",\"comparator\":{\"criteria\":\">\",\"value\":\"1\"}}}]",
                  "exactly one of query or queryPath" },
                { "[{\"name\":\"p\",\"type\":\"promProbe\",\"mode\":\"EOT\"," RP
                  ",\"promProbe/inputs\":{\"endpoint\":\"http://"
                  "x\",\"query\":\"up\",\"comparator\":{\"criteria\":"
                  "\"contains\",\"value\":\"1\"}}}]",
                  "promProbe/inputs.comparator.criteria" },
                { "[{\"name\":\"p\",\"type\":\"promProbe\",\"mode\":\"EOT\"," RP
                  ",\"promProbe/inputs\":{\"endpoint\":\"http://x\",\"queryPath\":\"/nonexistent/"
                  "q\",\"comparator\":{"
                  "\"criteria\":\">\",\"value\":\"1\"}}}]",
                  "queryPath: cannot read" },
                { "[{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP "," CMD_IN
                  "},{\"name\":\"a\",\"type\":\"cmdProbe\",\"mode\":\"EOT\"," RP "," CMD_IN "}]",
                  "probe[1].name: \"a\" is used twice" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct probe_set *s = NULL;
                char err[512] = "";
                int r = parse(cases[i].spec, err, sizeof err, &s);
                if (r >= 0 || !strstr(err, cases[i].want))
                        fail_msg("case %zu: r=%d err=\"%s\", wanted \"%s\"", i, r, err, cases[i].want);
                assert_null(s);
        }
}

/* A spec in Litmus's shape: both run property spellings, defaults and per-type inputs land in the set. */
static void litmus_fields(void **state)
{
        static const char spec[] =
            "{\"probe\":["
            "{\"name\":\"check-frontend\",\"type\":\"httpProbe\",\"mode\":\"Continuous\","
            "\"runProperties\":{\"probeTimeout\":5,\"interval\":2,\"retry\":3,\"probePollingInterval\":2,"
            "\"stopOnFailure\":true},"
            "\"httpProbe/inputs\":{\"url\":\"https://127.0.0.1:8443/health\",\"insecureSkipVerify\":true,"
            "\"responseTimeout\":1500,\"method\":{\"post\":{\"contentType\":\"application/"
            "json\",\"body\":\"{}\","
            "\"criteria\":\"oneOf\",\"responseCode\":\"200,201\"}}}},"
            "{\"name\":\"cmd\",\"type\":\"cmdProbe\",\"mode\":\"Edge\","
            "\"runProperties\":{\"probeTimeout\":\"1m30s\",\"interval\":\"500ms\",\"attempt\":2,\"retry\":7,"
            "\"initialDelay\":\"1s\",\"evaluationTimeout\":\"10s\",\"verbosity\":\"info\"},"
            "\"cmdProbe/inputs\":{\"command\":\"cat /proc/loadavg\",\"comparator\":{\"type\":\"float\","
            "\"criteria\":\"between\",\"value\":\"0,4.5\"}}},"
            "{\"name\":\"prom\",\"type\":\"promProbe\",\"mode\":\"OnChaos\","
            "\"runProperties\":{\"probeTimeout\":\"2s\",\"interval\":\"1s\",\"initialDelaySeconds\":3},"
            "\"promProbe/inputs\":{\"endpoint\":\"http://127.0.0.1:9090\",\"query\":\"sum(up)\","
            "\"comparator\":{\"criteria\":\">=\",\"value\":\"1\"}}}]}";
        struct probe_set *s = NULL;
        char err[512] = "";
        assert_int_equal(parse(spec, err, sizeof err, &s), 0);
        assert_int_equal(probe_set_count(s), 3);

        const struct probe_def *h = probe_set_def(s, 0);
        assert_int_equal(h->type, PROBE_TYPE_HTTP);
        assert_int_equal(h->mode, PROBE_MODE_CONTINUOUS);
        assert_int_equal(h->run.timeout_ms, 5000); /* plain numbers are seconds */
        assert_int_equal(h->run.interval_ms, 2000);
        assert_int_equal(h->run.polling_ms, 2000);
        assert_int_equal(h->run.tries, 3); /* retry when no attempt */
        assert_true(h->run.stop_on_failure);
        assert_true(h->http.post);
        assert_true(h->http.insecure);
        assert_int_equal(h->http.response_timeout_ms, 1500);
        assert_string_equal(h->http.body, "{}");
        assert_string_equal(h->http.content_type, "application/json");
        assert_int_equal(h->http.code.op, PROBE_OP_ONEOF);

        const struct probe_def *c = probe_set_def(s, 1);
        assert_int_equal(c->mode, PROBE_MODE_EDGE);
        assert_int_equal(c->run.timeout_ms, 90000);
        assert_int_equal(c->run.interval_ms, 500);
        assert_int_equal(c->run.tries, 2); /* attempt wins over retry */
        assert_int_equal(c->run.initial_delay_ms, 1000);
        assert_int_equal(c->run.eval_timeout_ms, 10000);
        assert_int_equal(c->run.polling_ms, 1000); /* default */
        assert_int_equal(c->cmd.cmp.type, PROBE_CMP_FLOAT);
        assert_int_equal(c->cmd.cmp.op, PROBE_OP_BETWEEN);

        const struct probe_def *p = probe_set_def(s, 2);
        assert_int_equal(p->mode, PROBE_MODE_ONCHAOS);
        assert_int_equal(p->run.tries, 1);
        assert_int_equal(p->run.initial_delay_ms, 3000);
        assert_string_equal(p->prom.query, "sum(up)");
        assert_int_equal(p->prom.cmp.type, PROBE_CMP_FLOAT); /* prom compares as float */

        struct probe_result res;
        assert_int_equal(probe_set_result(s, 1, &res), 0);
        assert_string_equal(res.name, "cmd");
        assert_int_equal(res.verdict, PROBE_AWAITED);
        probe_set_free(s);
}

/* A bare array is accepted too, an empty list is a valid (empty) set, and size limits hold. */
static void shapes_and_limits(void **state)
{
        struct probe_set *s = NULL;
        char err[256];
        assert_int_equal(parse("[]", err, sizeof err, &s), 0);
        assert_int_equal(probe_set_count(s), 0);
        probe_set_free(s);
        s = NULL;

        /* 33 probes: over the limit */
        size_t cap = 64 * 1024, len = 0;
        char *big = malloc(cap);
        assert_non_null(big);
        len += (size_t)snprintf(big + len, cap - len, "[");
        for (int i = 0; i < 33; i++)
                len += (size_t)snprintf(big + len, cap - len,
                                        "%s{\"name\":\"p%d\",\"type\":\"cmdProbe\",\"mode\":\"SOT\"," RP
                                        "," CMD_IN "}",
                                        i ? "," : "", i);
        snprintf(big + len, cap - len, "]");
        assert_true(parse(big, err, sizeof err, &s) < 0);
        assert_non_null(strstr(err, "more than 32"));
        free(big);
        probe_set_free(NULL); /* destructor accepts NULL */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(errors_name_the_field),
                cmocka_unit_test(litmus_fields),
                cmocka_unit_test(shapes_and_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
