// link: tests/graphql/testschema.c
/* Execution of lib/graphql on the differential test schema with a small inline fixture: input
 * coercion tables, result coercion, null propagation, errors with paths, limits, response JSON,
 * introspection switch, subscriptions and the memory cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/graphql/execute.h"
#include "tests/graphql/testschema.h"

static const char fixture_json[] =
    "{\"users\":[{\"id\":\"u1\",\"name\":\"user 1\",\"email\":null}],"
    "\"experiments\":[{\"id\":\"e1\",\"name\":\"cpu-1\",\"description\":null,\"phase\":\"RUNNING\",\"score\":"
    "37.5,"
    "\"ownerId\":\"u1\",\"faultIds\":[\"f1\"],\"runs\":[{\"id\":\"r1\",\"phase\":\"QUEUED\",\"startedAt\":"
    "null,"
    "\"number\":1},{\"id\":\"r2\",\"phase\":\"ERROR\",\"startedAt\":\"t\",\"number\":3000000000}]}],"
    "\"faults\":[{\"id\":\"f1\",\"name\":\"net-1\",\"category\":\"NETWORK\",\"durationSeconds\":30,"
    "\"weight\":0.1,"
    "\"tunables\":[],\"tags\":[\"a\",null]}],"
    "\"probes\":[{\"id\":\"p1\",\"name\":\"probe-1\",\"kind\":\"cmd\",\"successPercent\":1e21}]}";

static struct gql_schema *schema;

/* Runs one request with the given limits (NULL: defaults) and returns the JSON response. */
static char *run_with(const struct gql_limits *lim, const char *query, const char *vars)
{
        struct rift_buf out = RIFT_BUF_INIT(1 << 20);
        struct gql_engine *e = NULL;

        assert_int_equal(gql_engine_new(schema, lim, &e), 0);
        assert_int_equal(gql_execute(e, query, strlen(query), vars, NULL, NULL, &out), 0);
        gql_engine_free(e);
        testschema_request_done();
        return rift_buf_steal(&out);
}

static void expect(const char *query, const char *vars, const char *want)
{
        char *got = run_with(NULL, query, vars);

        if (strcmp(got, want))
                fail_msg("query %s\n  got  %s\n  want %s", query, got, want);
        free(got);
}

static void data_and_order(void **state)
{
        expect("{ me { name id } b: me { id } }", NULL,
               "{\"data\":{\"me\":{\"name\":\"user 1\",\"id\":\"u1\"},\"b\":{\"id\":\"u1\"}}}");
        /* merged fields keep the first position; fragments expand in place */
        expect("{ me { id ...F id } } fragment F on User { name email }", NULL,
               "{\"data\":{\"me\":{\"id\":\"u1\",\"name\":\"user 1\",\"email\":null}}}");
        expect("{ node(id: \"f1\") { __typename ... on Fault { tags weight } } search(text: \"1\") { ... on "
               "Probe { kind } "
               "__typename } }",
               NULL,
               "{\"data\":{\"node\":{\"__typename\":\"Fault\",\"tags\":[\"a\",null],\"weight\":0.1},"
               "\"search\":[{\"__typename\":"
               "\"Fault\"},{\"kind\":\"cmd\",\"__typename\":\"Probe\"}]}}");
        /* floats print like JavaScript */
        expect("{ node(id: \"p1\") { ... on Probe { successPercent } } }", NULL,
               "{\"data\":{\"node\":{\"successPercent\":1e+21}}}");
        expect("{ me { id @skip(if: true) name @include(if: false) email } }", NULL,
               "{\"data\":{\"me\":{\"email\":null}}}");
}

