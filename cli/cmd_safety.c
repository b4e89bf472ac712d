/* riftctl's safety commands (docs/safety.md): the emergency stop of one project or of every project,
 * blast-radius guards per chaos environment, dry runs, and the audit trails of rift-backend (GraphQL
 * listAuditEvents, per project) and rift-auth (GET /audit_events: logins and role changes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define AUDIT_PAGE      100   /* events per listAuditEvents call (the backend's largest page) */
#define AUDIT_DEFAULT   100   /* events printed without --limit */
#define AUDIT_MAX_LIMIT 10000 /* --limit at most */
#define SUMMARY_MAX     4096  /* bytes of a guards summary in a table cell */

/* ---- emergency stop --------------------------------------------------------------------------------- */

#define ESTOP_SELECTION "{ active scope projectID reason stoppedBy stoppedAt runsStopped }"

static const struct gql_field estop_fields[] = {
        { "active", "active", GQL_BOOL },          { "scope", "scope", GQL_STR },
        { "projectID", "projectID", GQL_STR },     { "reason", "reason", GQL_STR },
        { "stoppedBy", "stoppedBy", GQL_STR },     { "stoppedAt", "stoppedAt", GQL_TIME },
        { "runsStopped", "runsStopped", GQL_INT },
};
static const struct output_column estop_cols[] = {
        { "ACTIVE", "active" },
        { "SCOPE", "scope" },
        { "STOPPED BY", "stoppedBy" },
        { "STOPPED AT", "stoppedAt" },
        { "RUNS STOPPED", "runsStopped" },
        { "REASON", "reason" },
};

/* The four mutations: [press][all]. */
static const struct {
        const char *field; /* root field */
        const char *query; /* the document */
} estop_ops[2][2] = {
        { { "releaseEmergencyStop", "mutation($projectID: ID!) { releaseEmergencyStop(projectID: $projectID) "
                                    "" ESTOP_SELECTION " }" },
          { "releaseEmergencyStopAll", "mutation { releaseEmergencyStopAll " ESTOP_SELECTION " }" } },
        { { "emergencyStop", "mutation($projectID: ID!, $reason: String) { emergencyStop(projectID: "
                             "$projectID, reason: $reason) " ESTOP_SELECTION " }" },
          { "emergencyStopAll",
            "mutation($reason: String) { emergencyStopAll(reason: $reason) " ESTOP_SELECTION " }" } },
};

/* --project-id or --all, exactly one; *ret_all tells which. */
static int estop_scope(const struct cli_args *a, bool *ret_all)
{
        const char *project = cli_arg(a, "project-id");
        bool all = cli_arg(a, "all") != NULL;

        if (project && *project && all)
                return cli_error(CLI_EXIT_USER, "give --project-id or --all, not both");
        if (!(project && *project) && !all)
                return cli_error(CLI_EXIT_USER,
                                 "give --project-id ID (one project) or --all (every project; global "
                                 "admins only) (see 'riftctl %s%s%s --help')",
                                 a->cmd->verb, a->cmd->noun ? " " : "", a->cmd->noun ? a->cmd->noun : "");
        *ret_all = all;
        return CLI_EXIT_OK;
}

/* Presses (press) or releases the stop in the scope the flags name; *ret_row gets the status row. */
static int estop_call(struct cli_ctx *ctx, const struct cli_args *a, bool press, bool *ret_all,
                      cJSON **ret_row)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = cJSON_CreateObject(), *ans = NULL;
        const char *reason = cli_arg(a, "reason");
        bool all = false;
        int code = estop_scope(a, &all);

        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        if (!vars || (!all && rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) < 0) ||
            (press && reason && rift_json_add_string(vars, "reason", reason) < 0))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(ctx, &s, estop_ops[press][all].query, vars, estop_ops[press][all].field, &ans);
        if (code != CLI_EXIT_OK)
                return code;
        *ret_row = gql_shape(ans, estop_fields, ARRAY_SIZE(estop_fields), ctx->output == OUTPUT_TABLE);
        *ret_all = all;
        return *ret_row ? CLI_EXIT_OK : cli_error(CLI_EXIT_SERVER, "out of memory");
}

