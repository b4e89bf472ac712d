/* GraphQL types and root fields of safety controls: guards, emergency stop, dry run, audit
 * (resolvers in safety.c and audit.c, docs/safety.md). */
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

static const struct gql_field_def estop_status[] = {
        J("active", "Boolean!"),  J("scope", "String"),     J("projectID", "String"), J("reason", "String"),
        J("stoppedBy", "String"), J("stoppedAt", "String"), J("runsStopped", "Int"),  { NULL },
};
static const struct gql_field_def guards[] = {
        J("allowedFaults", "[String!]"), J("forbiddenFaults", "[String!]"),
        J("allowedCIDRs", "[String!]"),  J("allowedHosts", "[String!]"),
        J("allowedPorts", "[String!]"),  J("allowedProcessNames", "[String!]"),
        J("allowedPaths", "[String!]"),  J("maxDuration", "String"),
        J("maxConcurrentFaults", "Int"), J("maxCpuLoad", "Int"),
        J("maxDiskFill", "Int"),         { NULL },
};
static const struct gql_arg_def guards_input[] = {
        { "allowedFaults", "[String!]" }, { "forbiddenFaults", "[String!]" },
        { "allowedCIDRs", "[String!]" },  { "allowedHosts", "[String!]" },
        { "allowedPorts", "[String!]" },  { "allowedProcessNames", "[String!]" },
        { "allowedPaths", "[String!]" },  { "maxDuration", "String" },
        { "maxConcurrentFaults", "Int" }, { "maxCpuLoad", "Int" },
        { "maxDiskFill", "Int" },         { NULL },
};
static const struct gql_field_def audit_event[] = {
        J("eventID", "String!"),   J("timeMs", "Float!"),
        J("time", "String!"),      J("action", "String!"),
        J("operation", "String!"), J("projectID", "String"),
        J("userID", "String"),     J("username", "String"),
        J("source", "String"),     J("resource", "String"),
        J("outcome", "String!"),   J("detail", "String"),
        J("service", "String!"),   { NULL },
};
static const struct gql_field_def audit_list[] = {
        J("totalNoOfEvents", "Int!"),
        J("events", "[AuditEvent!]!"),
        { NULL },
};
static const struct gql_arg_def audit_filter[] = {
        { "action", "String" },
        { "username", "String" },
        { "sinceMs", "Float" },
        { NULL },
};
static const struct gql_arg_def a_audit_list[] = {
        { "projectID", "ID!" },
        { "filter", "AuditFilterInput" },
        { "pagination", "Pagination" },
        { NULL },
};
static const struct gql_arg_def a_project[] = { { "projectID", "ID!" }, { NULL } };
static const struct gql_arg_def a_press[] = { { "projectID", "ID!" }, { "reason", "String" }, { NULL } };
static const struct gql_arg_def a_press_all[] = { { "reason", "String" }, { NULL } };
static const struct gql_arg_def a_env[] = { { "projectID", "ID!" }, { "environmentID", "ID!" }, { NULL } };
static const struct gql_arg_def a_set_guards[] = {
        { "projectID", "ID!" },
        { "environmentID", "ID!" },
        { "guards", "EnvironmentGuardsInput!" },
        { NULL },
};
static const struct gql_arg_def a_dry[] = { { "projectID", "ID!" }, { "experimentID", "String!" }, { NULL } };

static const struct gql_field_def query[] = {
        R("getEmergencyStop", "EmergencyStopStatus!", a_project, safety_res_get_estop),
        R("getEnvironmentGuards", "EnvironmentGuards", a_env, safety_res_get_guards),
        R("listAuditEvents", "ListAuditEventsResponse!", a_audit_list, audit_res_list),
        { NULL },
};
static const struct gql_field_def mutation[] = {
        R("emergencyStop", "EmergencyStopStatus!", a_press, safety_res_estop),
        R("releaseEmergencyStop", "EmergencyStopStatus!", a_project, safety_res_estop_release),
        R("emergencyStopAll", "EmergencyStopStatus!", a_press_all, safety_res_estop_all),
        R("releaseEmergencyStopAll", "EmergencyStopStatus!", NULL, safety_res_estop_all_release),
        R("setEnvironmentGuards", "EnvironmentGuards!", a_set_guards, safety_res_set_guards),
        R("dryRunChaosExperiment", "RunChaosExperimentResponse!", a_dry, safety_res_dry_run),
        { NULL },
};

#define OBJ(n, f)                                                                                            \
        {                                                                                                    \
                GQL_KIND_OBJECT, n, NULL, f                                                                  \
        }
#define INPUT(n, f)                                                                                          \
        {                                                                                                    \
                GQL_KIND_INPUT_OBJECT, n, NULL, NULL, NULL, NULL, NULL, f                                    \
        }
static const struct gql_type_def types[] = {
        OBJ("EmergencyStopStatus", estop_status),
        OBJ("EnvironmentGuards", guards),
        INPUT("EnvironmentGuardsInput", guards_input),
        OBJ("AuditEvent", audit_event),
        OBJ("ListAuditEventsResponse", audit_list),
        INPUT("AuditFilterInput", audit_filter),
        { 0, NULL },
};

const struct backend_schema_part backend_part_safety = { .types = types,
                                                         .query = query,
                                                         .mutation = mutation };
