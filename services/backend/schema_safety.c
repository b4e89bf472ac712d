/* GraphQL types and root fields of safety controls: guards, emergency stop, dry run, audit. */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

const struct backend_schema_part backend_part_safety = { 0 };