static const char *row_str(const cJSON *row, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

int cmd_emergency_stop(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_json_ cJSON *row = NULL;
        bool all = false;
        int code = estop_call(ctx, a, true, &all, &row);

        if (code != CLI_EXIT_OK)
                return code;
        if (ctx->output != OUTPUT_TABLE)
                return api_print(ctx, row, NULL, 0);
        if (all)
                printf("emergency stop in force for every project (runs stopped: %d); no run starts until "
                       "'riftctl release emergency-stop --all'\n",
                       (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "runsStopped")));
        else
                printf("emergency stop in force for project %s (runs stopped: %d); no run starts until "
                       "'riftctl release emergency-stop --project-id %s'\n",
                       cli_arg(a, "project-id"),
                       (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "runsStopped")),
                       cli_arg(a, "project-id"));
        return CLI_EXIT_OK;
}

int cmd_release_emergency_stop(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_json_ cJSON *row = NULL;
        bool all = false;
        int code = estop_call(ctx, a, false, &all, &row);

        if (code != CLI_EXIT_OK)
                return code;
        if (ctx->output != OUTPUT_TABLE)
                return api_print(ctx, row, NULL, 0);
        if (all)
                printf("global emergency stop released (a project's own stop stays)\n");
        else if (cJSON_IsTrue(cJSON_GetObjectItem(row, "active")))
                /* the project's own stop is gone; what still covers it is the global one */
                printf("emergency stop of project %s released, but the global emergency stop (by %s) is "
                       "still in force: no run starts until a global admin runs 'riftctl release "
                       "emergency-stop --all'\n",
                       cli_arg(a, "project-id"), row_str(row, "stoppedBy"));
        else
                printf("emergency stop of project %s released: runs may start again\n",
                       cli_arg(a, "project-id"));
        return CLI_EXIT_OK;
}

