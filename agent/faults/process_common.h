/* Targeting shared by linux-process-kill and linux-process-stop. */
#ifndef RIFT_AGENT_PROCESS_COMMON_H
#define RIFT_AGENT_PROCESS_COMMON_H

#include "agent/faults/fault.h"
#include "agent/proc.h"

/* Reads PROCESS_IDS, PROCESS_NAMES, PROCESS_COMMAND; at least one is required. */
int process_match_parse(struct fault_ctx *ctx, const cJSON *t, struct proc_match *ret);

#endif
