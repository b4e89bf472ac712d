/* Agent-side fault counters: injections and reverts per fault type, ok or failed, since the agent
 * started. The daemon sends them with every Heartbeat (HeartbeatRequest.fault_counters); rift-backend
 * shows them on its /metrics as rift_agent_fault_injections_total and rift_agent_fault_reverts_total
 * (docs/observability/README.md). One table per process, behind a mutex (runs count on their own
 * threads, the daemon reads on its own). */
#ifndef RIFT_AGENT_METRICS_H
#define RIFT_AGENT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_METRICS_MAX_FAULTS 64u /* distinct fault types counted (the hub has fewer) */

enum agent_metric {
        AGENT_INJECT_OK,     /* an injection succeeded */
        AGENT_INJECT_FAILED, /* an injection failed (what it did was reverted) */
        AGENT_REVERT_OK,     /* a revert succeeded */
        AGENT_REVERT_FAILED, /* a revert failed after its retries: the machine needs a person */
        AGENT_METRIC_KINDS,
};

struct Rift__Infra__V1__FaultCounter;

/* Counts one event of fault; a fault beyond AGENT_METRICS_MAX_FAULTS types is counted as "other". */
void agent_metrics_count(const char *fault, enum agent_metric what);
/* The current totals as FaultCounter messages in buf (n entries at most), pointers in ptrs, for
 * HeartbeatRequest.fault_counters; fault names point into the table (a row's name never changes
 * until agent_metrics_reset). Returns the number filled. */
size_t agent_metrics_snapshot(struct Rift__Infra__V1__FaultCounter *buf,
                              struct Rift__Infra__V1__FaultCounter **ptrs, size_t n);
/* The total of one counter (tests, logs). */
uint64_t agent_metrics_get(const char *fault, enum agent_metric what);
/* Forgets everything (tests). */
void agent_metrics_reset(void);

#endif
