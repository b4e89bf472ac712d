/* GraphQL types and root fields of experiment revisions and Litmus manifests. */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

const struct backend_schema_part backend_part_manifests = { 0 };
