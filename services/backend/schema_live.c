/* GraphQL root fields of live updates and Kubernetes infrastructures: getInfraManifest (Litmus's name and
 * arguments). The run stream itself is plain Server-Sent Events on GET /sse/runs/{id} (sse.c). */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct gql_arg_def q_manifest[] = {
        { "infraID", "String!" },
        { "upgrade", "Boolean!" },
        { "projectID", "ID!" },
        { NULL },
};

static const struct gql_field_def query[] = {
        { "getInfraManifest", "String!", q_manifest, res_get_infra_manifest },
        { NULL },
};

const struct backend_schema_part backend_part_live = { .query = query };
