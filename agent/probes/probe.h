/* Litmus-style probes for rift-agent: httpProbe, cmdProbe and promProbe checks run around a fault in the
 * modes SOT, EOT, Edge, Continuous and OnChaos, and the verdict / probe success percentage they produce.
 *
 * Life of a probe set (called by the agent's fault runner, see docs/probes.md):
 *   probe_set_parse()                                  JSON -> validated set, errors name the field
 *   probe_run_phase(set, PROBE_PHASE_PRE_CHAOS, 0)     SOT + Edge run now; Continuous threads start
 *   probe_run_phase(set, PROBE_PHASE_CHAOS_START, d)   OnChaos threads start for the chaos duration d
 *   probe_set_stop_requested(set)                      poll: a stopOnFailure Continuous/OnChaos probe failed
 *   probe_run_phase(set, PROBE_PHASE_POST_CHAOS, 0)    cancel + join background probes, then EOT + Edge
 *   probe_set_score(set, fault_verdict, &score)        per-probe verdicts, experiment verdict, PSP
 *   probe_set_free(set)
 * Background modes run each probe on its own thread (one thread per Continuous/OnChaos probe); the
 * synchronous modes run on the caller's thread and block for at most tries x (timeout + interval). */
#ifndef RIFT_AGENT_PROBE_H
#define RIFT_AGENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum probe_type { PROBE_TYPE_HTTP, PROBE_TYPE_CMD, PROBE_TYPE_PROM, _PROBE_TYPE_MAX };
enum probe_mode {
        PROBE_MODE_SOT,
        PROBE_MODE_EOT,
        PROBE_MODE_EDGE,
        PROBE_MODE_CONTINUOUS,
        PROBE_MODE_ONCHAOS,
        _PROBE_MODE_MAX
};
enum probe_phase { PROBE_PHASE_PRE_CHAOS, PROBE_PHASE_CHAOS_START, PROBE_PHASE_POST_CHAOS };

/* Per-probe verdict, printed with Litmus's strings: Awaited, Passed, Failed, N/A. */
enum probe_verdict { PROBE_AWAITED, PROBE_PASSED, PROBE_FAILED, PROBE_NA, _PROBE_VERDICT_MAX };

/* Experiment verdict, Litmus's strings: Awaited, Pass, Fail, Stopped, Error. */
enum probe_exp_verdict {
        PROBE_EXP_AWAITED,
        PROBE_EXP_PASS,
        PROBE_EXP_FAIL,
        PROBE_EXP_STOPPED,
        PROBE_EXP_ERROR,
        _PROBE_EXP_MAX
};

enum probe_cmp_type { PROBE_CMP_INT, PROBE_CMP_FLOAT, PROBE_CMP_STRING };
enum probe_op {
        PROBE_OP_GE,
        PROBE_OP_LE,
        PROBE_OP_GT,
        PROBE_OP_LT,
        PROBE_OP_EQ,
        PROBE_OP_NE,
        PROBE_OP_ONEOF,
        PROBE_OP_BETWEEN,
        PROBE_OP_EQUAL,
        PROBE_OP_NOTEQUAL,
        PROBE_OP_CONTAINS,
        PROBE_OP_MATCHES,
        PROBE_OP_NOTMATCHES,
        _PROBE_OP_MAX
};

/* A comparator: the probe's actual value <op> the expected value. */
struct probe_comparator {
        enum probe_cmp_type type; /* how both sides are parsed */
        enum probe_op op;         /* criteria */
        char *value;              /* expected value as written ("a,b" for oneOf/between) */
};

struct probe_run_props {
        int64_t timeout_ms;       /* probeTimeout: bound on one try */
        int64_t interval_ms;      /* interval: pause between tries */
        int64_t polling_ms;       /* probePollingInterval: pause between Continuous/OnChaos iterations */
        int64_t initial_delay_ms; /* initialDelay (or initialDelaySeconds): wait before the first run */
        int64_t eval_timeout_ms;  /* evaluationTimeout: 0 = none; bounds the Continuous/OnChaos window */
        unsigned tries;           /* attempt, else retry, else 1 */
        bool stop_on_failure;     /* stopOnFailure: a failure stops the experiment */
};

