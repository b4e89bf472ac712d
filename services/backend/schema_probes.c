/* GraphQL types and root fields of probes (addProbe, listProbes, ...) and chaos hubs. */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

const struct backend_schema_part backend_part_probes = { 0 };