static const struct {
        const char *query; /* echo call */
        const char *vars;  /* variables JSON or NULL */
        const char *want;  /* full response */
} coercion[] = {
        { "{ echo(int: 7, float: 2, id: 12, string: \"\\u00e9\", boolean: true) }", NULL,
          "{\"data\":{\"echo\":\"{\\\"int\\\":7,\\\"float\\\":2,\\\"string\\\":\\\"\xC3\xA9\\\","
          "\\\"boolean\\\":true,\\\"id\\\":\\\"12\\\"}\"}}" },
        { "{ echo(list: 5, nested: \"x\") }", NULL,
          "{\"data\":{\"echo\":\"{\\\"list\\\":[5],\\\"nested\\\":[[\\\"x\\\"]]}\"}}" },
        { "{ echo(string: null) }", NULL, "{\"data\":{\"echo\":\"{\\\"string\\\":null}\"}}" },
        { "{ echo(input: {name: \"n\", faults: {name: \"f\", category: NETWORK}}) }", NULL,
          "{\"data\":{\"echo\":\"{\\\"input\\\":{\\\"name\\\":\\\"n\\\",\\\"faults\\\":[{\\\"name\\\":"
          "\\\"f\\\",\\\"category\\\":"
          "\\\"NETWORK\\\",\\\"durationSeconds\\\":30}]}}\"}}" },
        { "query ($i: Int, $p: Phase, $d: ID) { echo(int: $i, phase: $p, id: $d) }",
          "{\"i\": 1.0, \"p\": \"ERROR\", \"d\": 5}",
          "{\"data\":{\"echo\":\"{\\\"int\\\":1,\\\"id\\\":\\\"5\\\",\\\"phase\\\":\\\"ERROR\\\"}\"}}" },
        { "query ($l: [Int]) { echo(list: $l) }", "{\"l\": 3}",
          "{\"data\":{\"echo\":\"{\\\"list\\\":[3]}\"}}" },
        { "query ($i: Int) { echo(int: $i) }", "{}", "{\"data\":{\"echo\":\"{}\"}}" },
        { "query ($i: Int = 4) { echo(int: $i) }", "{\"i\": null}",
          "{\"data\":{\"echo\":\"{\\\"int\\\":null}\"}}" },
        { "query ($i: Int) { echo(int: $i) }", "{\"i\": 2147483648}",
          "{\"errors\":[{\"message\":\"Variable \\\"$i\\\" got invalid value 2147483648; Int cannot "
          "represent non 32-bit "
          "signed integer value: 2147483648\",\"locations\":[{\"line\":1,\"column\":8}]}]}" },
        { "query ($i: Int) { echo(int: $i) }", "{\"i\": 1.5}",
          "{\"errors\":[{\"message\":\"Variable \\\"$i\\\" got invalid value 1.5; Int cannot represent "
          "non-integer value: "
          "1.5\",\"locations\":[{\"line\":1,\"column\":8}]}]}" },
        { "query ($f: Float) { echo(float: $f) }", "{\"f\": \"1\"}",
          "{\"errors\":[{\"message\":\"Variable \\\"$f\\\" got invalid value \\\"1\\\"; Float cannot "
          "represent non numeric "
          "value: \\\"1\\\"\",\"locations\":[{\"line\":1,\"column\":8}]}]}" },
        { "query ($p: Phase) { echo(phase: $p) }", "{\"p\": \"DONE\"}",
          "{\"errors\":[{\"message\":\"Variable \\\"$p\\\" got invalid value \\\"DONE\\\"; Value "
          "\\\"DONE\\\" does not exist "
          "in \\\"Phase\\\" enum.\",\"locations\":[{\"line\":1,\"column\":8}]}]}" },
        { "query ($n: NewExperiment) { echo(input: $n) }",
          "{\"n\": {\"name\": \"x\", \"faults\": [{\"name\": 1}]}}",
          "{\"errors\":[{\"message\":\"Variable \\\"$n\\\" got invalid value 1 at \\\"n.faults[0].name\\\"; "
          "String cannot "
          "represent a non string value: "
          "1\",\"locations\":[{\"line\":1,\"column\":8}]},{\"message\":\"Variable \\\"$n\\\" "
          "got invalid value { name: 1 } at \\\"n.faults[0]\\\"; Field \\\"category\\\" of required type "
          "\\\"FaultCategory!\\\" was not provided.\",\"locations\":[{\"line\":1,\"column\":8}]}]}" },
        { "query ($id: ID!) { experiment(id: $id) { id } }", "{}",
          "{\"errors\":[{\"message\":\"Variable \\\"$id\\\" of required type \\\"ID!\\\" was not "
          "provided.\",\"locations\":"
          "[{\"line\":1,\"column\":8}]}]}" },
        { "query ($id: ID!) { experiment(id: $id) { id } }", "{\"id\": null}",
          "{\"errors\":[{\"message\":\"Variable \\\"$id\\\" of non-null type \\\"ID!\\\" must not be "
          "null.\",\"locations\":"
          "[{\"line\":1,\"column\":8}]}]}" },
};

static void coercion_table(void **state)
{
        for (size_t i = 0; i < sizeof(coercion) / sizeof(coercion[0]); i++)
                expect(coercion[i].query, coercion[i].vars, coercion[i].want);
}

