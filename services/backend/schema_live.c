/* GraphQL types and root fields of live updates. */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

const struct backend_schema_part backend_part_live = { 0 };