int cmd_get_emergency_stop(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = cJSON_CreateObject(), *ans = NULL, *row = NULL, *rows = NULL;
        int code;

        if (!vars || rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = gql_call(ctx, &s,
                                "query($projectID: ID!) { getEmergencyStop(projectID: $projectID) "
                                "" ESTOP_SELECTION " }",
                                vars, "getEmergencyStop", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        row = gql_shape(ans, estop_fields, ARRAY_SIZE(estop_fields), ctx->output == OUTPUT_TABLE);
        if (!row)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (ctx->output != OUTPUT_TABLE)
                return api_print(ctx, row, NULL, 0);
        rows = cJSON_CreateArray();
        if (!rows || !cJSON_AddItemToArray(rows, TAKE_PTR(row)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        return api_print(ctx, rows, estop_cols, ARRAY_SIZE(estop_cols));
}

/* ---- guards ----------------------------------------------------------------------------------------- */

enum guard_kind {
        GUARD_LIST, /* list of strings; a string is split at commas, numbers become strings */
        GUARD_INT,  /* integer (a string of digits too) */
        GUARD_TEXT, /* string (a number becomes its digits) */
};

/* EnvironmentGuardsInput's members (services/backend/schema_safety.c), in the server's order. */
static const struct {
        const char *key;      /* member */
        enum guard_kind kind; /* what the value must be */
} guard_keys[] = {
        { "allowedFaults", GUARD_LIST },      { "forbiddenFaults", GUARD_LIST },
        { "allowedCIDRs", GUARD_LIST },       { "allowedHosts", GUARD_LIST },
        { "allowedPorts", GUARD_LIST },       { "allowedProcessNames", GUARD_LIST },
        { "allowedPaths", GUARD_LIST },       { "maxDuration", GUARD_TEXT },
        { "maxConcurrentFaults", GUARD_INT }, { "maxCpuLoad", GUARD_INT },
        { "maxDiskFill", GUARD_INT },
};

#define GUARDS_SELECTION                                                                                     \
        "{ allowedFaults forbiddenFaults allowedCIDRs allowedHosts allowedPorts allowedProcessNames "        \
        "allowedPaths maxDuration maxConcurrentFaults maxCpuLoad maxDiskFill }"

/* The guards object of a row: every member, null when the server has no limit. */
static cJSON *guards_shape(const cJSON *ans)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        for (size_t i = 0; o && i < ARRAY_SIZE(guard_keys); i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(ans, guard_keys[i].key);
                cJSON *c = v && !cJSON_IsNull(v) ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
                if (!c || !cJSON_AddItemToObject(o, guard_keys[i].key, c)) {
                        cJSON_Delete(c);
                        return NULL;
                }
        }
        return TAKE_PTR(o);
}

/* "allowedFaults=a,b maxDuration=5m", or "none", for a table cell. */
static int guards_summary(const cJSON *g, cJSON *row)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(SUMMARY_MAX);
        const cJSON *v, *it;

        cJSON_ArrayForEach(v, g)
        {
                bool first = true;
                if (cJSON_IsNull(v) || (cJSON_IsArray(v) && !cJSON_GetArraySize(v)))
                        continue;
                (void)rift_buf_printf(&b, "%s%s=", b.len ? " " : "", v->string);
                if (cJSON_IsNumber(v))
                        (void)rift_buf_printf(&b, "%lld", (long long)v->valuedouble);
                else if (cJSON_IsString(v))
                        (void)rift_buf_append_str(&b, v->valuestring);
                cJSON_ArrayForEach(it, v)
                {
                        (void)rift_buf_printf(&b, "%s%s", first ? "" : ",",
                                              cJSON_IsString(it) ? it->valuestring : "?");
                        first = false;
                }
        }
        return rift_json_add_string(row, "guardsSummary", b.len ? b.data : "none");
}

/* One string of a list member from a file's value. */
static int guard_list_item(const char *path, const char *key, size_t i, const cJSON *it, cJSON *list)
{
        char num[32];

        if (cJSON_IsNumber(it) && it->valuedouble == (double)(long long)it->valuedouble) {
                (void)snprintf(num, sizeof(num), "%lld", (long long)it->valuedouble);
                return cJSON_AddItemToArray(list, cJSON_CreateString(num))
                           ? CLI_EXIT_OK
                           : cli_error(CLI_EXIT_SERVER, "out of memory");
        }
        if (!cJSON_IsString(it) || !it->valuestring[0])
                return cli_error(CLI_EXIT_USER, "%s: %s[%zu]: a non-empty string", path, key, i);
        return cJSON_AddItemToArray(list, cJSON_CreateString(it->valuestring))
                   ? CLI_EXIT_OK
                   : cli_error(CLI_EXIT_SERVER, "out of memory");
}

/* A list member: a sequence, or one string of comma-separated items (as in the agent's policy file). */
static int guard_list(const char *path, const char *key, const cJSON *v, cJSON **ret)
{
        _cleanup_json_ cJSON *list = cJSON_CreateArray();
        const cJSON *it;
        size_t i = 0;
        int code = list ? CLI_EXIT_OK : cli_error(CLI_EXIT_SERVER, "out of memory");

        if (code == CLI_EXIT_OK && cJSON_IsString(v)) {
                for (const char *p = v->valuestring; code == CLI_EXIT_OK && *p;) {
                        size_t n = strcspn(p, ","), lead = strspn(p, " \t");
                        size_t len = n > lead ? n - lead : 0;
                        while (len > 0 && (p[lead + len - 1] == ' ' || p[lead + len - 1] == '\t'))
                                len--;
                        if (len > 0) {
                                _cleanup_free_ char *item = strndup(p + lead, len);
                                code = item && cJSON_AddItemToArray(list, cJSON_CreateString(item))
                                           ? CLI_EXIT_OK
                                           : cli_error(CLI_EXIT_SERVER, "out of memory");
                        }
                        p += n + (p[n] == ',');
                }
        } else if (code == CLI_EXIT_OK && cJSON_IsArray(v)) {
                cJSON_ArrayForEach(it, v)
                {
                        if ((code = guard_list_item(path, key, i++, it, list)) != CLI_EXIT_OK)
                                break;
                }
        } else if (code == CLI_EXIT_OK)
                code = cli_error(CLI_EXIT_USER, "%s: %s: a list of strings", path, key);
        if (code == CLI_EXIT_OK)
                *ret = TAKE_PTR(list);
        return code;
}

/* One member of the file as the server's input type wants it (*ret NULL: no limit, left out). */
static int guard_value(const char *path, const char *key, enum guard_kind kind, const cJSON *v, cJSON **ret)
{
        int64_t n;
        char num[32];

        *ret = NULL;
        if (cJSON_IsNull(v))
                return CLI_EXIT_OK;
        switch (kind) {
        case GUARD_LIST:
                return guard_list(path, key, v, ret);
        case GUARD_INT:
                if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= INT32_MAX &&
                    v->valuedouble == (double)(int64_t)v->valuedouble)
                        n = (int64_t)v->valuedouble;
                else if (!cJSON_IsString(v) || rift_parse_int64(v->valuestring, 0, INT32_MAX, &n) < 0)
                        return cli_error(CLI_EXIT_USER, "%s: %s: an integer from 0 to %d", path, key,
                                         INT32_MAX);
                *ret = cJSON_CreateNumber((double)n);
                break;
        case GUARD_TEXT:
        default:
                if (cJSON_IsNumber(v)) {
                        (void)snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
                        *ret = cJSON_CreateString(num);
                } else if (cJSON_IsString(v))
                        *ret = cJSON_CreateString(v->valuestring);
                else
                        return cli_error(CLI_EXIT_USER, "%s: %s: a duration such as 5m", path, key);
                break;
        }
        return *ret ? CLI_EXIT_OK : cli_error(CLI_EXIT_SERVER, "out of memory");
}

/* EnvironmentGuardsInput from the file's document: its members, or those of its "guards" member (what
 * 'riftctl get guards -o yaml' prints). Unknown members are refused, naming the known ones. */
static int guards_input(const char *path, const cJSON *doc, cJSON **ret)
{
        _cleanup_json_ cJSON *in = cJSON_CreateObject();
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(doc, "guards"), *v;

        if (!in)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (cJSON_IsObject(g))
                doc = g;
        cJSON_ArrayForEach(v, doc)
        {
                size_t k;
                cJSON *val = NULL;
                int code;
                for (k = 0; k < ARRAY_SIZE(guard_keys) && !rift_streq(guard_keys[k].key, v->string); k++)
                        ;
                if (k == ARRAY_SIZE(guard_keys))
                        return cli_error(
                            CLI_EXIT_USER,
                            "%s: unknown guard \"%s\" (known: allowedFaults, forbiddenFaults, "
                            "allowedCIDRs, allowedHosts, allowedPorts, allowedProcessNames, "
                            "allowedPaths, maxDuration, maxConcurrentFaults, maxCpuLoad, maxDiskFill)",
                            path, v->string);
                code = guard_value(path, v->string, guard_keys[k].kind, v, &val);
                if (code != CLI_EXIT_OK)
                        return code;
                if (val && !cJSON_AddItemToObject(in, v->string, val)) {
                        cJSON_Delete(val);
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                }
        }
        *ret = TAKE_PTR(in);
        return CLI_EXIT_OK;
}

/* A row {environmentID, name, type, guards} (guardsSummary added for tables). */
static cJSON *guards_row(const char *env_id, const char *name, const char *type, const cJSON *ans, bool table)
{
        _cleanup_json_ cJSON *row = cJSON_CreateObject();
        cJSON *g = guards_shape(ans);

        if (!row || !g || rift_json_add_string(row, "environmentID", env_id) < 0 ||
            rift_json_add_string(row, "name", name) < 0 || rift_json_add_string(row, "type", type) < 0 ||
            !cJSON_AddItemToObject(row, "guards", g)) {
                cJSON_Delete(g);
                return NULL;
        }
        if (table && guards_summary(g, row) < 0)
                return NULL;
        return TAKE_PTR(row);
}

static const struct output_column guards_cols[] = {
        { "ENVIRONMENT ID", "environmentID" },
        { "NAME", "name" },
        { "TYPE", "type" },
        { "GUARDS", "guardsSummary" },
};

int cmd_set_guards(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *doc = NULL, *in = NULL, *vars = cJSON_CreateObject(), *ans = NULL, *row = NULL;
        const char *path = cli_arg(a, "file");
        int code = api_read_doc(path, &doc);

        if (code == CLI_EXIT_OK)
                code = guards_input(path, doc, &in);
        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        if (!vars || rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) < 0 ||
            rift_json_add_string(vars, "environmentID", cli_arg(a, "environment-id")) < 0 ||
            !cJSON_AddItemToObject(vars, "guards", TAKE_PTR(in)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(ctx, &s,
                        "mutation($projectID: ID!, $environmentID: ID!, $guards: EnvironmentGuardsInput!) { "
                        "setEnvironmentGuards(projectID: $projectID, environmentID: $environmentID, guards: "
                        "$guards) " GUARDS_SELECTION " }",
                        vars, "setEnvironmentGuards", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        row = cJSON_CreateObject();
        if (!row || rift_json_add_string(row, "environmentID", cli_arg(a, "environment-id")) < 0 ||
            !cJSON_AddItemToObject(row, "guards", guards_shape(ans)) ||
            guards_summary(cJSON_GetObjectItem(row, "guards"), row) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (ctx->output != OUTPUT_TABLE) {
                cJSON_DeleteItemFromObject(row, "guardsSummary");
                return api_print(ctx, row, NULL, 0);
        }
        printf("guards of chaos environment %s set: %s\n", cli_arg(a, "environment-id"),
               row_str(row, "guardsSummary"));
        return CLI_EXIT_OK;
}

/* The guards of one environment (the server's object, or NULL when it has none). */
static int env_guards(struct cli_ctx *ctx, const struct cli_session *s, const char *project,
                      const char *env_id, cJSON **ret)
{
        _cleanup_json_ cJSON *vars = cJSON_CreateObject();

        if (!vars || rift_json_add_string(vars, "projectID", project) < 0 ||
            rift_json_add_string(vars, "environmentID", env_id) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        return gql_call(ctx, s,
                        "query($projectID: ID!, $environmentID: ID!) { getEnvironmentGuards(projectID: "
                        "$projectID, environmentID: $environmentID) " GUARDS_SELECTION " }",
                        vars, "getEnvironmentGuards", ret);
}

/* Rows of the environments to show: --environment-id's, or every one of the project. */
static int guards_envs(struct cli_ctx *ctx, const struct cli_session *s, const struct cli_args *a,
                       cJSON **ret)
{
        _cleanup_json_ cJSON *vars = cJSON_CreateObject();
        const char *env_id = cli_arg(a, "environment-id");

        if (!vars || rift_json_add_string(vars, "projectID", cli_arg(a, "project-id")) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (!env_id)
                return gql_list_all(ctx, s, &gql_get_environments, vars, ret);
        _cleanup_json_ cJSON *env = NULL, *rows = cJSON_CreateArray();
        int code;
        if (!rows || rift_json_add_string(vars, "environmentID", env_id) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = gql_call(ctx, s,
                        "query($projectID: ID!, $environmentID: ID!) { getEnvironment(projectID: $projectID, "
                        "environmentID: $environmentID) { environmentID name type } }",
                        vars, "getEnvironment", &env);
        if (code != CLI_EXIT_OK)
                return code;
        if (!cJSON_IsObject(env))
                return cli_error(CLI_EXIT_USER, "getEnvironment: chaos environment %s not found", env_id);
        if (!cJSON_AddItemToArray(rows, TAKE_PTR(env)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        *ret = TAKE_PTR(rows);
        return CLI_EXIT_OK;
}

int cmd_get_guards(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *envs = NULL, *rows = cJSON_CreateArray();
        bool table = ctx->output == OUTPUT_TABLE;
        const cJSON *e;
        int code;

        if (!rows)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = guards_envs(ctx, &s, a, &envs);
        if (code != CLI_EXIT_OK)
                return code;
        cJSON_ArrayForEach(e, envs)
        {
                _cleanup_json_ cJSON *g = NULL;
                const char *id = row_str(e, "environmentID");
                cJSON *row;
                code = env_guards(ctx, &s, cli_arg(a, "project-id"), id, &g);
                if (code != CLI_EXIT_OK)
                        return code;
                row = guards_row(id, row_str(e, "name"), row_str(e, "type"), g, table);
                if (!row || !cJSON_AddItemToArray(rows, row)) {
                        cJSON_Delete(row);
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                }
        }
        if (cli_arg(a, "environment-id") && !table) /* one environment: the object itself */
                return api_print(ctx, cJSON_GetArrayItem(rows, 0), NULL, 0);
        return api_print(ctx, rows, guards_cols, ARRAY_SIZE(guards_cols));
}

/* ---- audit events ----------------------------------------------------------------------------------- */

static const struct gql_field audit_fields[] = {
        { "time", "timeMs", GQL_TIME },        { "service", "service", GQL_STR },
        { "action", "action", GQL_STR },       { "operation", "operation", GQL_STR },
        { "projectID", "projectID", GQL_STR }, { "userID", "userID", GQL_STR },
        { "username", "username", GQL_STR },   { "source", "source", GQL_STR },
        { "resource", "resource", GQL_STR },   { "outcome", "outcome", GQL_STR },
        { "detail", "detail", GQL_STR },       { "eventID", "eventID", GQL_STR },
};
static const struct output_column audit_cols[] = {
        { "TIME", "time" },           { "SERVICE", "service" },   { "ACTION", "action" },
        { "OPERATION", "operation" }, { "USER", "username" },     { "SOURCE", "source" },
        { "OUTCOME", "outcome" },     { "RESOURCE", "resource" }, { "DETAIL", "detail" },
};

/* What get audit-events was asked for. */
struct audit_query {
        const char *project;  /* --project-id, NULL if not given */
        const char *action;   /* --action */
        const char *username; /* --username */
        int64_t since_ms;     /* --since as Unix ms; 0 = all */
        int64_t limit;        /* --limit */
        bool auth;            /* --service auth: rift-auth's events */
};

/* --since: a duration back from now ("1h") or a UTC time ("2026-12-06T10:00:00Z", "2026-12-06"). */
static int parse_since(const char *s, int64_t *ret_ms)
{
        static const char *const formats[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                                               "%Y-%m-%d" };
        int64_t d;

        if (rift_parse_duration_ms(s, &d) == 0 && d > 0) {
                *ret_ms = (int64_t)time(NULL) * 1000 - d;
                return CLI_EXIT_OK;
        }
        for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
                struct tm tm = {};
                const char *end = strptime(s, formats[i], &tm);
                if (end && !*end) {
                        *ret_ms = (int64_t)timegm(&tm) * 1000;
                        return CLI_EXIT_OK;
                }
        }
        return cli_error(CLI_EXIT_USER,
                         "invalid --since \"%s\": use a duration such as 1h or a UTC time such as "
                         "2026-12-06T10:00:00Z",
                         s);
}

static int audit_query_parse(const struct cli_args *a, struct audit_query *ret)
{
        const char *service = cli_arg(a, "service"), *limit = cli_arg(a, "limit");
        struct audit_query q = { .project = cli_arg(a, "project-id"),
                                 .action = cli_arg(a, "action"),
                                 .username = cli_arg(a, "username"),
                                 .limit = AUDIT_DEFAULT };
        int code = CLI_EXIT_OK;

        if (service && !rift_streq(service, "backend") && !rift_streq(service, "auth"))
                return cli_error(CLI_EXIT_USER, "invalid --service \"%s\": use backend or auth", service);
        q.auth = service && rift_streq(service, "auth");
        if (limit && rift_parse_int64(limit, 1, AUDIT_MAX_LIMIT, &q.limit) < 0)
                return cli_error(CLI_EXIT_USER, "invalid --limit \"%s\": an integer from 1 to %d", limit,
                                 AUDIT_MAX_LIMIT);
        if (cli_arg(a, "since"))
                code = parse_since(cli_arg(a, "since"), &q.since_ms);
        if (code == CLI_EXIT_OK && !q.auth && !(q.project && *q.project))
                code = cli_error(
                    CLI_EXIT_USER,
                    "missing required flag --project-id (rift-backend's audit trail is per project; "
                    "--service auth lists rift-auth's logins and role changes)");
        if (code == CLI_EXIT_OK)
                *ret = q;
        return code;
}

/* Adds the shaped events of items to rows, up to q->limit. */
static int audit_add(const struct audit_query *q, const cJSON *items, bool table, cJSON *rows)
{
        const cJSON *it;

        cJSON_ArrayForEach(it, items)
        {
                cJSON *row;
                if (cJSON_GetArraySize(rows) >= q->limit)
                        break;
                row = gql_shape(it, audit_fields, ARRAY_SIZE(audit_fields), table);
                if (!row || !cJSON_AddItemToArray(rows, row)) {
                        cJSON_Delete(row);
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                }
        }
        return CLI_EXIT_OK;
}

/* rift-backend's events of the project, newest first, page by page. */
static int audit_backend(struct cli_ctx *ctx, const struct cli_session *s, const struct audit_query *q,
                         cJSON *rows)
{
        _cleanup_json_ cJSON *vars = cJSON_CreateObject();
        cJSON *filter;

        if (!vars || rift_json_add_string(vars, "projectID", q->project) < 0 ||
            !(filter = cJSON_AddObjectToObject(vars, "filter")) ||
            (q->action && rift_json_add_string(filter, "action", q->action) < 0) ||
            (q->username && rift_json_add_string(filter, "username", q->username) < 0) ||
            (q->since_ms && !cJSON_AddNumberToObject(filter, "sinceMs", (double)q->since_ms)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        for (unsigned page = 0; page < RIFT_CLI_MAX_PAGES && cJSON_GetArraySize(rows) < q->limit; page++) {
                _cleanup_json_ cJSON *ans = NULL, *pg = cJSON_CreateObject();
                const cJSON *items;
                int64_t total = 0;
                int code;
                if (!pg || rift_json_add_int64(pg, "page", page) < 0 ||
                    rift_json_add_int64(pg, "limit", AUDIT_PAGE) < 0 ||
                    gql_set(vars, "pagination", TAKE_PTR(pg)) < 0)
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                code =
                    gql_call(ctx, s,
                             "query($projectID: ID!, $filter: AuditFilterInput, $pagination: Pagination) { "
                             "listAuditEvents(projectID: $projectID, filter: $filter, pagination: "
                             "$pagination) { totalNoOfEvents events { eventID timeMs service action "
                             "operation projectID userID username source resource outcome detail } } }",
                             vars, "listAuditEvents", &ans);
                if (code != CLI_EXIT_OK)
                        return code;
                if (rift_json_get_array(ans, "events", &items) < 0)
                        return cli_error(CLI_EXIT_SERVER,
                                         "unexpected answer from %s: no listAuditEvents.events", s->server);
                if ((code = audit_add(q, items, ctx->output == OUTPUT_TABLE, rows)) != CLI_EXIT_OK)
                        return code;
                (void)rift_json_get_int64(ans, "totalNoOfEvents", &total);
                if (cJSON_GetArraySize(items) < AUDIT_PAGE || (int64_t)(page + 1) * AUDIT_PAGE >= total)
                        break;
        }
        return CLI_EXIT_OK;
}

/* rift-auth's events (its newest 100), filtered here by user and time. */
static int audit_auth(struct cli_ctx *ctx, const struct cli_session *s, const struct audit_query *q,
                      cJSON *rows)
{
        _cleanup_buf_ struct rift_buf path = RIFT_BUF_INIT(4096);
        _cleanup_json_ cJSON *ans = NULL, *kept = cJSON_CreateArray();
        const char *sep = "?";
        const cJSON *items, *it;
        int code;

        (void)rift_buf_append_str(&path, "/audit_events");
        for (int i = 0; i < 2; i++) {
                const char *v = i == 0 ? q->project : q->action;
                char *esc = v ? curl_easy_escape(NULL, v, 0) : NULL;
                if (v && !esc)
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                if (esc)
                        (void)rift_buf_printf(&path, "%s%s=%s", sep, i == 0 ? "projectID" : "action", esc);
                if (esc)
                        sep = "&";
                curl_free(esc);
        }
        if (!path.data || !kept)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_call(ctx, s->endpoint, s->token, "GET", path.data, NULL, &ans);
        if (code != CLI_EXIT_OK)
                return code;
        if (rift_json_get_array(ans, "events", &items) < 0)
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s: no events", s->endpoint);
        cJSON_ArrayForEach(it, items)
        {
                double ms = 0;
                const char *user = "";
                (void)rift_json_get_double(it, "timeMs", &ms);
                (void)rift_json_get_string(it, "username", &user);
                if ((q->since_ms && ms < (double)q->since_ms) ||
                    (q->username && !rift_streq(q->username, user)))
                        continue;
                if (!cJSON_AddItemToArray(kept, cJSON_Duplicate(it, true)))
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
        }
        return audit_add(q, kept, ctx->output == OUTPUT_TABLE, rows);
}

int cmd_get_audit_events(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *rows = cJSON_CreateArray();
        struct audit_query q;
        int code = audit_query_parse(a, &q);

        if (code == CLI_EXIT_OK && !rows)
                code = cli_error(CLI_EXIT_SERVER, "out of memory");
        if (code == CLI_EXIT_OK)
                code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = q.auth ? audit_auth(ctx, &s, &q, rows) : audit_backend(ctx, &s, &q, rows);
        return code == CLI_EXIT_OK ? api_print(ctx, rows, audit_cols, ARRAY_SIZE(audit_cols)) : code;
}

/* ---- run chaos-experiment [--dry-run] [-f] ---------------------------------------------------------- */

static const struct gql_field run_started_fields[] = {
        { "experimentRunID", "experimentRunID", GQL_STR },
        { "notifyID", "notifyID", GQL_STR },
};

/* Follows the run's log until it ends, as 'riftctl logs RUN -f' does. */
static int follow_run(struct cli_ctx *ctx, const char *project, const char *run_id)
{
        static const struct cli_flag flags[] = {
                { .name = "project-id", .has_value = true },
                { .name = "experiment-run-id", .has_value = true },
                { .name = "follow" },
        };
        static const struct cli_command logs = { "logs", NULL, cmd_logs, "", flags, ARRAY_SIZE(flags), NULL };
        struct cli_args la = { .cmd = &logs, .values = { project, run_id, "true" } };

        return cmd_logs(ctx, &la);
}

/* After -f: exit 0 only if the run ended Completed (a dry run that found something missing ends
 * Completed_With_Error, a refused one Error), so a script can gate the real run on the dry one. */
static int run_outcome(struct cli_ctx *ctx, const char *project, const char *run_id, bool dry)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = cJSON_CreateObject(), *run = NULL;
        const char *phase = "", *message = "";
        int code;

        if (!vars || rift_json_add_string(vars, "projectID", project) < 0 ||
            rift_json_add_string(vars, "experimentRunID", run_id) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = gql_call(ctx, &s,
                                "query($projectID: ID!, $experimentRunID: ID) { getExperimentRun(projectID: "
                                "$projectID, experimentRunID: $experimentRunID) { phase message } }",
                                vars, "getExperimentRun", &run);
        if (code != CLI_EXIT_OK)
                return code;
        (void)rift_json_get_string(run, "phase", &phase);
        (void)rift_json_get_string(run, "message", &message);
        if (rift_streq(phase, "Completed"))
                return CLI_EXIT_OK;
        return cli_error(CLI_EXIT_USER, "%s %s ended %s%s%s", dry ? "dry run" : "run", run_id, phase,
                         message[0] ? ": " : "", message);
}

int cmd_run_experiment(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = cJSON_CreateObject(), *ans = NULL, *row = NULL;
        const char *project = cli_arg(a, "project-id"), *exp = cli_arg(a, "experiment-id");
        bool dry = cli_arg(a, "dry-run") != NULL, follow = cli_arg(a, "follow") != NULL;
        int code;

        if (follow && ctx->output == OUTPUT_YAML)
                return cli_error(CLI_EXIT_USER, "run -f prints text, or JSON lines with -o json");
        if (!vars || rift_json_add_string(vars, "projectID", project) < 0 ||
            rift_json_add_string(vars, "experimentID", exp) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = gql_call(
                    ctx, &s,
                    dry ? "mutation($projectID: ID!, $experimentID: String!) { dryRunChaosExperiment("
                          "projectID: $projectID, experimentID: $experimentID) { notifyID "
                          "experimentRunID } }"
                        : "mutation($projectID: ID!, $experimentID: String!) { runChaosExperiment("
                          "projectID: $projectID, experimentID: $experimentID) { notifyID "
                          "experimentRunID } }",
                    vars, dry ? "dryRunChaosExperiment" : "runChaosExperiment", &ans);
        if (code != CLI_EXIT_OK)
                return code;
        row = gql_shape(ans, run_started_fields, ARRAY_SIZE(run_started_fields), false);
        if (!row || rift_json_add_string(row, "projectID", project) < 0 ||
            rift_json_add_string(row, "experimentID", exp) < 0 || rift_json_add_bool(row, "dryRun", dry) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (follow && ctx->output == OUTPUT_JSON) { /* JSON Lines: the run, then its log lines */
                _cleanup_free_ char *text = cJSON_PrintUnformatted(row);
                if (!text)
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                printf("%s\n", text);
        } else if (dry)
                code =
                    gql_print_done(ctx,
                                   "dry run of chaos experiment {experimentID} queued: run {experimentRunID} "
                                   "(nothing is changed; the run's log says what the agent would do: "
                                   "'riftctl logs {experimentRunID} --project-id {projectID}')",
                                   row);
        else
                code = gql_print_done(ctx, "chaos experiment {experimentID} started: run {experimentRunID}",
                                      row);
        if (code != CLI_EXIT_OK || !follow)
                return code;
        fflush(stdout);
        code = follow_run(ctx, project, row_str(row, "experimentRunID"));
        return code == CLI_EXIT_OK ? run_outcome(ctx, project, row_str(row, "experimentRunID"), dry) : code;
}
