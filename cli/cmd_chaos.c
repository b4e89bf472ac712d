/* riftctl's chaos commands against rift-backend: environments, infrastructures, experiments and
 * runs. Most are one GraphQL operation described as data (struct gql_command, run by cmd_gql); the
 * ones that read files, pick defaults or chain calls have handlers here. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/crypto.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define V(var, flag)                                                                                         \
        {                                                                                                    \
                (var), (flag), false                                                                         \
        }
#define VL(var, flag)                                                                                        \
        {                                                                                                    \
                (var), (flag), true                                                                          \
        }
#define GQL_FIELDS(f) .fields = (f), .n_fields = ARRAY_SIZE(f)
#define GQL_VARS(v)   .vars = (v), .n_vars = ARRAY_SIZE(v)
#define GQL_COLS(c)   .cols = (c), .n_cols = ARRAY_SIZE(c)

/* ---- environments ----------------------------------------------------------------------------------- */

static const struct gql_field env_fields[] = {
        { "environmentID", "environmentID", GQL_STR },
        { "name", "name", GQL_STR },
        { "type", "type", GQL_STR },
        { "description", "description", GQL_STR },
        { "infraIDs", "infraIDs", GQL_ANY },
        { "createdAt", "createdAt", GQL_TIME },
};
static const struct output_column env_cols[] = {
        { "ENVIRONMENT ID", "environmentID" }, { "NAME", "name" },         { "TYPE", "type" },
        { "DESCRIPTION", "description" },      { "CREATED", "createdAt" },
};
static const struct gql_var project_var[] = { V("projectID", "project-id") };
static const struct gql_var env_id_vars[] = { V("projectID", "project-id"),
                                              V("environmentID", "environment-id") };

#define ENV_SELECTION "{ environmentID name type description infraIDs createdAt }"

const struct gql_command gql_get_environments = {
        .query = "query($projectID: ID!, $request: ListEnvironmentRequest) { listEnvironments(projectID: "
                 "$projectID, request: $request) { totalNoOfEnvironments environments " ENV_SELECTION " } }",
        .field = "listEnvironments",
        .items = "environments",
        .total = "totalNoOfEnvironments",
        GQL_VARS(project_var),
        GQL_FIELDS(env_fields),
        GQL_COLS(env_cols),
};

const struct gql_command gql_delete_environment = {
        .query = "mutation($projectID: ID!, $environmentID: ID!) { deleteEnvironment(projectID: $projectID, "
                 "environmentID: $environmentID) }",
        .field = "deleteEnvironment",
        GQL_VARS(env_id_vars),
        .done = "chaos environment {environmentID} deleted",
};

/* Litmus's environment types; prod and non-prod are litmusctl's spellings. */
static int env_type(const char *s, const char **ret)
{
        if (!s || !strcasecmp(s, "NON_PROD") || !strcasecmp(s, "non-prod"))
                *ret = "NON_PROD";
        else if (!strcasecmp(s, "PROD"))
                *ret = "PROD";
        else
                return cli_error(CLI_EXIT_USER, "invalid --type \"%s\": use PROD or NON_PROD", s);
        return CLI_EXIT_OK;
}

/* An environment ID from its name as the portal makes it: lower case, runs of other characters '-'. */
static int env_id_from_name(const char *name, char *ret, size_t size)
{
        size_t n = 0;

        for (const char *p = name; *p && n + 1 < size; p++) {
                if (isalnum((unsigned char)*p))
                        ret[n++] = (char)tolower((unsigned char)*p);
                else if (n > 0 && ret[n - 1] != '-')
                        ret[n++] = '-';
        }
        while (n > 0 && ret[n - 1] == '-')
                n--;
        ret[n] = '\0';
        return n > 0 ? CLI_EXIT_OK
                     : cli_error(CLI_EXIT_USER,
                                 "cannot make an ID from the name \"%s\": give --environment-id", name);
}

/* {"projectID": --project-id} plus the string members given as (path, value) pairs (NULL values skipped). */
static cJSON *vars_new(const struct cli_args *a, const char *const pairs[][2], size_t n)
{
        _cleanup_json_ cJSON *vars = cJSON_CreateObject();
        int r = vars ? rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < n; i++)
                if (pairs[i][1])
                        r = gql_set(vars, pairs[i][0], cJSON_CreateString(pairs[i][1]));
        return r < 0 ? NULL : TAKE_PTR(vars);
}