static void null_propagation(void **state)
{
        /* brokenRequired is String!: the null bubbles to the nearest nullable parent (experiment) */
        expect("{ experiment(id: \"e1\") { id brokenRequired } me { id } }", NULL,
               "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field "
               "Experiment.brokenRequired.\","
               "\"locations\":[{\"line\":1,\"column\":29}],\"path\":[\"experiment\",\"brokenRequired\"]}],"
               "\"data\":{"
               "\"experiment\":null,\"me\":{\"id\":\"u1\"}}}");
        /* inside [Experiment!]! the error nulls the whole list, then me.experiments is non-null: me is null */
        expect("{ me { experiments { brokenRequired } } }", NULL,
               "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field "
               "Experiment.brokenRequired.\","
               "\"locations\":[{\"line\":1,\"column\":22}],\"path\":[\"me\",\"experiments\",0,"
               "\"brokenRequired\"]}],\"data\":{"
               "\"me\":null}}");
        /* a non-null root field error nulls data */
        expect("{ failing nonNullFailing }", NULL,
               "{\"errors\":[{\"message\":\"always "
               "fails\",\"locations\":[{\"line\":1,\"column\":3}],\"path\":[\"failing\"]},"
               "{\"message\":\"always "
               "fails\",\"locations\":[{\"line\":1,\"column\":11}],\"path\":[\"nonNullFailing\"]}],"
               "\"data\":null}");
        /* result coercion: an Int out of 32-bit range is a field error at its list index */
        expect(
            "{ experiment(id: \"e1\") { runs { number } } }", NULL,
            "{\"errors\":[{\"message\":\"Int cannot represent non 32-bit signed integer value: 3000000000\","
            "\"locations\":[{\"line\":1,\"column\":33}],\"path\":[\"experiment\",\"runs\",1,\"number\"]}],"
            "\"data\":{"
            "\"experiment\":null}}");
        /* resolver errors with arguments: first < 0 */
        expect("{ experiment(id: \"e1\") { id runs(first: -1) { id } } }", NULL,
               "{\"errors\":[{\"message\":\"first must be >= "
               "0\",\"locations\":[{\"line\":1,\"column\":29}],\"path\":["
               "\"experiment\",\"runs\"]}],\"data\":{\"experiment\":null}}");
}

/* GQL_EXEC_ALL_ROOT_FIELDS: the root fields after a non-null one that failed still run (rift-backend's
 * authorisation discovery pass depends on it); without it they do not, as in graphql-js. */
static void all_root_fields(void **state)
{
        const char *q = "{ nonNullFailing failing }";
        struct rift_buf out = RIFT_BUF_INIT(1 << 20);
        struct gql_engine *e = NULL;

        assert_int_equal(gql_engine_new(schema, NULL, &e), 0);
        assert_int_equal(gql_execute(e, q, strlen(q), NULL, NULL, NULL, &out), 0);
        assert_non_null(strstr(out.data, "\"path\":[\"nonNullFailing\"]"));
        assert_null(strstr(out.data, "\"path\":[\"failing\"]"));
        out.len = 0;
        assert_int_equal(gql_execute_flags(e, q, strlen(q), NULL, NULL, NULL, GQL_EXEC_ALL_ROOT_FIELDS, &out),
                         0);
        assert_non_null(strstr(out.data, "\"path\":[\"nonNullFailing\"]"));
        assert_non_null(strstr(out.data, "\"path\":[\"failing\"]"));
        assert_non_null(strstr(out.data, "\"data\":null"));
        rift_buf_free(&out);
        gql_engine_free(e);
        testschema_request_done();
}

static void operations(void **state)
{
        struct rift_buf out = RIFT_BUF_INIT(1 << 20);
        struct gql_engine *e = NULL;
        const char *q =
            "query A { me { id } } query B { me { name } } mutation M { deleteExperiment(id: \"e1\") }";

        assert_int_equal(gql_engine_new(schema, NULL, &e), 0);
        assert_int_equal(gql_execute(e, q, strlen(q), NULL, "B", NULL, &out), 0);
        assert_string_equal(out.data, "{\"data\":{\"me\":{\"name\":\"user 1\"}}}");
        rift_buf_reset(&out);
        assert_int_equal(gql_execute(e, q, strlen(q), NULL, "M", NULL, &out), 0);
        assert_string_equal(out.data, "{\"data\":{\"deleteExperiment\":true}}");
        rift_buf_reset(&out);
        assert_int_equal(gql_execute(e, q, strlen(q), NULL, NULL, NULL, &out), 0);
        assert_string_equal(
            out.data, "{\"errors\":[{\"message\":\"Must provide operation name if query contains multiple "
                      "operations.\"}]}");
        rift_buf_reset(&out);
        assert_int_equal(gql_execute(e, q, strlen(q), NULL, "Z", NULL, &out), 0);
        assert_string_equal(out.data, "{\"errors\":[{\"message\":\"Unknown operation named \\\"Z\\\".\"}]}");
        gql_engine_free(e);
        rift_buf_free(&out);
}

