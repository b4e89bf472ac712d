// link: agent/probes/probe_compare.c agent/probes/probe_duration.c agent/probes/probe_verdict.c
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/probes/probe.h"
#include "lib/error.h"
#include "lib/macro.h"

struct cmp_case {
        const char *type;     /* comparator type */
        const char *criteria; /* operator */
        const char *value;    /* expected */
        const char *actual;   /* probe output */
        int want;             /* 1 met, 0 not met, -1 any error */
};

static const struct cmp_case cases[] = {
        /* int */
        { "int", ">=", "5", "5", 1 },
        { "int", ">=", "5", "4", 0 },
        { "int", "<=", "5", "5", 1 },
        { "int", "<=", "5", "6", 0 },
        { "int", ">", "5", "6", 1 },
        { "int", ">", "5", "5", 0 },
        { "int", "<", "-3", "-4", 1 },
        { "int", "<", "-3", "-3", 0 },
        { "int", "==", "200", "200", 1 },
        { "int", "==", "200", "201", 0 },
        { "int", "!=", "200", "500", 1 },
        { "int", "!=", "200", "200", 0 },
        { "int", "oneOf", "200,201,204", "204", 1 },
        { "int", "oneOf", "[200, 201]", "201", 1 },
        { "int", "oneOf", "200,201", "404", 0 },
        { "int", "between", "10,20", "10", 1 },
        { "int", "between", "10,20", "20", 1 },
        { "int", "between", "10,20", "21", 0 },
        { "int", "between", "10,20", "9", 0 },
        { "int", "==", "5", "5.0", -1 }, /* an int comparator rejects a float output */
        { "int", "==", "5", "five", -1 },
        { "int", "==", "5", " 5 ", 1 }, /* surrounding whitespace is trimmed */
        { "int", "between", "20,10", "15", -1 },
        { "int", "between", "10", "15", -1 },
        { "int", "oneOf", "a,b", "1", -1 },
        /* float */
        { "float", "==", "1", "1.0", 1 },
        { "float", "==", "0.3", "0.30000000000000004", 0 }, /* exact equality, as Litmus */
        { "float", "!=", "0.1", "0.1", 0 },
        { "float", ">=", "99.5", "99.5", 1 },
        { "float", ">", "99.5", "99.49", 0 },
        { "float", "<", "1e3", "999.9", 1 },
        { "float", "between", "0.5,1.5", "1.5", 1 },
        { "float", "between", "0.5,1.5", "1.5000001", 0 },
        { "float", "oneOf", "1.5,2.5", "2.50", 1 },
        { "float", "==", "1", "NaN", -1 },
        { "float", "==", "1", "", -1 },
        /* string */
        { "string", "equal", "ok", "ok", 1 },
        { "string", "equal", "ok", "OK", 0 },
        { "string", "notEqual", "ok", "down", 1 },
        { "string", "notEqual", "ok", "ok", 0 },
        { "string", "contains", "alive", "service is alive", 1 },
        { "string", "contains", "alive", "dead", 0 },
        { "string", "matches", "^v[0-9]+\\.[0-9]+$", "v1.25", 1 },
        { "string", "matches", "^v[0-9]+\\.[0-9]+$", "v1.25-rc", 0 },
        { "string", "notMatches", "err(or)?", "all good", 1 },
        { "string", "notMatches", "err(or)?", "an error", 0 },
        { "string", "matches", "([", "x", -1 },
        /* patterns whose compilation would blow up are refused (stacked or deeply nested quantifiers,
         * huge interval products); ordinary ones with several quantifiers and intervals still work */
        { "string", "matches", "^[0-9]+\\++++++++++++++++++++++++++++++++++++.[0-9]+", "1+2", -1 },
        { "string", "matches", "((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+", "a", -1 },
        { "string", "matches", "(a{300}){300}", "a", -1 },
        { "string", "matches", "a**", "a", -1 },
        { "string", "matches", "^[0-9]{3}-[0-9]{4} [a-z]+ [a-z]+ [+*?]x{2,5}$", "555-1234 ab cd +xxx", 1 },
        { "string", "matches", "[+]+[{]*", "++{{", 1 },
        { "string", "oneOf", "running,ready", "ready", 1 },
        { "string", "oneOf", "running,ready", "read", 0 },
};