struct probe_http {
        char *url;                    /* url (http or https) */
        bool insecure;                /* insecureSkipVerify */
        bool post;                    /* method.post instead of method.get */
        char *body;                   /* method.post.body */
        char *body_path;              /* method.post.bodyPath: file read as the body */
        char *content_type;           /* method.post.contentType */
        int64_t response_timeout_ms;  /* responseTimeout (ms); 0 = probeTimeout */
        struct probe_comparator code; /* criteria (==, !=, oneOf) on responseCode, as int */
};

struct probe_cmd {
        char *command;               /* run as /bin/sh -c */
        struct probe_comparator cmp; /* compared with the trimmed stdout */
};

struct probe_prom {
        char *endpoint;              /* base URL of the Prometheus API */
        char *query;                 /* PromQL (query, or the contents of queryPath) */
        struct probe_comparator cmp; /* compared with the first sample's value, as float */
};

struct probe_def {
        char *name;                 /* unique in the set */
        enum probe_type type;       /* which ops run it */
        enum probe_mode mode;       /* when it runs */
        struct probe_run_props run; /* runProperties */
        union {
                struct probe_http http;
                struct probe_cmd cmd;
                struct probe_prom prom;
        };
};

/* Outcome of one try, from a type's ops; description says why it failed. */
struct probe_outcome {
        bool passed;           /* criteria met */
        char description[256]; /* human text, e.g. "actual value: 500, expected == 200" */
};

/* Result of one probe after it ran (what probe_set_result() returns). */
struct probe_result {
        const char *name;           /* probe name (owned by the set) */
        enum probe_type type;       /* probe type */
        enum probe_mode mode;       /* probe mode */
        enum probe_verdict verdict; /* Awaited until it ran */
        char description[256];      /* why it failed / "probe passed" */
        unsigned runs;              /* completed runs (each up to `tries` tries) */
        char register_[256];        /* cmdProbe: trimmed stdout of the last try (truncated) */
};

/* Final scoring of a fault run with its probes. */
struct probe_score {
        enum probe_exp_verdict verdict; /* experiment verdict after probes */
        int psp;                        /* probe success percentage, 0..100 */
        const char *phase;              /* "Completed" or "Completed_With_Probe_Failure" */
};

struct probe_set;

/* probe.c: parse + lifecycle + scheduler */
int probe_set_parse(const char *json, size_t len, char *err, size_t errsz, struct probe_set **ret);
void probe_set_free(struct probe_set *set);
size_t probe_set_count(const struct probe_set *set);
const struct probe_def *probe_set_def(const struct probe_set *set, size_t i);
int probe_set_result(const struct probe_set *set, size_t i, struct probe_result *ret);
int probe_run_phase(struct probe_set *set, enum probe_phase phase, int64_t chaos_duration_ms);
bool probe_set_stop_requested(const struct probe_set *set);
int probe_set_score(struct probe_set *set, enum probe_exp_verdict fault_verdict, struct probe_score *ret);
/* Runs one probe once (all its tries) on the caller's thread; for tests and one-off checks. */
int probe_run_def(const struct probe_def *def, struct probe_outcome *ret_out, char *reg, size_t regsz);

const char *probe_type_to_string(enum probe_type t);
const char *probe_mode_to_string(enum probe_mode m);
const char *probe_verdict_to_string(enum probe_verdict v);
const char *probe_exp_verdict_to_string(enum probe_exp_verdict v);

/* probe_compare.c: comparators (pure) */
int probe_op_from_string(enum probe_cmp_type type, const char *s, enum probe_op *ret);
int probe_cmp_type_from_string(const char *s, enum probe_cmp_type *ret);
/* 1 = criteria met, 0 = not met, negative = actual or expected value not parseable for the type. */
int probe_compare(const struct probe_comparator *c, const char *actual, char *why, size_t whysz);

/* probe_verdict.c: scoring (pure). Updates verdicts in place (Awaited -> N/A on Fail/Stopped). */
void probe_score_compute(enum probe_verdict *verdicts, size_t n, enum probe_exp_verdict fault_verdict,
                         struct probe_score *ret);
/* Edge: the PreChaos verdict sticks if it failed; otherwise the PostChaos verdict counts. */
enum probe_verdict probe_edge_verdict(enum probe_verdict pre, enum probe_verdict post);

/* probe_duration.c: Go duration strings ("1m30s", "500ms", "2.5s") -> ms; "0" allowed. */
int probe_parse_go_duration(const char *s, int64_t *ret);
/* x rounded to the nearest integer, halves away from zero, as llround() (|x| < 2^52): without libm, which
 * rift-agent otherwise maps for this one function. */
int64_t probe_round_ms(double x);

#endif
