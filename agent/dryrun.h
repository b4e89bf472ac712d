/* Dry runs: what a fault step would do and whether the machine has what it needs, found without
 * changing anything (see dryrun.c). Module prefix: dryrun_. */
#ifndef RIFT_AGENT_DRYRUN_H
#define RIFT_AGENT_DRYRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/infra.pb-c.h"

/* Writes "would inject ...; privileges: ...; netem ..." into report. injector: faults run in a
 * separate privileged process. Returns 0 when everything is present, RIFT_E_UNSUPPORTED otherwise. */
int dryrun_step(const Rift__Infra__V1__FaultStep *m, int64_t duration_ms, bool injector, char *report,
                size_t n);

#endif