int cmd_create_environment(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = NULL, *ans = NULL, *row = NULL;
        const char *name = cli_arg(a, "name"), *type = NULL, *id = cli_arg(a, "environment-id");
        char made[RIFT_MAX_ID + 1];
        int code = env_type(cli_arg(a, "type"), &type);

        if (code == CLI_EXIT_OK && !id && (code = env_id_from_name(name, made, sizeof(made))) == CLI_EXIT_OK)
                id = made;
        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        vars = vars_new(a,
                        (const char *const[][2]){ { "request.environmentID", id },
                                                  { "request.name", name },
                                                  { "request.type", type },
                                                  { "request.description", cli_arg(a, "description") } },
                        4);
        if (!vars)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(ctx, &s,
                        "mutation($projectID: ID!, $request: CreateEnvironmentRequest) { createEnvironment("
                        "projectID: $projectID, request: $request) " ENV_SELECTION " }",
                        vars, "createEnvironment", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        if (!(row = gql_shape(ans, env_fields, ARRAY_SIZE(env_fields), false)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        return gql_print_done(ctx, "chaos environment \"{name}\" created with ID {environmentID}", row);
}

/* ---- infrastructures -------------------------------------------------------------------------------- */

static const struct gql_field infra_fields[] = {
        { "infraID", "infraID", GQL_STR },
        { "name", "name", GQL_STR },
        { "description", "description", GQL_STR },
        { "environmentID", "environmentID", GQL_STR },
        { "infraType", "infraType", GQL_STR },
        { "platformName", "platformName", GQL_STR },
        { "isActive", "isActive", GQL_BOOL },
        { "isInfraConfirmed", "isInfraConfirmed", GQL_BOOL },
        { "hostname", "hostname", GQL_STR },
        { "version", "version", GQL_STR },
        { "lastHeartbeat", "lastHeartbeat", GQL_TIME },
        { "createdAt", "createdAt", GQL_TIME },
};
static const struct output_column infra_cols[] = {
        { "INFRA ID", "infraID" },
        { "NAME", "name" },
        { "ENVIRONMENT", "environmentID" },
        { "ACTIVE", "isActive" },
        { "CONFIRMED", "isInfraConfirmed" },
        { "HOSTNAME", "hostname" },
        { "LAST HEARTBEAT", "lastHeartbeat" },
};
static const struct gql_var infra_list_vars[] = { V("projectID", "project-id"),
                                                  VL("request.environmentIDs", "environment-id") };
static const struct gql_var infra_id_vars[] = { V("projectID", "project-id"), V("infraID", "infra-id") };

const struct gql_command gql_get_infras = {
        .query =
            "query($projectID: ID!, $request: ListInfraRequest) { listInfras(projectID: $projectID, "
            "request: $request) { totalNoOfInfras infras { infraID name description environmentID "
            "infraType platformName isActive isInfraConfirmed hostname version lastHeartbeat createdAt } } }",
        .field = "listInfras",
        .items = "infras",
        .total = "totalNoOfInfras",
        GQL_VARS(infra_list_vars),
        GQL_FIELDS(infra_fields),
        GQL_COLS(infra_cols),
};

const struct gql_command gql_disconnect_infra = {
        .query = "mutation($projectID: ID!, $infraID: String!) { deleteInfra(projectID: $projectID, "
                 "infraID: $infraID) }",
        .field = "deleteInfra",
        GQL_VARS(infra_id_vars),
        .done = "chaos infrastructure {infraID} disconnected",
};

/* The environment to register in: --environment-id, or the project's only one. */
static int pick_environment(struct cli_ctx *ctx, const struct cli_session *s, const struct cli_args *a,
                            char *ret, size_t size)
{
        _cleanup_json_ cJSON *vars = vars_new(a, NULL, 0), *rows = NULL;
        _cleanup_buf_ struct rift_buf ids = RIFT_BUF_INIT(4096);
        const char *given = cli_arg(a, "environment-id");
        const cJSON *row;
        int code;

        if (given)
                return rift_strlcpy(ret, given, size) < 0
                           ? cli_error(CLI_EXIT_USER, "--environment-id too long")
                           : CLI_EXIT_OK;
        if (!vars)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_list_all(ctx, s, &gql_get_environments, vars, &rows);
        if (code != CLI_EXIT_OK)
                return code;
        if (cJSON_GetArraySize(rows) == 0)
                return cli_error(CLI_EXIT_USER,
                                 "project %s has no chaos environment; create one with 'riftctl "
                                 "create chaos-environment --project-id %s --name NAME'",
                                 cli_arg(a, "project-id"), cli_arg(a, "project-id"));
        cJSON_ArrayForEach(row, rows)
        {
                (void)rift_buf_printf(&ids, "%s%s", ids.len ? ", " : "",
                                      cJSON_GetObjectItem(row, "environmentID")->valuestring);
        }
        if (cJSON_GetArraySize(rows) > 1)
                return cli_error(CLI_EXIT_USER,
                                 "project %s has several chaos environments (%s): choose one with "
                                 "--environment-id",
                                 cli_arg(a, "project-id"), ids.data);
        return rift_strlcpy(ret, ids.data, size) < 0 ? cli_error(CLI_EXIT_USER, "environment ID too long")
                                                     : CLI_EXIT_OK;
}

/* Runs the install command with /bin/sh in the current directory (its output on stderr unless the
 * output is a table, so JSON on stdout stays clean). */
static int run_install(struct cli_ctx *ctx, const char *command, const char *extra, const char *infra_id)
{
        _cleanup_free_ char *line = NULL;
        int status;
        pid_t pid;

        if (asprintf(&line, "%s%s%s", command, extra ? " " : "", extra ? extra : "") < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return cli_error(CLI_EXIT_USER, "cannot start the install command: %s", strerror(errno));
        if (pid == 0) {
                if (ctx->output != OUTPUT_TABLE)
                        (void)dup2(STDERR_FILENO, STDOUT_FILENO);
                execl("/bin/sh", "sh", "-c", line, (char *)NULL);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return cli_error(CLI_EXIT_USER, "waiting for the install command: %s",
                                         strerror(errno));
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return CLI_EXIT_OK;
        return cli_error(
            CLI_EXIT_USER,
            "the install command failed (%s %d); chaos infrastructure %s stays registered: run the "
            "command by hand, or remove it with 'riftctl disconnect chaos-infra %s'",
            WIFEXITED(status) ? "exit status" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), infra_id, infra_id);
}

static int connect_checks(const struct cli_args *a)
{
        const char *type = cli_arg(a, "type");

        if (type && strcasecmp(type, "linux") != 0)
                return cli_error(CLI_EXIT_USER, "invalid --type \"%s\": Rift connects linux infrastructures",
                                 type);
        if (cli_arg(a, "install-args") && !cli_arg(a, "install"))
                return cli_error(CLI_EXIT_USER, "--install-args needs --install");
        if (cli_arg(a, "install") && access("install.sh", R_OK) != 0)
                return cli_error(CLI_EXIT_USER,
                                 "--install: no install.sh in the current directory (run riftctl "
                                 "where the Rift release's agent/install.sh is)");
        return CLI_EXIT_OK;
}

int cmd_connect_infra(struct cli_ctx *ctx, const struct cli_args *a)
{
        static const struct gql_field reg_fields[] = {
                { "infraID", "infraID", GQL_STR },
                { "name", "name", GQL_STR },
                { "installCommand", "installCommand", GQL_STR },
        };
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = NULL, *ans = NULL, *row = NULL;
        const char *platform = cli_arg(a, "platform-name");
        char env[RIFT_MAX_ID + 1];
        int code = connect_checks(a);

        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = pick_environment(ctx, &s, a, env, sizeof(env));
        if (code != CLI_EXIT_OK)
                return code;
        vars = vars_new(a,
                        (const char *const[][2]){ { "request.name", cli_arg(a, "name") },
                                                  { "request.environmentID", env },
                                                  { "request.infrastructureType", "Linux" },
                                                  { "request.platformName", platform ? platform : "linux" },
                                                  { "request.description", cli_arg(a, "description") } },
                        5);
        if (!vars)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code =
            gql_call(ctx, &s,
                     "mutation($projectID: ID!, $request: RegisterInfraRequest!) { registerInfra(projectID: "
                     "$projectID, request: $request) { infraID name installCommand } }",
                     vars, "registerInfra", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        row = gql_shape(ans, reg_fields, ARRAY_SIZE(reg_fields), false);
        if (!row || rift_json_add_string(row, "environmentID", env) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_print_done(ctx,
                              "chaos infrastructure \"{name}\" registered with ID {infraID} in environment "
                              "{environmentID}\nInstall rift-agent on the target machine with (the key in it "
                              "works once):\n  {installCommand}",
                              row);
        if (code != CLI_EXIT_OK || !cli_arg(a, "install"))
                return code;
        return run_install(ctx, cJSON_GetObjectItem(row, "installCommand")->valuestring,
                           cli_arg(a, "install-args"), cJSON_GetObjectItem(row, "infraID")->valuestring);
}

/* ---- experiments ------------------------------------------------------------------------------------ */

static const struct gql_field exp_fields[] = {
        { "experimentID", "experimentID", GQL_STR },
        { "name", "name", GQL_STR },
        { "description", "description", GQL_STR },
        { "infraID", "infraID", GQL_STR },
        { "infraName", "infra.name", GQL_STR },
        { "cronSyntax", "cronSyntax", GQL_STR },
        { "revisionID", "revisionID", GQL_STR },
        { "lastRunID", "recentExperimentRunDetails.0.experimentRunID", GQL_STR },
        { "lastRunPhase", "recentExperimentRunDetails.0.phase", GQL_STR },
        { "lastResiliencyScore", "recentExperimentRunDetails.0.resiliencyScore", GQL_NUM },
        { "createdAt", "createdAt", GQL_TIME },
        { "updatedAt", "updatedAt", GQL_TIME },
};
static const struct output_column exp_cols[] = {
        { "EXPERIMENT ID", "experimentID" },
        { "NAME", "name" },
        { "INFRA", "infraName" },
        { "LAST RUN", "lastRunPhase" },
        { "SCORE", "lastResiliencyScore" },
        { "UPDATED", "updatedAt" },
};
static const struct gql_var exp_list_vars[] = { V("projectID", "project-id"),
                                                V("request.filter.infraID", "chaos-infra-id") };
static const struct gql_var exp_id_vars[] = { V("projectID", "project-id"),
                                              V("experimentID", "experiment-id") };

/* (the revision list is left to describe: the backend loads it per experiment) */
#define EXP_SELECTION                                                                                        \
        "experimentID name description infraID infra { name } cronSyntax revisionID createdAt updatedAt "    \
        "recentExperimentRunDetails { experimentRunID phase resiliencyScore }"

/* Whether experiment e lacks recent runs (and has an ID to ask them by). */
static bool needs_runs(const cJSON *e)
{
        return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, "recentExperimentRunDetails")) == 0 &&
               cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "experimentID"));
}

/* Litmus's recentExperimentRunDetails where the server leaves it empty: the newest run of each
 * experiment of the page, all asked in one request (one aliased listExperimentRun per experiment). */
static int fill_last_runs(struct cli_ctx *ctx, const struct cli_session *s, const cJSON *list_vars,
                          cJSON *items)
{
        _cleanup_buf_ struct rift_buf q = RIFT_BUF_INIT(1u << 20), decl = RIFT_BUF_INIT(1u << 16);
        _cleanup_json_ cJSON *vars = cJSON_CreateObject(), *data = NULL;
        _cleanup_free_ char *doc = NULL;
        cJSON *e;
        int n = 0, r = vars ? 0 : -ENOMEM, code;

        cJSON_ArrayForEach(e, items)
        {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "experimentID");
                char name[16];
                if (!needs_runs(e))
                        continue;
                (void)snprintf(name, sizeof(name), "e%d", n++);
                if (r >= 0)
                        r = gql_set(vars, name,
                                    cJSON_CreateStringArray((const char *const *)&id->valuestring, 1));
                if (r >= 0)
                        r = rift_buf_printf(&decl, ", $%s: [ID]", name);
                if (r >= 0)
                        r = rift_buf_printf(
                            &q,
                            " %s: listExperimentRun(projectID: $projectID, request: {experimentIDs: "
                            "$%s, pagination: {page: 0, limit: 1}}) { experimentRuns { "
                            "experimentRunID phase resiliencyScore } }",
                            name, name);
        }
        if (n == 0)
                return CLI_EXIT_OK;
        if (r >= 0)
                r = gql_set(vars, "projectID",
                            cJSON_Duplicate(cJSON_GetObjectItem(list_vars, "projectID"), true));
        if (r < 0 || asprintf(&doc, "query($projectID: ID!%s) {%s }", decl.data, q.data) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(ctx, s, doc, vars, NULL, &data);
        if (code != CLI_EXIT_OK)
                return code;
        n = 0;
        cJSON_ArrayForEach(e, items)
        {
                char name[16];
                cJSON *runs;
                if (!needs_runs(e))
                        continue;
                (void)snprintf(name, sizeof(name), "e%d", n++);
                runs = cJSON_DetachItemFromObjectCaseSensitive(cJSON_GetObjectItem(data, name),
                                                               "experimentRuns");
                cJSON_DeleteItemFromObjectCaseSensitive(e, "recentExperimentRunDetails");
                if (runs && !cJSON_AddItemToObject(e, "recentExperimentRunDetails", runs))
                        cJSON_Delete(runs);
        }
        return CLI_EXIT_OK;
}

const struct gql_command gql_get_experiments = {
        .query =
            "query($projectID: ID!, $request: ListExperimentRequest!) { listExperiment(projectID: "
            "$projectID, request: $request) { totalNoOfExperiments experiments { " EXP_SELECTION " } } }",
        .field = "listExperiment",
        .items = "experiments",
        .total = "totalNoOfExperiments",
        .page_hook = fill_last_runs,
        GQL_VARS(exp_list_vars),
        GQL_FIELDS(exp_fields),
        GQL_COLS(exp_cols),
};

static const struct gql_field exp_detail_fields[] = {
        { "experimentID", "experimentDetails.experimentID", GQL_STR },
        { "name", "experimentDetails.name", GQL_STR },
        { "description", "experimentDetails.description", GQL_STR },
        { "infraID", "experimentDetails.infraID", GQL_STR },
        { "infraName", "experimentDetails.infra.name", GQL_STR },
        { "cronSyntax", "experimentDetails.cronSyntax", GQL_STR },
        { "revisionID", "experimentDetails.revisionID", GQL_STR },
        { "revisions", "experimentDetails.revision", GQL_COUNT },
        { "createdBy", "experimentDetails.createdBy.username", GQL_STR },
        { "updatedBy", "experimentDetails.updatedBy.username", GQL_STR },
        { "createdAt", "experimentDetails.createdAt", GQL_TIME },
        { "updatedAt", "experimentDetails.updatedAt", GQL_TIME },
        { "averageResiliencyScore", "averageResiliencyScore", GQL_NUM },
        { "recentRuns", "experimentDetails.recentExperimentRunDetails", GQL_ANY },
        { "manifest", "experimentDetails.experimentManifest", GQL_DOC },
};

const struct gql_command gql_describe_experiment = {
        .query =
            "query($projectID: ID!, $experimentID: String!) { getExperiment(projectID: $projectID, "
            "experimentID: $experimentID) { averageResiliencyScore experimentDetails { " EXP_SELECTION
            " revision { revisionID } experimentManifest createdBy { username } updatedBy { username } } } }",
        .field = "getExperiment",
        GQL_VARS(exp_id_vars),
        GQL_FIELDS(exp_detail_fields),
};

const struct gql_command gql_delete_experiment = {
        .query = "mutation($projectID: ID!, $experimentID: String!) { deleteChaosExperiment(projectID: "
                 "$projectID, experimentID: $experimentID) }",
        .field = "deleteChaosExperiment",
        GQL_VARS(exp_id_vars),
        .done = "chaos experiment {experimentID} deleted",
};

/* The experiment's name: --name, else metadata.name (Litmus YAML) or name of the file. */
static int manifest_name(const struct cli_args *a, const char *text, size_t len, char *ret, size_t size)
{
        _cleanup_json_ cJSON *doc = NULL;
        const char *msg = "not valid YAML or JSON", *name = cli_arg(a, "name");
        const cJSON *v;

        if (!name) {
                if (ctlconfig_yaml_to_json(text, len, false, &doc, &msg) < 0)
                        return cli_error(CLI_EXIT_USER, "%s: %s", cli_arg(a, "file"), msg);
                v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "metadata"),
                                                     "name");
                if (!cJSON_IsString(v))
                        v = cJSON_GetObjectItemCaseSensitive(doc, "name");
                if (!cJSON_IsString(v) || !v->valuestring[0])
                        return cli_error(CLI_EXIT_USER, "%s has no metadata.name or name: give --name",
                                         cli_arg(a, "file"));
                name = v->valuestring;
        }
        return rift_strlcpy(ret, name, size) < 0 ? cli_error(CLI_EXIT_USER, "experiment name too long")
                                                 : CLI_EXIT_OK;
}