static void mutation_creates(void **state)
{
        expect("mutation { createExperiment(input: {name: \"z\", faults: [{name: \"a\", category: "
               "PROCESS}]}) { id phase "
               "score owner { id } faults { id durationSeconds weight tags } } }",
               NULL,
               "{\"data\":{\"createExperiment\":{\"id\":\"new-z\",\"phase\":\"QUEUED\",\"score\":null,"
               "\"owner\":null,\"faults\":[{"
               "\"id\":\"nf-0\",\"durationSeconds\":30,\"weight\":null,\"tags\":null}]}}}");
}

/* A limit error is one error in GraphQL format, without data. */
static void expect_limit(const struct gql_limits *lim, const char *query, const char *fragment)
{
        char *got = run_with(lim, query, NULL);

        if (!strstr(got, fragment) || strstr(got, "\"data\"") ||
            strncmp(got, "{\"errors\":[{\"message\":", 22))
                fail_msg("query %.60s: got %s", query, got);
        free(got);
}

static void limits(void **state)
{
        struct gql_limits lim;
        char big[4096];
        size_t n = 0;

        gql_limits_default(&lim);
        lim.max_depth = 3;
        expect_limit(&lim, "{ me { experiments { owner { id } } } }",
                     "Query depth exceeds the maximum of 3.");
        /* depth counts through fragments */
        expect_limit(&lim, "{ me { ...F } } fragment F on User { experiments { owner { id } } }", "depth");
        gql_limits_default(&lim);
        lim.max_fields = 10;
        n += (size_t)snprintf(big, sizeof(big), "{ ");
        for (int i = 0; i < 11; i++)
                n += (size_t)snprintf(big + n, sizeof(big) - n, "a%d: me { id } ", i);
        snprintf(big + n, sizeof(big) - n, "}");
        expect_limit(&lim, big, "Query selects more than 10 fields.");
        /* an alias bomb through fragments: 2^12 fields from a short document */
        gql_limits_default(&lim);
        lim.max_fields = 1000;
        n = (size_t)snprintf(big, sizeof(big), "{ ...F0 } ");
        for (int i = 0; i < 12; i++)
                n += (size_t)snprintf(big + n, sizeof(big) - n, "fragment F%d on Query { ...F%d ...F%d } ", i,
                                      i + 1, i + 1);
        snprintf(big + n, sizeof(big) - n, "fragment F12 on Query { __typename }");
        expect_limit(&lim, big, "Query");
        gql_limits_default(&lim);
        lim.max_complexity = 50; /* experiments is a list: its fields cost 10 each */
        expect_limit(&lim, "{ me { experiments { id name description phase score } } }",
                     "Query complexity exceeds the maximum of 50.");
        gql_limits_default(&lim);
        lim.max_document = 10;
        expect_limit(&lim, "{ me { id name } }", "Document is larger than 10 bytes.");
        gql_limits_default(&lim);
        lim.max_tokens = 5;
        expect_limit(&lim, "{ me { id name } }",
                     "Syntax Error: Document contains more than 5 tokens. Parsing aborted.");
        gql_limits_default(&lim);
        lim.max_memory = 48 * 1024;
        expect_limit(
            &lim,
            "{ __schema { types { name fields { name args { name } type { name ofType { name } } } } } }",
            "memory limit");
}

static void introspection_off(void **state)
{
        struct gql_limits lim;

        gql_limits_default(&lim);
        lim.introspection = false;
        expect_limit(&lim, "{ __type(name: \"User\") { name } }", "introspection has been disabled");
        free(run_with(&lim, "{ __typename }", NULL));
}

static void subscription_source(void **state)
{
        struct rift_buf out = RIFT_BUF_INIT(1 << 20);
        struct gql_engine *e = NULL;
        struct gql_request *req = NULL;
        const struct gql_value *src = NULL;
        const char *q = "subscription { u: runUpdates(experimentId: \"e1\") { id phase } }";

        assert_int_equal(gql_engine_new(schema, NULL, &e), 0);
        assert_int_equal(gql_subscribe(e, q, strlen(q), NULL, NULL, NULL, &out, &req, &src), 1);
        assert_int_equal(out.len, 0);
        assert_non_null(src);
        assert_int_equal(src->kind, GQL_LIST);
        assert_int_equal(src->list.n, 2);
        for (size_t i = 0; i < src->list.n; i++) {
                rift_buf_reset(&out);
                assert_int_equal(gql_request_execute_event(req, src->list.items[i], &out), 0);
        }
        assert_string_equal(out.data, "{\"data\":{\"u\":{\"id\":\"r2\",\"phase\":\"ERROR\"}}}");
        gql_request_free(req);
        /* a query is not a subscription; an invalid subscription gives errors */
        rift_buf_reset(&out);
        assert_int_equal(gql_subscribe(e, "{ me { id } }", 13, NULL, NULL, NULL, &out, &req, &src), 0);
        assert_non_null(strstr(out.data, "not a subscription"));
        gql_engine_free(e);
        rift_buf_free(&out);
}

