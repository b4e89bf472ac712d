/* Probe verdicts and the probe success percentage, computed as Litmus's final result update does
 * (see docs/probes.md "Scoring"). Pure functions. */
#include "agent/probes/probe.h"
#include "lib/macro.h"

static const char *const verdict_names[] = {
        [PROBE_AWAITED] = "Awaited",
        [PROBE_PASSED] = "Passed",
        [PROBE_FAILED] = "Failed",
        [PROBE_NA] = "N/A",
};

static const char *const exp_verdict_names[] = {
        [PROBE_EXP_AWAITED] = "Awaited", [PROBE_EXP_PASS] = "Pass",   [PROBE_EXP_FAIL] = "Fail",
        [PROBE_EXP_STOPPED] = "Stopped", [PROBE_EXP_ERROR] = "Error",
};

const char *probe_verdict_to_string(enum probe_verdict v)
{
        return (size_t)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "?";
}

const char *probe_exp_verdict_to_string(enum probe_exp_verdict v)
{
        return (size_t)v < ARRAY_SIZE(exp_verdict_names) ? exp_verdict_names[v] : "?";
}

enum probe_verdict probe_edge_verdict(enum probe_verdict pre, enum probe_verdict post)
{
        if (pre == PROBE_FAILED)
                return PROBE_FAILED;
        if (pre == PROBE_AWAITED)
                return post == PROBE_FAILED ? PROBE_FAILED : PROBE_AWAITED;
        return post;
}

void probe_score_compute(enum probe_verdict *verdicts, size_t n, enum probe_exp_verdict fault_verdict,
                         struct probe_score *ret)
{
        struct probe_score s = { .verdict = fault_verdict, .psp = 0, .phase = "Completed" };
        size_t passed = 0;
        bool any_failed = false;

        for (size_t i = 0; i < n; i++) {
                any_failed |= verdicts[i] == PROBE_FAILED;
                passed += verdicts[i] == PROBE_PASSED;
        }
        /* a failed probe turns a passing (or still running) fault into Fail; Stopped/Error stay */
        if (any_failed) {
                s.phase = "Completed_With_Probe_Failure";
                if (s.verdict == PROBE_EXP_PASS || s.verdict == PROBE_EXP_AWAITED)
                        s.verdict = PROBE_EXP_FAIL;
        }
        switch (s.verdict) {
        case PROBE_EXP_PASS:
                s.psp = 100;
                break;
        case PROBE_EXP_FAIL:
        case PROBE_EXP_STOPPED:
                for (size_t i = 0; i < n; i++)
                        if (verdicts[i] == PROBE_AWAITED)
                                verdicts[i] = PROBE_NA;
                s.psp = n ? (int)(passed * 100 / n) : 0;
                break;
        case PROBE_EXP_ERROR:
        case PROBE_EXP_AWAITED:
        default:
                s.psp = 0;
                break;
        }
        *ret = s;
}