/* The run createChaosExperiment started, if any ("" when none). */
static int first_run(struct cli_ctx *ctx, const struct cli_session *s, const struct cli_args *a,
                     const char *id, cJSON *row)
{
        _cleanup_json_ cJSON *vars = vars_new(a, NULL, 0), *ans = NULL;
        const cJSON *run;
        int code;

        if (!vars || gql_set(vars, "request.experimentIDs", cJSON_CreateStringArray(&id, 1)) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(ctx, s,
                        "query($projectID: ID!, $request: ListExperimentRunRequest!) { listExperimentRun("
                        "projectID: $projectID, request: $request) { experimentRuns { experimentRunID } } }",
                        vars, "listExperimentRun", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        run = cJSON_GetArrayItem(cJSON_GetObjectItem(ans, "experimentRuns"), 0);
        run = cJSON_GetObjectItem(run, "experimentRunID");
        return rift_json_add_string(row, "experimentRunID", cJSON_IsString(run) ? run->valuestring : "") < 0
                   ? cli_error(CLI_EXIT_SERVER, "out of memory")
                   : CLI_EXIT_OK;
}

/* create (save and run, as litmusctl) or save a chaos experiment from -f FILE. */
static int put_experiment(struct cli_ctx *ctx, const struct cli_args *a, bool run)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = NULL, *ans = NULL, *row = NULL;
        _cleanup_free_ char *text = NULL;
        char name[256], made[RIFT_UUID_STRLEN + 1];
        const char *id = cli_arg(a, "experiment-id");
        size_t len;
        int code = api_read_file(cli_arg(a, "file"), CLI_MAX_MANIFEST, &text, &len);

        if (code == CLI_EXIT_OK)
                code = manifest_name(a, text, len, name, sizeof(name));
        if (code == CLI_EXIT_OK && !id && rift_crypto_uuid4(made) < 0)
                code = cli_error(CLI_EXIT_SERVER, "cannot make an experiment ID");
        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        id = id ? id : made;
        vars = vars_new(
            a,
            (const char *const[][2]){
                { run ? "request.experimentID" : "request.id", id },
                { run ? "request.experimentName" : "request.name", name },
                { run ? "request.experimentDescription" : "request.description", cli_arg(a, "description") },
                { run ? "request.experimentManifest" : "request.manifest", text },
                { "request.infraID", cli_arg(a, "chaos-infra-id") } },
            5);
        if (!vars || (run && gql_set(vars, "request.runExperiment", cJSON_CreateTrue()) < 0))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(
            ctx, &s,
            run ? "mutation($projectID: ID!, $request: ChaosExperimentRequest!) { createChaosExperiment("
                  "projectID: $projectID, request: $request) { experimentID } }"
                : "mutation($projectID: ID!, $request: SaveChaosExperimentRequest!) { "
                  "saveChaosExperiment(projectID: $projectID, request: $request) }",
            vars, run ? "createChaosExperiment" : "saveChaosExperiment", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        row = cJSON_CreateObject();
        if (!row || rift_json_add_string(row, "experimentID", id) < 0 ||
            rift_json_add_string(row, "name", name) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (!run)
                return gql_print_done(ctx, "chaos experiment \"{name}\" saved with ID {experimentID}", row);
        code = first_run(ctx, &s, a, id, row);
        if (code != CLI_EXIT_OK)
                return code;
        return gql_print_done(ctx,
                              cJSON_GetObjectItem(row, "experimentRunID")->valuestring[0]
                                  ? "chaos experiment \"{name}\" created with ID {experimentID}; run "
                                    "{experimentRunID} queued"
                                  : "chaos experiment \"{name}\" created with ID {experimentID}; no run was "
                                    "started (start one with 'riftctl run chaos-experiment {experimentID}')",
                              row);
}

int cmd_create_experiment(struct cli_ctx *ctx, const struct cli_args *a)
{
        return put_experiment(ctx, a, true);
}

int cmd_save_experiment(struct cli_ctx *ctx, const struct cli_args *a)
{
        return put_experiment(ctx, a, false);
}
