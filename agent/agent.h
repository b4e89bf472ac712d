/* rift-agent's private table of contents: what each file of agent/ offers, grouped by file. Each module
 * has its own header (included below); this file adds the runner, which main.c wires up.
 *
 *   undo.c        the fsync'ed undo journal and idempotent reverts          (undo.h)
 *   proc.c        pid + start-time identity, guarded signals, exec helpers  (proc.h)
 *   worker.c      journalled worker processes that die with the agent        (worker.h)
 *   ipt.c         iptables chains and rules through the iptables program     (ipt.h)
 *   netfilter.c   network fault filters -> the agent's own iptables chains   (netfilter.h)
 *   shaper.c      NFQUEUE userspace shaper: delay, loss, corruption, dups    (shaper.h)
 *   tc.c          libnl-route: htb/u32/tbf or netem tree, netem detection    (tc.h)
 *   cgroup.c      cgroup v1/v2 create, attach, usage, remove                 (cgroup.h)
 *   faults/       one file per fault behind struct fault_ops                 (faults/fault.h)
 *   runner.c      runs one fault spec: validate, inject, wait, revert        (below)
 *   task.c        one experiment run on its own thread: groups, probes, result (task.h)
 *   daemon.c      `rift-agent run`: InfraService register/poll/logs/result     (daemon.h)
 *   main.c        command line only */
#ifndef RIFT_AGENT_AGENT_H
#define RIFT_AGENT_AGENT_H

#include <stdint.h>

#include "agent/faults/fault.h"
#include "agent/undo.h"

/* Exit statuses of the local command. */
enum agent_exit {
        AGENT_EXIT_OK = 0,            /* injected for the duration (or until stopped) and reverted */
        AGENT_EXIT_INJECT_FAILED = 1, /* injection failed; what was done has been reverted */
        AGENT_EXIT_USAGE = 2,         /* bad command line, spec or tunable: nothing was changed */
        AGENT_EXIT_REVERT_FAILED = 3, /* some change could not be reverted: see the log and the journal */
};

/* What the runner needs to run one fault. */
struct runner_options {
        const char *spec_path;     /* JSON fault spec */
        const char *journal_dir;   /* undo journal directory */
        const char *control_plane; /* host never cut by network faults (NULL = none) */
        bool check_only;           /* validate the spec and exit */
};

/* runner.c */
int runner_run(const struct runner_options *o);
/* Replays journal_dir's journal; returns an agent_exit. */
int runner_recover(const char *journal_dir);
/* Parses a spec ({"fault", "duration", "tunables"}) into ctx (ops, duration, state validated). */
int runner_parse_spec(const char *text, size_t len, struct fault_ctx *ctx);
/* Frees ctx->state. */
void runner_ctx_free(struct fault_ctx *ctx);

#endif
