/* The GraphQL schema of rift-backend as static tables (operation names and argument shapes as in
 * Litmus's ChaosCenter), and the generic resolvers that read fields of stored cJSON documents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "services/backend/backend.h"

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct gql_value *backend_value(struct gql_resolve_info *ri, const cJSON *j)
{
        struct gql_value *l;
        const cJSON *e;
        size_t n = 0;

        if (!j || cJSON_IsNull(j))
                return NULL;
        if (cJSON_IsString(j))
                return gql_value_string_ref(ri->arena, j->valuestring, strlen(j->valuestring));
        if (cJSON_IsNumber(j))
                return gql_value_float(ri->arena, j->valuedouble);
        if (cJSON_IsBool(j))
                return gql_value_bool(ri->arena, cJSON_IsTrue(j));
        if (cJSON_IsObject(j))
                return gql_value_opaque(ri->arena, j, NULL);
        l = gql_value_list(ri->arena, (size_t)cJSON_GetArraySize(j));
        cJSON_ArrayForEach(e, j) l->list.items[n++] = backend_value(ri, e);
        return l;
}

int backend_res_json(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = backend_value(ri, cJSON_GetObjectItemCaseSensitive(ri->parent, ri->field_name));
        return 0;
}

int backend_res_float(struct gql_resolve_info *ri, struct gql_value **ret)
{
        return backend_res_json(ri, ret);
}

const char *backend_field_str(const struct gql_value *obj, const char *name)
{
        const struct gql_value *v = obj ? gql_value_field(obj, name) : NULL;

        return v && (v->kind == GQL_STRING || v->kind == GQL_ENUM) ? v->str.s : NULL;
}

const char *backend_arg_str(const struct gql_resolve_info *ri, const char *name)
{
        const struct gql_value *v = gql_arg(ri, name);

        return v && (v->kind == GQL_STRING || v->kind == GQL_ENUM) ? v->str.s : NULL;
}

#define J(n, t)                                                                                              \
        {                                                                                                    \
                n, t, NULL, backend_res_json                                                                 \
        }
#define R(n, t, a, fn)                                                                                       \
        {                                                                                                    \
                n, t, a, fn                                                                                  \
        }

static const struct gql_field_def user_details[] = {
        J("userID", "String!"),
        J("username", "String!"),
        J("email", "String"),
        { NULL },
};
static const struct gql_field_def environment[] = {
        J("environmentID", "String!"),
        J("projectID", "String!"),
        J("name", "String!"),
        J("description", "String"),
        J("type", "EnvironmentType!"),
        J("tags", "[String!]"),
        J("infraIDs", "[String!]!"),
        J("createdAt", "String!"),
        J("updatedAt", "String!"),
        J("createdBy", "UserDetails"),
        J("updatedBy", "UserDetails"),
        J("isRemoved", "Boolean!"),
        { NULL },
};
static const struct gql_field_def list_env_resp[] = {
        J("totalNoOfEnvironments", "Int"),
        J("environments", "[Environment]"),
        { NULL },
};
static const struct gql_field_def infra[] = {
        J("infraID", "String!"),
        J("projectID", "String!"),
        J("name", "String!"),
        J("description", "String"),
        J("environmentID", "String!"),
        J("platformName", "String!"),
        J("infraType", "InfrastructureType"),
        J("isActive", "Boolean!"),
        J("isInfraConfirmed", "Boolean!"),
        J("isRemoved", "Boolean!"),
        J("version", "String!"),
        J("hostname", "String"),
        J("lastHeartbeat", "String"),
        J("startTime", "String!"),
        J("createdAt", "String!"),
        J("updatedAt", "String!"),
        J("createdBy", "UserDetails"),
        J("tags", "[String!]"),
        J("updateStatus", "UpdateStatus!"),
        { NULL },
};
static const struct gql_field_def infra_stats[] = {
        J("totalInfrastructures", "Int!"),    J("activeInfrastructures", "Int!"),
        J("inactiveInfrastructures", "Int!"), J("confirmedInfrastructures", "Int!"),
        J("pendingInfrastructures", "Int!"),  { NULL },
};
static const struct gql_field_def version_details[] = {
        J("latestVersion", "String!"),
        J("compatibleVersions", "[String!]!"),
        { NULL },
};
static const struct gql_field_def chaos_hub[] = {
        J("id", "ID!"),
        J("name", "String!"),
        J("hubType", "String!"),
        J("isDefault", "Boolean!"),
        J("totalFaults", "Int!"),
        J("totalExperiments", "Int!"),
        { NULL },
};
static const struct gql_field_def list_infra_resp[] = {
        J("totalNoOfInfras", "Int!"),
        J("infras", "[Infra]!"),
        { NULL },
};
static const struct gql_field_def register_infra_resp[] = {
        J("token", "String!"),    J("infraID", "String!"),       J("name", "String!"),
        J("manifest", "String!"), J("installCommand", "String"), { NULL },
};
static const struct gql_field_def server_version[] = {
        J("key", "String!"),
        J("value", "String!"),
        { NULL },
};
static const struct gql_field_def fault_tunable[] = {
        J("name", "String!"), J("type", "String!"), J("default", "String"),      J("unit", "String"),
        J("min", "Float"),    J("max", "Float"),    J("description", "String!"), { NULL },
};
static const struct gql_field_def chaos_fault[] = {
        J("name", "String!"),
        J("category", "String!"),
        J("description", "String!"),
        J("platform", "String!"),
        J("tunables", "[FaultTunable!]!"),
        J("runnable", "Boolean"),
        J("hubID", "String"),
        J("runsAs", "String"),
        { NULL },
};
static const struct gql_field_def exp_resp[] = {
        J("experimentID", "String!"),
        J("projectID", "String!"),
        J("cronSyntax", "String!"),
        J("experimentName", "String!"),
        J("experimentDescription", "String!"),
        J("isCustomExperiment", "Boolean!"),
        J("tags", "[String!]"),
        { NULL },
};
static const struct gql_field_def recent_run[] = {
        J("experimentRunID", "String!"),
        J("phase", "String!"),
        J("resiliencyScore", "Float"),
        J("updatedAt", "String"),
        J("createdAt", "String"),
        J("runSequence", "Int!"),
        { NULL },
};
static const struct gql_field_def experiment[] = {
        J("experimentID", "String!"),
        J("projectID", "String!"),
        J("name", "String!"),
        J("description", "String!"),
        J("experimentType", "String"),
        J("experimentManifest", "String!"),
        J("cronSyntax", "String!"),
        J("infraID", "String!"),
        J("infra", "Infra"),
        J("isRemoved", "Boolean!"),
        J("isCustomExperiment", "Boolean!"),
        J("tags", "[String!]"),
        J("createdAt", "String!"),
        J("updatedAt", "String!"),
        J("createdBy", "UserDetails"),
        J("updatedBy", "UserDetails"),
        J("weightages", "[Weightages!]!"),
        R("recentExperimentRunDetails", "[RecentExperimentRun]", NULL, res_exp_recent_runs),
        R("revision", "[ExperimentRevision!]!", NULL, res_exp_revisions),
        J("revisionID", "String"),
        R("schedule", "CronSchedule", NULL, res_schedule_json),
        { NULL },
};
static const struct gql_field_def weightages[] = {
        J("faultName", "String!"),
        J("weightage", "Int!"),
        { NULL },
};
static const struct gql_field_def get_exp_resp[] = {
        J("experimentDetails", "Experiment!"),
        J("averageResiliencyScore", "Float"),
        { NULL },
};
static const struct gql_field_def list_exp_resp[] = {
        J("totalNoOfExperiments", "Int!"),
        J("experiments", "[Experiment]!"),
        { NULL },
};
static const struct gql_field_def run_resp[] = {
        J("notifyID", "ID!"),
        J("experimentRunID", "String"),
        { NULL },
};
static const struct gql_field_def probe_result[] = {
        J("name", "String!"),
        J("verdict", "String!"),
        J("successPercent", "Float"),
        J("message", "String"),
        { NULL },
};
static const struct gql_field_def fault_result[] = {
        J("step", "String!"),
        J("fault", "String!"),
        J("verdict", "String!"),
        J("weight", "Int!"),
        J("probeSuccessPercentage", "Float"),
        J("message", "String"),
        J("probes", "[ProbeResult!]"),
        { NULL },
};
static const struct gql_field_def log_line[] = {
        J("seq", "Int!"), J("timeMs", "Float!"), J("step", "String!"), J("line", "String!"), { NULL },
};
static const struct gql_arg_def a_logs[] = {
        { "afterSeq", "Int", "0", "lines with a larger seq" },
        { "limit", "Int", "100", "at most 100" },
        { NULL },
};
static const struct gql_field_def experiment_run[] = {
        J("experimentRunID", "String!"),
        J("experimentID", "String!"),
        J("experimentName", "String!"),
        J("projectID", "String!"),
        J("infraID", "String!"),
        J("infra", "Infra"),
        J("phase", "ExperimentRunStatus!"),
        J("resiliencyScore", "Float"),
        J("faultsPassed", "Int"),
        J("faultsFailed", "Int"),
        J("faultsAwaited", "Int"),
        J("faultsStopped", "Int"),
        J("faultsNa", "Int"),
        J("totalFaults", "Int"),
        J("faults", "[FaultResult!]"),
        J("executionData", "String!"),
        J("notifyID", "String"),
        J("message", "String"),
        J("createdAt", "String!"),
        J("updatedAt", "String!"),
        J("isRemoved", "Boolean!"),
        J("runSequence", "Int!"),
        J("createdBy", "UserDetails"),
        R("logs", "[LogLine!]!", a_logs, res_run_logs),
        J("revisionID", "String"),
        J("dryRun", "Boolean"),
        { NULL },
};
static const struct gql_field_def score_category[] = {
        J("id", "Int!"),
        J("count", "Int!"),
        { NULL },
};
static const struct gql_field_def exp_stats[] = {
        J("totalExperiments", "Int!"),
        J("totalExpCategorizedByResiliencyScore", "[ResilienceScoreCategory]!"),
        { NULL },
};
static const struct gql_field_def run_stats[] = {
        J("totalExperimentRuns", "Int!"),
        J("totalCompletedExperimentRuns", "Int!"),
        J("totalTerminatedExperimentRuns", "Int!"),
        J("totalRunningExperimentRuns", "Int!"),
        J("totalStoppedExperimentRuns", "Int!"),
        J("totalErroredExperimentRuns", "Int!"),
        { NULL },
};
static const struct gql_field_def list_run_resp[] = {
        J("totalNoOfExperimentRuns", "Int!"),
        J("experimentRuns", "[ExperimentRun]!"),
        { NULL },
};

static const struct gql_arg_def a_pagination[] = { { "page", "Int!" }, { "limit", "Int!" }, { NULL } };
static const struct gql_arg_def a_create_env[] = {
        { "environmentID", "String!" }, { "name", "String!" },   { "type", "EnvironmentType!" },
        { "description", "String" },    { "tags", "[String!]" }, { NULL },
};
static const struct gql_arg_def a_update_env[] = {
        { "environmentID", "String!" }, { "name", "String" },    { "type", "EnvironmentType" },
        { "description", "String" },    { "tags", "[String!]" }, { NULL },
};
static const struct gql_arg_def a_list_env[] = {
        { "environmentIDs", "[ID!]" },
        { "pagination", "Pagination" },
        { NULL },
};
static const struct gql_arg_def a_register_infra[] = {
        { "name", "String!" },
        { "environmentID", "String!" },
        { "infrastructureType", "InfrastructureType!" },
        { "description", "String" },
        { "platformName", "String!" },
        { "infraNamespace", "String" },
        { "serviceAccount", "String" },
        { "infraScope", "String" },
        { "infraNsExists", "Boolean" },
        { "infraSaExists", "Boolean" },
        { "skipSsl", "Boolean" },
        { "nodeSelector", "String" },
        { "tags", "[String!]" },
        { NULL },
};
static const struct gql_arg_def a_infra_filter[] = {
        { "name", "String" },
        { "infraID", "String" },
        { "description", "String" },
        { "platformName", "String" },
        { "isActive", "Boolean" },
        { "tags", "[String]" },
        { NULL },
};
static const struct gql_arg_def a_list_infra[] = {
        { "infraIDs", "[String!]" },
        { "environmentIDs", "[String!]" },
        { "pagination", "Pagination" },
        { "filter", "InfraFilterInput" },
        { NULL },
};
static const struct gql_arg_def a_fault_req[] = {
        { "category", "String!" },
        { "experimentName", "String!" },
        { "hubID", "String!" },
        { NULL },
};
static const struct gql_arg_def a_weightages[] = { { "faultName", "String!" },
                                                   { "weightage", "Int!" },
                                                   { NULL } };
static const struct gql_arg_def a_create_exp[] = {
        { "experimentID", "String" },
        { "runExperiment", "Boolean" },
        { "experimentManifest", "String!" },
        { "experimentType", "String" },
        { "cronSyntax", "String" },
        { "experimentName", "String!" },
        { "experimentDescription", "String" },
        { "weightages", "[WeightagesInput!]" },
        { "isCustomExperiment", "Boolean" },
        { "infraID", "String!" },
        { "tags", "[String!]" },
        { NULL },
};
static const struct gql_arg_def a_save_exp[] = {
        { "id", "String!" },         { "type", "String" },       { "name", "String!" },
        { "description", "String" }, { "manifest", "String!" },  { "infraID", "String!" },
        { "tags", "[String!]" },     { "cronSyntax", "String" }, { NULL },
};
static const struct gql_arg_def a_exp_filter[] = {
        { "experimentName", "String" }, { "infraID", "String" },
        { "status", "String" },         { "infraName", "String" },
        { "infraActive", "Boolean" },   { "scheduleType", "ScheduleType" },
        { "dateRange", "DateRange" },   { NULL },
};
static const struct gql_arg_def a_exp_sort[] = { { "field", "String!" },
                                                 { "ascending", "Boolean" },
                                                 { NULL } };
static const struct gql_arg_def a_list_exp[] = {
        { "experimentIDs", "[ID]" },
        { "pagination", "Pagination" },
        { "sort", "ExperimentSortInput" },
        { "filter", "ExperimentFilterInput" },
        { NULL },
};
static const struct gql_arg_def a_list_run[] = {
        { "experimentRunIDs", "[ID]" },
        { "experimentIDs", "[ID]" },
        { "pagination", "Pagination" },
        { "filter", "ExperimentRunFilterInput" },
        { NULL },
};
static const struct gql_arg_def a_run_filter[] = {
        { "experimentRunStatus", "[String]" },
        { "infraID", "String" },
        { NULL },
};

static const struct gql_arg_def q_project[] = { { "projectID", "ID!" }, { NULL } };
static const struct gql_arg_def q_env[] = { { "projectID", "ID!" }, { "environmentID", "ID!" }, { NULL } };
static const struct gql_arg_def q_list_env[] = {
        { "projectID", "ID!" },
        { "request", "ListEnvironmentRequest" },
        { NULL },
};
static const struct gql_arg_def q_infra[] = { { "projectID", "ID!" }, { "infraID", "String!" }, { NULL } };
static const struct gql_arg_def q_list_infra[] = {
        { "projectID", "ID!" },
        { "request", "ListInfraRequest" },
        { NULL },
};
static const struct gql_arg_def q_hub[] = { { "hubID", "ID!" }, { "projectID", "ID!" }, { NULL } };
static const struct gql_arg_def q_fault[] = {
        { "projectID", "ID!" },
        { "request", "ExperimentRequest!" },
        { NULL },
};
static const struct gql_arg_def q_list_exp[] = {
        { "projectID", "ID!" },
        { "request", "ListExperimentRequest!" },
        { NULL },
};
static const struct gql_arg_def q_exp[] = { { "projectID", "ID!" }, { "experimentID", "String!" }, { NULL } };
static const struct gql_arg_def q_run[] = {
        { "projectID", "ID!" },
        { "experimentRunID", "ID" },
        { "notifyID", "ID" },
        { NULL },
};
static const struct gql_arg_def q_list_run[] = {
        { "projectID", "ID!" },
        { "request", "ListExperimentRunRequest!" },
        { NULL },
};
static const struct gql_arg_def m_create_env[] = {
        { "projectID", "ID!" },
        { "request", "CreateEnvironmentRequest" },
        { NULL },
};
static const struct gql_arg_def m_update_env[] = {
        { "projectID", "ID!" },
        { "request", "UpdateEnvironmentRequest" },
        { NULL },
};
static const struct gql_arg_def m_register_infra[] = {
        { "projectID", "ID!" },
        { "request", "RegisterInfraRequest!" },
        { NULL },
};
static const struct gql_arg_def m_create_exp[] = {
        { "request", "ChaosExperimentRequest!" },
        { "projectID", "ID!" },
        { NULL },
};
static const struct gql_arg_def m_save_exp[] = {
        { "request", "SaveChaosExperimentRequest!" },
        { "projectID", "ID!" },
        { NULL },
};
static const struct gql_arg_def m_delete_exp[] = {
        { "experimentID", "String!" },
        { "experimentRunID", "String" },
        { "projectID", "ID!" },
        { NULL },
};
static const struct gql_arg_def m_stop_runs[] = {
        { "projectID", "ID!" },
        { "experimentID", "String!" },
        { "experimentRunID", "String" },
        { "notifyID", "String" },
        { NULL },
};

static const struct gql_field_def query[] = {
        R("getServerVersion", "ServerVersionResponse!", NULL, res_server_version),
        R("getEnvironment", "Environment", q_env, res_get_environment),
        R("listEnvironments", "ListEnvironmentResponse", q_list_env, res_list_environments),
        R("getInfra", "Infra!", q_infra, res_get_infra),
        R("listInfras", "ListInfraResponse!", q_list_infra, res_list_infras),
        R("getInfraDetails", "Infra!", q_infra, res_get_infra_details),
        R("getInfraStats", "GetInfraStatsResponse!", q_project, res_infra_stats),
        R("getVersionDetails", "InfraVersionDetails!", q_project, res_version_details),
        R("listChaosHub", "[ChaosHubStatus]!", q_project, res_list_hubs),
        R("listChaosFaults", "[ChaosFault!]!", q_hub, res_list_faults),
        R("getChaosFault", "ChaosFault!", q_fault, res_get_fault),
        R("getExperiment", "GetExperimentResponse!", q_exp, res_get_experiment),
        R("listExperiment", "ListExperimentResponse!", q_list_exp, res_list_experiments),
        R("getExperimentRun", "ExperimentRun!", q_run, res_get_run),
        R("listExperimentRun", "ListExperimentRunResponse!", q_list_run, res_list_runs),
        R("getExperimentStats", "GetExperimentStatsResponse!", q_project, res_experiment_stats),
        R("getExperimentRunStats", "GetExperimentRunStatsResponse!", q_project, res_run_stats),
        { NULL },
};
static const struct gql_field_def mutation[] = {
        R("createEnvironment", "Environment", m_create_env, res_create_environment),
        R("updateEnvironment", "String!", m_update_env, res_update_environment),
        R("deleteEnvironment", "String!", q_env, res_delete_environment),
        R("registerInfra", "RegisterInfraResponse!", m_register_infra, res_register_infra),
        R("deleteInfra", "String!", q_infra, res_delete_infra),
        R("createChaosExperiment", "ChaosExperimentResponse!", m_create_exp, res_create_experiment),
        R("saveChaosExperiment", "String!", m_save_exp, res_save_experiment),
        R("updateChaosExperiment", "ChaosExperimentResponse!", m_create_exp, res_update_experiment),
        R("deleteChaosExperiment", "Boolean!", m_delete_exp, res_delete_experiment),
        R("runChaosExperiment", "RunChaosExperimentResponse!", q_exp, res_run_experiment),
        R("stopExperimentRuns", "Boolean!", m_stop_runs, res_stop_runs),
        { NULL },
};

static const struct gql_enum_value_def e_env_type[] = { { "PROD" }, { "NON_PROD" }, { NULL } };
static const struct gql_enum_value_def e_infra_type[] = { { "Kubernetes" }, { "Linux" }, { NULL } };
static const struct gql_enum_value_def e_update_status[] = {
        { "AVAILABLE" },
        { "MANDATORY" },
        { "NOT_REQUIRED" },
        { NULL },
};
static const struct gql_enum_value_def e_run_status[] = {
        { "All" },
        { "Completed" },
        { "Completed_With_Error" },
        { "Completed_With_Probe_Failure" },
        { "Error" },
        { "NA" },
        { "Queued" },
        { "Running" },
        { "Skipped" },
        { "Stopped" },
        { "Terminated" },
        { "Timeout" },
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
#define ENUM(n, v)                                                                                           \
        {                                                                                                    \
                GQL_KIND_ENUM, n, NULL, NULL, NULL, NULL, v                                                  \
        }
static const struct gql_type_def types[] = {
        OBJ("Query", query),
        OBJ("Mutation", mutation),
        OBJ("UserDetails", user_details),
        OBJ("Environment", environment),
        OBJ("ListEnvironmentResponse", list_env_resp),
        OBJ("Infra", infra),
        OBJ("ListInfraResponse", list_infra_resp),
        OBJ("GetInfraStatsResponse", infra_stats),
        OBJ("InfraVersionDetails", version_details),
        OBJ("ChaosHubStatus", chaos_hub),
        OBJ("RegisterInfraResponse", register_infra_resp),
        OBJ("ServerVersionResponse", server_version),
        OBJ("FaultTunable", fault_tunable),
        OBJ("ChaosFault", chaos_fault),
        OBJ("ChaosExperimentResponse", exp_resp),
        OBJ("RecentExperimentRun", recent_run),
        OBJ("Weightages", weightages),
        OBJ("Experiment", experiment),
        OBJ("GetExperimentResponse", get_exp_resp),
        OBJ("ListExperimentResponse", list_exp_resp),
        OBJ("RunChaosExperimentResponse", run_resp),
        OBJ("ProbeResult", probe_result),
        OBJ("FaultResult", fault_result),
        OBJ("LogLine", log_line),
        OBJ("ExperimentRun", experiment_run),
        OBJ("ListExperimentRunResponse", list_run_resp),
        OBJ("ResilienceScoreCategory", score_category),
        OBJ("GetExperimentStatsResponse", exp_stats),
        OBJ("GetExperimentRunStatsResponse", run_stats),
        ENUM("EnvironmentType", e_env_type),
        ENUM("InfrastructureType", e_infra_type),
        ENUM("UpdateStatus", e_update_status),
        ENUM("ExperimentRunStatus", e_run_status),
        INPUT("Pagination", a_pagination),
        INPUT("CreateEnvironmentRequest", a_create_env),
        INPUT("UpdateEnvironmentRequest", a_update_env),
        INPUT("ListEnvironmentRequest", a_list_env),
        INPUT("RegisterInfraRequest", a_register_infra),
        INPUT("InfraFilterInput", a_infra_filter),
        INPUT("ListInfraRequest", a_list_infra),
        INPUT("ExperimentRequest", a_fault_req),
        INPUT("WeightagesInput", a_weightages),
        INPUT("ChaosExperimentRequest", a_create_exp),
        INPUT("SaveChaosExperimentRequest", a_save_exp),
        INPUT("ExperimentFilterInput", a_exp_filter),
        INPUT("ExperimentSortInput", a_exp_sort),
        INPUT("ListExperimentRequest", a_list_exp),
        INPUT("ExperimentRunFilterInput", a_run_filter),
        INPUT("ListExperimentRunRequest", a_list_run),
        { 0, NULL },
};

const struct backend_schema_part backend_part_core = { .types = types + 2,
                                                       .query = query,
                                                       .mutation = mutation };

/* Every part of the API, in SDL order. A feature adds its own part (its file, its tables) here. */
static const struct backend_schema_part *const parts[] = {
        &backend_part_core,     &backend_part_probes, &backend_part_manifests,
        &backend_part_schedule, &backend_part_live,   &backend_part_safety,
};

