/* One experiment run (an InfraService Task) executed on its own thread: fault groups one after
 * another, the steps of a group in parallel, each fault journalled before it is injected and reverted
 * at the end of its duration or when the run is stopped; probes around each group; per-fault verdicts
 * and probe results for SubmitResult. The control thread (daemon.c) reads its log lines and result. */
#ifndef RIFT_AGENT_TASK_H
#define RIFT_AGENT_TASK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/infra.pb-c.h"

/* Why a run ends before its faults' durations. */
enum task_stop {
        TASK_STOP_NONE,        /* runs to the end */
        TASK_STOP_USER,        /* stopExperimentRuns: Stopped */
        TASK_STOP_TERM,        /* SIGTERM/SIGINT to the agent: Stopped */
        TASK_STOP_UNREACHABLE, /* the control plane was unreachable too long: Error */
        TASK_STOP_SUPERSEDED,  /* a newer agent connection took over: Error */
};

/* A log line waiting for PushLogs to acknowledge it. */
struct task_line {
        uint64_t seq;    /* 1, 2, ... per task, no gaps */
        int64_t time_ms; /* epoch ms */
        char step[64];   /* fault step the line is about ("" = the run) */
        char *line;      /* text, at most RIFT_MAX_AGENT_LOG_LINE bytes */
};

struct task;
struct privsep_client;

/* From now on every fault call (inject, tick, revert) is a request to the privileged injector
 * (privsep.h) instead of a call into the fault library in this process; NULL = in this process. */
void task_use_injector(struct privsep_client *c);

/* Starts the run on a new thread; t copies what it needs from msg. Its log lines and result are
 * spooled to spool_dir (NULL = memory only). The run stops (TASK_STOP_UNREACHABLE) once no
 * task_contact() came for unreachable_ms (0 = never). */
int task_start(const Rift__Infra__V1__Task *msg, const char *journal_dir, const char *control_plane_host,
               const char *spool_dir, int64_t unreachable_ms, struct task **ret);
/* The control plane answered (any answer): resets the dead-man switch. */
void task_contact(struct task *t);
/* A run a previous agent process left in spool_dir: its undelivered lines and result (or, if it was
 * killed mid-run, an Error result saying so). Returns 1 with *ret, 0 if there is none. */
int task_restore(const char *spool_dir, struct task **ret);
/* Removes the task's spool files (after its result was acknowledged). */
void task_discard_spool(struct task *t);
/* Asks the run to stop (reverting at once); the first reason wins. */
void task_request_stop(struct task *t, enum task_stop why);
bool task_finished(struct task *t);
const char *task_id(const struct task *t);
const char *task_run_id(const struct task *t);
/* Copies up to max unacknowledged lines (seq > acked) into out (line pointers stay owned by t until
 * task_ack_lines); returns the count. */
size_t task_peek_lines(struct task *t, struct task_line *out, size_t max);
/* Drops lines up to seq (PushLogs' acked_seq). */
void task_ack_lines(struct task *t, uint64_t seq);
/* Number of lines not yet acknowledged. */
size_t task_pending_lines(struct task *t);
/* The current step, for ReportStatus (copied). */
void task_current_step(struct task *t, char *out, size_t size);
/* After task_finished: the result to submit (owned by t; auth filled in by the caller). */
Rift__Infra__V1__SubmitResultRequest *task_result(struct task *t);
/* Joins the thread and frees everything; accepts NULL. */
void task_free(struct task *t);

#endif