/* Floats are printed as JavaScript's String(number) prints them (the expected texts come from node). */
static void float_text(void **state)
{
        static const struct {
                double d;
                const char *text;
        } cases[] = {
                { 0.1, "0.1" },
                { 1e21, "1e+21" },
                { 1.5e-7, "1.5e-7" },
                { 123.456, "123.456" },
                { 1e-7, "1e-7" },
                { 5e-324, "5e-324" },
                { 1.7976931348623157e308, "1.7976931348623157e+308" },
                { -0.0, "0" },
                { 100, "100" },
                { 1e15, "1000000000000000" },
                { 123456789012345680000.0, "123456789012345680000" },
                { 0.000001, "0.000001" },
                { -2.5e-10, "-2.5e-10" },
                { 1.0 / 3, "0.3333333333333333" },
                { 9007199254740992.0, "9007199254740992" },
                { 4.35, "4.35" },
                { -37.5, "-37.5" },
                { -100, "-100" },
                { 0.5, "0.5" },
                { 999999999999999.9, "999999999999999.9" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct rift_buf b = RIFT_BUF_INIT(64);

                assert_int_equal(gql_json_write_double(&b, cases[i].d), 0);
                assert_string_equal(b.data, cases[i].text);
                rift_buf_free(&b);
        }
}

/* JSON string escaping like JSON.stringify, checked against a byte-at-a-time reference for every
 * position of each special byte inside plain runs of several lengths (the writer scans 8 bytes at a time). */
static void ref_escape(struct rift_buf *b, const char *s, size_t len)
{
        rift_buf_append_char(b, '"');
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '"' || c == '\\')
                        rift_buf_printf(b, "\\%c", c);
                else if (c == '\n')
                        rift_buf_append_str(b, "\\n");
                else if (c == '\t')
                        rift_buf_append_str(b, "\\t");
                else if (c == '\r')
                        rift_buf_append_str(b, "\\r");
                else if (c == '\b')
                        rift_buf_append_str(b, "\\b");
                else if (c == '\f')
                        rift_buf_append_str(b, "\\f");
                else if (c < 0x20)
                        rift_buf_printf(b, "\\u%04x", c);
                else
                        rift_buf_append_char(b, (char)c);
        }
        rift_buf_append_char(b, '"');
}

static void string_escapes(void **state)
{
        static const char specials[] = { '"',        '\\', '\n', '\t', 0x01, 0x1f, 0x7f,
                                         (char)0xc3, ' ',  '!',  '#',  '[',  ']' };

        for (size_t len = 0; len <= 24; len++)
                for (size_t pos = 0; pos < len; pos++)
                        for (size_t k = 0; k < sizeof(specials); k++) {
                                char s[32];
                                struct rift_buf got = RIFT_BUF_INIT(256), want = RIFT_BUF_INIT(256);

                                memset(s, 'a', len);
                                s[pos] = specials[k];
                                if (pos + 3 < len)
                                        s[pos + 3] = '"';
                                assert_int_equal(gql_json_write_string(&got, s, len), 0);
                                ref_escape(&want, s, len);
                                assert_int_equal(got.len, want.len);
                                assert_memory_equal(got.data, want.data, want.len);
                                rift_buf_free(&got);
                                rift_buf_free(&want);
                        }
}

static int setup(void **state)
{
        char err[256];

        assert_int_equal(testschema_load_text(fixture_json), 0);
        assert_int_equal(gql_schema_new(testschema_def(), err, sizeof(err), &schema), 0);
        return 0;
}

static int teardown(void **state)
{
        gql_schema_free(schema);
        testschema_unload();
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(data_and_order),
                cmocka_unit_test(coercion_table),
                cmocka_unit_test(null_propagation),
                cmocka_unit_test(all_root_fields),
                cmocka_unit_test(operations),
                cmocka_unit_test(mutation_creates),
                cmocka_unit_test(limits),
                cmocka_unit_test(introspection_off),
                cmocka_unit_test(subscription_source),
                cmocka_unit_test(float_text),
                cmocka_unit_test(string_escapes),
        };
        return cmocka_run_group_tests_name("graphql_exec", tests, setup, teardown);
}
