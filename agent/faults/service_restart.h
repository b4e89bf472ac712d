/* linux-service-restart's command building, exposed for its unit test. */
#ifndef RIFT_AGENT_SERVICE_RESTART_H
#define RIFT_AGENT_SERVICE_RESTART_H

#include <stdbool.h>
#include <stddef.h>

#define SERVICE_MAX      16u  /* units one fault acts on (SERVICES + SELF_HEALING_SERVICES) */
#define SERVICE_NAME_MAX 256u /* systemd's limit on a unit name */

/* A systemd unit name: [A-Za-z0-9:_.@\-]+, not starting with '-' or '.'. */
bool service_unit_name_ok(const char *unit);
/* argv for one round on unit: `systemctl restart -- UNIT`, or for a self-healing unit
 * `systemctl kill --signal=SIGKILL -- UNIT`; NULL-terminated. Returns the count or -EINVAL. */
int service_restart_argv(const char *unit, bool self_healing, char *argv[], size_t max);

#endif
