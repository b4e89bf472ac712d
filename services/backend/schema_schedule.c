/* GraphQL types and root fields of cron schedules. */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

const struct backend_schema_part backend_part_schedule = { 0 };
