/* GraphQL types and root fields of saved probes (addProbe, listProbes, ...), Litmus's names and shapes. */
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
#define INPUT(n, f)                                                                                          \
        {                                                                                                    \
                GQL_KIND_INPUT_OBJECT, n, NULL, NULL, NULL, NULL, NULL, f                                    \
        }
#define ENUM(n, v)                                                                                           \
        {                                                                                                    \
                GQL_KIND_ENUM, n, NULL, NULL, NULL, NULL, v                                                  \
        }

/* run properties every probe type shares (output and input) */
#define RUN_FIELDS                                                                                           \
        J("probeTimeout", "String!"), J("interval", "String!"), J("retry", "Int"), J("attempt", "Int"),      \
            J("probePollingInterval", "String"), J("initialDelay", "String"),                                \
            J("evaluationTimeout", "String"), J("stopOnFailure", "Boolean")
#define RUN_ARGS                                                                                             \
        { "probeTimeout", "String!" }, { "interval", "String!" }, { "retry", "Int" }, { "attempt", "Int" },  \
            { "probePollingInterval", "String" }, { "initialDelay", "String" },                              \
            { "evaluationTimeout", "String" },                                                               \
        {                                                                                                    \
                "stopOnFailure", "Boolean"                                                                   \
        }

static const struct gql_field_def get_f[] = { J("criteria", "String!"),
                                              J("responseCode", "String!"),
                                              { NULL } };
static const struct gql_field_def post_f[] = {
        J("contentType", "String"), J("body", "String"),          J("bodyPath", "String"),
        J("criteria", "String!"),   J("responseCode", "String!"), { NULL },
};
static const struct gql_field_def method_f[] = { J("get", "GET"), J("post", "POST"), { NULL } };
static const struct gql_field_def comparator_f[] = {
        J("type", "String!"),
        J("value", "String!"),
        J("criteria", "String!"),
        { NULL },
};
static const struct gql_field_def http_f[] = {
        RUN_FIELDS, J("url", "String!"), J("method", "Method!"), J("insecureSkipVerify", "Boolean"), { NULL },
};
static const struct gql_field_def cmd_f[] = {
        RUN_FIELDS, J("command", "String!"), J("comparator", "Comparator!"), J("source", "String"), { NULL },
};
static const struct gql_field_def prom_f[] = {
        RUN_FIELDS,
        J("endpoint", "String!"),
        J("query", "String"),
        J("queryPath", "String"),
        J("comparator", "Comparator!"),
        { NULL },
};
static const struct gql_field_def k8s_f[] = {
        RUN_FIELDS,
        J("group", "String"),
        J("version", "String!"),
        J("resource", "String!"),
        J("namespace", "String"),
        J("resourceNames", "String"),
        J("fieldSelector", "String"),
        J("labelSelector", "String"),
        J("operation", "String!"),
        { NULL },
};
static const struct gql_field_def probe_f[] = {
        J("projectID", "ID!"),
        J("name", "String!"),
        J("description", "String"),
        J("tags", "[String!]"),
        J("type", "ProbeType!"),
        J("infrastructureType", "InfrastructureType!"),
        J("kubernetesHTTPProperties", "KubernetesHTTPProbe"),
        J("kubernetesCMDProperties", "KubernetesCMDProbe"),
        J("promProperties", "PROMProbe"),
        J("k8sProperties", "K8SProbe"),
        J("referencedBy", "Int"),
        J("createdAt", "String"),
        J("updatedAt", "String"),
        J("createdBy", "UserDetails"),
        J("updatedBy", "UserDetails"),
        { NULL },
};

static const struct gql_arg_def get_a[] = { { "criteria", "String!" },
                                            { "responseCode", "String!" },
                                            { NULL } };
