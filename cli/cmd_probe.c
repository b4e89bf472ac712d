/* riftctl's saved probes (Litmus's addProbe, listProbes, getProbe, deleteProbe): create from a file
 * holding a ProbeRequest (JSON or YAML), list, describe and delete. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define RUN_SEL                                                                                              \
        "probeTimeout interval retry attempt probePollingInterval initialDelay evaluationTimeout "           \
        "stopOnFailure"
#define PROBE_DETAIL_SEL                                                                                     \
        "name type description tags infrastructureType referencedBy createdAt updatedAt createdBy { "        \
        "username } updatedBy { username } kubernetesHTTPProperties { " RUN_SEL                              \
        " url method { get { criteria responseCode } post { contentType body bodyPath criteria "             \
        "responseCode } } insecureSkipVerify } kubernetesCMDProperties { " RUN_SEL                           \
        " command comparator { type value criteria } source } promProperties { " RUN_SEL                     \
        " endpoint query queryPath comparator { type value criteria } } k8sProperties { " RUN_SEL            \
        " group version resource namespace resourceNames fieldSelector labelSelector operation }"

static const struct gql_field probe_fields[] = {
        { "name", "name", GQL_STR },
        { "type", "type", GQL_STR },
        { "description", "description", GQL_STR },
        { "infrastructureType", "infrastructureType", GQL_STR },
        { "referencedBy", "referencedBy", GQL_INT },
        { "createdAt", "createdAt", GQL_TIME },
        { "updatedAt", "updatedAt", GQL_TIME },
        { "createdBy", "createdBy.username", GQL_STR },
};
static const struct output_column probe_cols[] = {
        { "NAME", "name" },
        { "TYPE", "type" },
        { "INFRA TYPE", "infrastructureType" },
        { "USED BY", "referencedBy" },
        { "CREATED", "createdAt" },
        { "DESCRIPTION", "description" },
};
static const struct gql_field probe_detail_fields[] = {
        { "name", "name", GQL_STR },
        { "type", "type", GQL_STR },
        { "description", "description", GQL_STR },
        { "tags", "tags", GQL_ANY },
        { "infrastructureType", "infrastructureType", GQL_STR },
        { "referencedBy", "referencedBy", GQL_INT },
        { "createdBy", "createdBy.username", GQL_STR },
        { "updatedBy", "updatedBy.username", GQL_STR },
        { "createdAt", "createdAt", GQL_TIME },
        { "updatedAt", "updatedAt", GQL_TIME },
        { "properties", "kubernetesHTTPProperties|kubernetesCMDProperties|promProperties|k8sProperties",
          GQL_FIRST },
};
static const struct gql_var probe_list_vars[] = {
        { "projectID", "project-id", false },
        { "filter.type", "probe-type", true },
};
static const struct gql_var probe_id_vars[] = {
        { "projectID", "project-id", false },
        { "probeName", "probe-id", false },
};

const struct gql_command gql_get_probes = {
        .query =
            "query($projectID: ID!, $filter: ProbeFilterInput) { listProbes(projectID: $projectID, filter: "
            "$filter) { name type description infrastructureType referencedBy createdAt updatedAt "
            "createdBy { username } } }",
        .field = "listProbes",
        .items = "",
        .vars = probe_list_vars,
        .n_vars = ARRAY_SIZE(probe_list_vars),
        .fields = probe_fields,
        .n_fields = ARRAY_SIZE(probe_fields),
        .cols = probe_cols,
        .n_cols = ARRAY_SIZE(probe_cols),
};

const struct gql_command gql_describe_probe = {
        .query = "query($projectID: ID!, $probeName: ID!) { getProbe(projectID: $projectID, probeName: "
                 "$probeName) { " PROBE_DETAIL_SEL " } }",
        .field = "getProbe",
        .vars = probe_id_vars,
        .n_vars = ARRAY_SIZE(probe_id_vars),
        .fields = probe_detail_fields,
        .n_fields = ARRAY_SIZE(probe_detail_fields),
};

const struct gql_command gql_delete_probe = {
        .query = "mutation($projectID: ID!, $probeName: ID!) { deleteProbe(projectID: $projectID, probeName: "
                 "$probeName) }",
        .field = "deleteProbe",
        .vars = probe_id_vars,
        .n_vars = ARRAY_SIZE(probe_id_vars),
        .done = "probe {probeName} deleted",
};

int cmd_create_probe(struct cli_ctx *ctx, const struct cli_args *a)
{
        static const struct gql_field created[] = { { "name", "name", GQL_STR },
                                                    { "type", "type", GQL_STR } };
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = cJSON_CreateObject(), *req = NULL, *ans = NULL, *row = NULL;
        int code = api_read_doc(cli_arg(a, "file"), &req);

        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        if (!vars || rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) < 0 ||
            gql_set(vars, "request", TAKE_PTR(req)) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code =
            gql_call(ctx, &s,
                     "mutation($projectID: ID!, $request: ProbeRequest!) { addProbe(projectID: $projectID, "
                     "request: $request) { name type } }",
                     vars, "addProbe", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        row = gql_shape(ans, created, ARRAY_SIZE(created), false);
        return row ? gql_print_done(ctx, "probe \"{name}\" created ({type})", row)
                   : cli_error(CLI_EXIT_SERVER, "out of memory");
}
