/* obs_metrics.c's hook for InfraService.Heartbeat (kept apart from backend.h so infra_rpc.c alone
 * needs the generated InfraService types). */
#ifndef RIFT_BACKEND_OBS_METRICS_H
#define RIFT_BACKEND_OBS_METRICS_H

#include <cjson/cJSON.h>

#include "proto/infra.pb-c.h"

struct backend_ctx;

/* Adds an agent's reported fault totals (HeartbeatRequest.fault_counters) to
 * rift_agent_fault_{injections,reverts}_total{infra_id,infra_name,fault,result}. */
void backend_obs_agent_counters(struct backend_ctx *b, const cJSON *infra,
                                const Rift__Infra__V1__HeartbeatRequest *in);

#endif