static const struct gql_arg_def post_a[] = {
        { "contentType", "String" }, { "body", "String" },          { "bodyPath", "String" },
        { "criteria", "String!" },   { "responseCode", "String!" }, { NULL },
};
static const struct gql_arg_def method_a[] = { { "get", "GETRequest" }, { "post", "POSTRequest" }, { NULL } };
static const struct gql_arg_def comparator_a[] = {
        { "type", "String!" },
        { "value", "String!" },
        { "criteria", "String!" },
        { NULL },
};
static const struct gql_arg_def http_a[] = {
        RUN_ARGS, { "url", "String!" }, { "method", "MethodRequest!" }, { "insecureSkipVerify", "Boolean" },
        { NULL },
};
static const struct gql_arg_def cmd_a[] = {
        RUN_ARGS, { "command", "String!" }, { "comparator", "ComparatorInput!" }, { "source", "String" },
        { NULL },
};
static const struct gql_arg_def prom_a[] = {
        RUN_ARGS,
        { "endpoint", "String!" },
        { "query", "String" },
        { "queryPath", "String" },
        { "comparator", "ComparatorInput!" },
        { NULL },
};
static const struct gql_arg_def k8s_a[] = {
        RUN_ARGS,
        { "group", "String" },
        { "version", "String!" },
        { "resource", "String!" },
        { "namespace", "String" },
        { "resourceNames", "String" },
        { "fieldSelector", "String" },
        { "labelSelector", "String" },
        { "operation", "String!" },
        { NULL },
};
static const struct gql_arg_def probe_req_a[] = {
        { "name", "ID!" },
        { "description", "String" },
        { "tags", "[String!]" },
        { "type", "ProbeType!" },
        { "infrastructureType", "InfrastructureType!" },
        { "kubernetesHTTPProperties", "KubernetesHTTPProbeRequest" },
        { "kubernetesCMDProperties", "KubernetesCMDProbeRequest" },
        { "promProperties", "PROMProbeRequest" },
        { "k8sProperties", "K8SProbeRequest" },
        { NULL },
};
static const struct gql_arg_def date_range_a[] = { { "startDate", "String!" },
                                                   { "endDate", "String" },
                                                   { NULL } };
static const struct gql_arg_def probe_filter_a[] = {
        { "name", "String" },
        { "dateRange", "DateRange" },
        { "type", "[ProbeType]" },
        { NULL },
};
static const struct gql_arg_def yaml_req_a[] = { { "probeName", "ID!" }, { "mode", "Mode!" }, { NULL } };

static const struct gql_enum_value_def e_probe_type[] = {
        { "httpProbe" }, { "cmdProbe" }, { "promProbe" }, { "k8sProbe" }, { NULL },
};
static const struct gql_enum_value_def e_mode[] = {
        { "SOT" }, { "EOT" }, { "Edge" }, { "Continuous" }, { "OnChaos" }, { NULL },
};

static const struct gql_type_def types[] = {
        OBJ("GET", get_f),
        OBJ("POST", post_f),
        OBJ("Method", method_f),
        OBJ("Comparator", comparator_f),
        OBJ("KubernetesHTTPProbe", http_f),
        OBJ("KubernetesCMDProbe", cmd_f),
        OBJ("PROMProbe", prom_f),
        OBJ("K8SProbe", k8s_f),
        OBJ("Probe", probe_f),
        ENUM("ProbeType", e_probe_type),
        ENUM("Mode", e_mode),
        INPUT("GETRequest", get_a),
        INPUT("POSTRequest", post_a),
        INPUT("MethodRequest", method_a),
        INPUT("ComparatorInput", comparator_a),
        INPUT("KubernetesHTTPProbeRequest", http_a),
        INPUT("KubernetesCMDProbeRequest", cmd_a),
        INPUT("PROMProbeRequest", prom_a),
        INPUT("K8SProbeRequest", k8s_a),
        INPUT("ProbeRequest", probe_req_a),
        INPUT("DateRange", date_range_a),
        INPUT("ProbeFilterInput", probe_filter_a),
        INPUT("GetProbeYAMLRequest", yaml_req_a),
        { 0, NULL },
};

static const struct gql_arg_def m_probe[] = { { "request", "ProbeRequest!" },
                                              { "projectID", "ID!" },
                                              { NULL } };
static const struct gql_arg_def m_delete[] = { { "probeName", "ID!" }, { "projectID", "ID!" }, { NULL } };
static const struct gql_arg_def q_list[] = {
        { "projectID", "ID!" },
        { "infrastructureType", "InfrastructureType" },
        { "probeNames", "[ID!]" },
        { "filter", "ProbeFilterInput" },
        { NULL },
};
static const struct gql_arg_def q_get[] = { { "projectID", "ID!" }, { "probeName", "ID!" }, { NULL } };
static const struct gql_arg_def q_yaml[] = {
        { "projectID", "ID!" },
        { "request", "GetProbeYAMLRequest!" },
        { NULL },
};

static const struct gql_field_def query[] = {
        R("listProbes", "[Probe]!", q_list, res_list_probes),
        R("getProbe", "Probe!", q_get, res_get_probe),
        R("getProbeYAML", "String!", q_yaml, res_get_probe_yaml),
        { NULL },
};
static const struct gql_field_def mutation[] = {
        R("addProbe", "Probe!", m_probe, res_add_probe),
        R("updateProbe", "String!", m_probe, res_update_probe),
        R("deleteProbe", "Boolean!", m_delete, res_delete_probe),
        { NULL },
};

const struct backend_schema_part backend_part_probes = { .types = types,
                                                         .query = query,
                                                         .mutation = mutation };
