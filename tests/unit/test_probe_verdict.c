// link: agent/probes/probe_verdict.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/probes/probe.h"
#include "lib/macro.h"

#define A PROBE_AWAITED
#define P PROBE_PASSED
#define F PROBE_FAILED
#define N PROBE_NA

struct score_case {
        enum probe_exp_verdict fault;   /* verdict of the fault itself */
        size_t n;                       /* probes */
        enum probe_verdict in[4];       /* probe verdicts before scoring */
        enum probe_exp_verdict verdict; /* expected experiment verdict */
        int psp;                        /* expected probe success percentage */
        const char *phase;              /* expected phase */
        enum probe_verdict out[4];      /* probe verdicts after scoring */
};

static const struct score_case cases[] = {
        /* all passed */
        { PROBE_EXP_PASS, 2, { P, P }, PROBE_EXP_PASS, 100, "Completed", { P, P } },
        /* no probes: a passing fault scores 100, a failing one 0 */
        { PROBE_EXP_PASS, 0, { 0 }, PROBE_EXP_PASS, 100, "Completed", { 0 } },
        { PROBE_EXP_FAIL, 0, { 0 }, PROBE_EXP_FAIL, 0, "Completed", { 0 } },
        /* one failed probe out of three: Fail, floor(2*100/3) = 66 */
        { PROBE_EXP_PASS, 3, { P, F, P }, PROBE_EXP_FAIL, 66, "Completed_With_Probe_Failure", { P, F, P } },
        /* awaited probes become N/A on Fail and count as not passed */
        { PROBE_EXP_PASS,
          4,
          { P, F, A, P },
          PROBE_EXP_FAIL,
          50,
          "Completed_With_Probe_Failure",
          { P, F, N, P } },
        { PROBE_EXP_FAIL, 3, { P, A, A }, PROBE_EXP_FAIL, 33, "Completed", { P, N, N } },
        /* Stopped keeps its verdict and scores like Fail */
        { PROBE_EXP_STOPPED,
          3,
          { F, A, P },
          PROBE_EXP_STOPPED,
          33,
          "Completed_With_Probe_Failure",
          { F, N, P } },
        /* Error scores 0 whatever the probes did, Awaited stays */
        { PROBE_EXP_ERROR, 2, { P, A }, PROBE_EXP_ERROR, 0, "Completed", { P, A } },
        /* N/A probes (never ran) do not fail a passing fault */
        { PROBE_EXP_PASS, 2, { P, N }, PROBE_EXP_PASS, 100, "Completed", { P, N } },
        /* 1 of 3 passed, all others failed: 33 */
        { PROBE_EXP_PASS, 3, { F, F, P }, PROBE_EXP_FAIL, 33, "Completed_With_Probe_Failure", { F, F, P } },
        { PROBE_EXP_PASS, 1, { F }, PROBE_EXP_FAIL, 0, "Completed_With_Probe_Failure", { F } },
};

static void scoring_table(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct score_case *c = &cases[i];
                enum probe_verdict v[4];
                struct probe_score s;
                memcpy(v, c->in, sizeof v);
                probe_score_compute(v, c->n, c->fault, &s);
                if (s.verdict != c->verdict || s.psp != c->psp || strcmp(s.phase, c->phase) != 0)
                        fail_msg("case %zu: got %s/%d/%s", i, probe_exp_verdict_to_string(s.verdict), s.psp,
                                 s.phase);
                for (size_t j = 0; j < c->n; j++)
                        if (v[j] != c->out[j])
                                fail_msg("case %zu probe %zu: got %s", i, j, probe_verdict_to_string(v[j]));
        }
}

static void edge_rule(void **state)
{
        assert_int_equal(probe_edge_verdict(P, P), P);
        assert_int_equal(probe_edge_verdict(P, F), F);
        assert_int_equal(probe_edge_verdict(F, P), F); /* a PreChaos failure sticks */
        assert_int_equal(probe_edge_verdict(F, F), F);
}

static void litmus_strings(void **state)
{
        assert_string_equal(probe_verdict_to_string(P), "Passed");
        assert_string_equal(probe_verdict_to_string(F), "Failed");
        assert_string_equal(probe_verdict_to_string(N), "N/A");
        assert_string_equal(probe_verdict_to_string(A), "Awaited");
        assert_string_equal(probe_exp_verdict_to_string(PROBE_EXP_STOPPED), "Stopped");
        assert_string_equal(probe_exp_verdict_to_string(PROBE_EXP_PASS), "Pass");
        assert_string_equal(probe_exp_verdict_to_string(PROBE_EXP_FAIL), "Fail");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(scoring_table),
                cmocka_unit_test(edge_rule),
                cmocka_unit_test(litmus_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
