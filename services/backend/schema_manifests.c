/* GraphQL types and root fields of experiment revisions, hubs' predefined experiments and Litmus
 * manifests (docs/experiments.md). */
#include "lib/graphql/graphql.h"
#include "services/backend/backend.h"

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define J(n, t)                                                                                              \
        {                                                                                                    \
                n, t, NULL, backend_res_json                                                                 \
        }
#define R(n, t, a, fn)                                                                                       \
        {                                                                                                    \
                n, t, a, fn                                                                                  \
        }
#define OBJ(n, f)                                                                                            \
        {                                                                                                    \
                GQL_KIND_OBJECT, n, NULL, f                                                                  \
        }

static const struct gql_field_def revision[] = {
        J("revisionID", "String!"),    J("experimentManifest", "String!"), J("updatedAt", "String!"),
        J("updatedBy", "UserDetails"), J("weightages", "[Weightages!]!"),  { NULL },
};
static const struct gql_field_def predefined[] = {
        J("experimentName", "String!"),
        J("experimentCSV", "String!"),
        J("experimentManifest", "String!"),
        J("hubID", "String!"),
        J("runnable", "Boolean!"),
        J("reason", "String"),
        { NULL },
};

static const struct gql_arg_def q_hub_exps[] = { { "hubID", "ID!" }, { "projectID", "ID!" }, { NULL } };
static const struct gql_arg_def q_hub_exp[] = {
        { "hubID", "ID!" },
        { "experimentName", "[String!]!" },
        { "projectID", "ID!" },
        { NULL },
};

static const struct gql_arg_def q_get_hub[] = { { "chaosHubID", "ID!" }, { "projectID", "ID!" }, { NULL } };

static const struct gql_field_def query[] = {
        R("getChaosHub", "ChaosHubStatus!", q_get_hub, res_get_hub),
        R("listPredefinedExperiments", "[PredefinedExperimentList!]!", q_hub_exps, res_list_predefined),
        R("getPredefinedExperiment", "[PredefinedExperimentList!]!", q_hub_exp, res_get_predefined),
        { NULL },
};

static const struct gql_type_def types[] = {
        OBJ("ExperimentRevision", revision),
        OBJ("PredefinedExperimentList", predefined),
        { 0, NULL },
};

const struct backend_schema_part backend_part_manifests = { .types = types, .query = query };