static size_t count_fields(const struct gql_field_def *f)
{
        size_t n = 0;

        while (f && f[n].name)
                n++;
        return n;
}

static size_t count_types(const struct gql_type_def *t)
{
        size_t n = 0;

        while (t && t[n].name)
                n++;
        return n;
}

int backend_schema_new(struct gql_schema **ret)
{
        size_t nq = 0, nm = 0, nt = 2, iq = 0, im = 0, it = 2;
        struct gql_field_def *q, *m;
        struct gql_type_def *t;
        char err[256];
        int r = -ENOMEM;

        for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
                nq += count_fields(parts[i]->query);
                nm += count_fields(parts[i]->mutation);
                nt += count_types(parts[i]->types);
        }
        q = calloc(nq + 1, sizeof(*q));
        m = calloc(nm + 1, sizeof(*m));
        t = calloc(nt + 1, sizeof(*t));
        if (q && m && t) {
                for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
                        size_t a = count_fields(parts[i]->query), b = count_fields(parts[i]->mutation);
                        size_t c = count_types(parts[i]->types);

                        if (a)
                                memcpy(q + iq, parts[i]->query, a * sizeof(*q));
                        if (b)
                                memcpy(m + im, parts[i]->mutation, b * sizeof(*m));
                        if (c)
                                memcpy(t + it, parts[i]->types, c * sizeof(*t));
                        iq += a;
                        im += b;
                        it += c;
                }
                audit_wrap_mutations(m, nm);
                t[0] = (struct gql_type_def)OBJ("Query", q);
                t[1] = (struct gql_type_def)OBJ("Mutation", m);
                struct gql_schema_def def = { .types = t, .query = "Query", .mutation = "Mutation" };

                r = gql_schema_new(&def, err, sizeof(err), ret);
                if (r < 0)
                        log_error("backend schema", LOG_STR("error", err));
        }
        free(q);
        free(m);
        free(t);
        return r;
}
