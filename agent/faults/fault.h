/* The fault library: every fault is one file behind one `struct fault_ops`, listed in fault.c's table.
 *
 * Life of a fault: validate(tunables) fills the fault's private state (no side effects); inject() makes
 * its changes, journalling each in the undo journal before making it; tick() runs every second while
 * the fault is active (process-kill re-kills respawns); revert() undoes everything (by default: replay
 * the journal entries the fault wrote). */
#ifndef RIFT_AGENT_FAULT_H
#define RIFT_AGENT_FAULT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/undo.h"

#define FAULT_ERR_MAX 256

/* One running fault. */
struct fault_ctx {
        const struct fault_ops *ops;  /* the fault's operations */
        struct undo_journal *journal; /* where every change is recorded first */
        uint64_t first_id;            /* journal ids > first_id belong to this fault */
        int64_t duration_ms;          /* how long the fault stays injected */
        int64_t deadline_mono_ms;     /* rift_mono_ms() at which it must end (children use it too) */
        const char *control_plane;    /* the agent's control-plane host, never cut by network faults */
        void *state;                  /* the fault's private state (ops->state_size bytes) */
        char err[FAULT_ERR_MAX];      /* message of the last failure, naming the tunable if any */
};

struct fault_ops {
        const char *name;  /* Harness's fault name, "linux-network-latency" */
        size_t state_size; /* bytes of private state, zeroed before validate */
        /* Checks tunables and fills ctx->state; failures name the tunable in ctx->err. */
        int (*validate)(struct fault_ctx *ctx, const cJSON *tunables);
        int (*inject)(struct fault_ctx *ctx);
        int (*tick)(struct fault_ctx *ctx); /* optional: once a second while injected */
        int (*revert)(struct fault_ctx *ctx);
        /* Adds what the fault is doing (pids, chain, cgroup, measured values) to a JSON object. */
        int (*status)(struct fault_ctx *ctx, cJSON *out);
};

/* fault.c: the table and helpers shared by the faults */
const struct fault_ops *fault_find(const char *name);
size_t fault_count(void);
const struct fault_ops *fault_get(size_t i);
/* Reverts what the fault journalled (entries after ctx->first_id), newest first. */
int fault_revert_journal(struct fault_ctx *ctx);
/* Sets ctx->err and returns RIFT_E_INVALID. */
int fault_fail(struct fault_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tunables: Harness passes every tunable as a string; numbers are accepted too. Getters return 0 and
 * leave *ret untouched when the tunable is absent; RIFT_E_INVALID (with ctx->err) when it is malformed. */
int tun_string(struct fault_ctx *ctx, const cJSON *t, const char *key, char *ret, size_t size);
int tun_int(struct fault_ctx *ctx, const cJSON *t, const char *key, int64_t min, int64_t max, int64_t *ret);
int tun_double(struct fault_ctx *ctx, const cJSON *t, const char *key, double min, double max, double *ret);
int tun_bool(struct fault_ctx *ctx, const cJSON *t, const char *key, bool *ret);
/* "1s", "150ms", "20" (bare number = ms, Harness's unit for latency) */
int tun_ms(struct fault_ctx *ctx, const cJSON *t, const char *key, int64_t max, int64_t *ret);
/* "256m", "1G", "1048576" -> bytes; "50%" -> *ret_pct (size set to 0) */
int tun_size_or_pct(struct fault_ctx *ctx, const cJSON *t, const char *key, uint64_t *ret_bytes,
                    double *ret_pct);
/* Splits a comma-separated tunable into at most max trimmed words (in storage); ret_n gets the count. */
int tun_list(struct fault_ctx *ctx, const cJSON *t, const char *key, char *storage, size_t storage_size,
             char **words, size_t max, size_t *ret_n);

#endif