static void every_operator(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct cmp_case *c = &cases[i];
                struct probe_comparator cmp = { .value = (char *)c->value };
                char why[256];
                assert_int_equal(probe_cmp_type_from_string(c->type, &cmp.type), 0);
                assert_int_equal(probe_op_from_string(cmp.type, c->criteria, &cmp.op), 0);
                int r = probe_compare(&cmp, c->actual, why, sizeof why);
                if (c->want < 0 ? r >= 0 : r != c->want)
                        fail_msg("case %zu: %s %s %s on %s: got %d (%s)", i, c->type, c->criteria, c->value,
                                 c->actual, r, why);
        }
}

/* String operators are not valid for numbers and vice versa; unknown types are rejected. */
static void operator_sets(void **state)
{
        enum probe_op op;
        enum probe_cmp_type t;
        assert_int_equal(probe_op_from_string(PROBE_CMP_INT, "contains", &op), RIFT_E_INVALID);
        assert_int_equal(probe_op_from_string(PROBE_CMP_FLOAT, "equal", &op), RIFT_E_INVALID);
        assert_int_equal(probe_op_from_string(PROBE_CMP_STRING, "==", &op), RIFT_E_INVALID);
        assert_int_equal(probe_op_from_string(PROBE_CMP_STRING, "between", &op), RIFT_E_INVALID);
        assert_int_equal(probe_op_from_string(PROBE_CMP_STRING, "oneOf", &op), 0);
        assert_int_equal(op, PROBE_OP_ONEOF);
        assert_int_equal(probe_cmp_type_from_string("bool", &t), RIFT_E_INVALID);
}

static void go_durations(void **state)
{
        static const struct {
                const char *s; /* input */
                int64_t ms;    /* result, -1 = rejected */
        } d[] = {
                { "5s", 5000 }, { "500ms", 500 }, { "1m30s", 90000 }, { "2.5s", 2500 }, { "1h", 3600000 },
                { "0", 0 },     { "0s", 0 },      { "1500us", 2 },    { "5", -1 },      { "", -1 },
                { "s", -1 },    { "5x", -1 },     { "-1s", -1 },      { "48h", -1 },    { "1.2.3s", -1 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(d); i++) {
                int64_t ms = -1;
                int r = probe_parse_go_duration(d[i].s, &ms);
                if (d[i].ms < 0)
                        assert_true(r < 0);
                else {
                        assert_int_equal(r, 0);
                        assert_int_equal(ms, d[i].ms);
                }
        }
}

/* probe_round_ms (the agent's llround, so that it does not map libm) agrees with llround. */
static void round_like_llround(void **state)
{
        static const double xs[] = { 0,
                                     0.5,
                                     1.5,
                                     2.5,
                                     0.49999999999999994,
                                     -0.5,
                                     -1.5,
                                     -2.4,
                                     999.4999,
                                     1e3 + 0.5,
                                     1234.56,
                                     3600000,
                                     86400000.5,
                                     4503599627370495.5,
                                     -4503599627370495.5 };
        for (size_t i = 0; i < ARRAY_SIZE(xs); i++) {
                if (probe_round_ms(xs[i]) != llround(xs[i]))
                        fail_msg("%.17g: %lld, llround %lld", xs[i], (long long)probe_round_ms(xs[i]),
                                 llround(xs[i]));
        }
        for (int i = 0; i < 100000; i++) {
                double x = (i - 50000) * 0.0625 + (i % 7) * 1e-9;
                assert_int_equal(probe_round_ms(x), llround(x));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_operator),
                cmocka_unit_test(operator_sets),
                cmocka_unit_test(go_durations),
                cmocka_unit_test(round_like_llround),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
