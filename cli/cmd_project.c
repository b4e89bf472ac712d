/* riftctl create project / get projects (rift-auth's /create_project and /list_projects). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define PAGE_SIZE 50 /* the server's largest page */

static const struct output_column project_cols[] = {
        { "PROJECT ID", "projectID" },
        { "NAME", "name" },
        { "ROLE", "role" },
        { "CREATED", "created" },
};

/* The role of username in project p ("" if not listed). */
static const char *member_role(const cJSON *p, const char *username)
{
        const cJSON *members = NULL, *m;
        const char *name, *role;

        (void)rift_json_get_array(p, "members", &members);
        cJSON_ArrayForEach(m, members)
        {
                if (rift_json_get_string(m, "username", &name) == 0 && rift_streq(name, username) &&
                    rift_json_get_string(m, "role", &role) == 0)
                        return role;
        }
        return "";
}

/* The stable shape of a project for all formats; tables also get "created" as text. */
static cJSON *project_row(const cJSON *p, const char *username, bool table)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        const char *id = "", *name = "", *desc = "";
        int64_t created = 0;
        char when[64];
        int r;

        if (!o)
                return NULL;
        (void)rift_json_get_string(p, "projectID", &id);
        (void)rift_json_get_string(p, "name", &name);
        (void)rift_json_get_string(p, "description", &desc);
        (void)rift_json_get_int64(p, "createdAt", &created);
        r = rift_json_add_string(o, "projectID", id);
        if (r >= 0)
                r = rift_json_add_string(o, "name", name);
        if (r >= 0)
                r = rift_json_add_string(o, "description", desc);
        if (r >= 0)
                r = rift_json_add_string(o, "role", member_role(p, username));
        if (r >= 0)
                r = rift_json_add_int64(o, "createdAt", created);
        if (r >= 0 && table) {
                api_format_time(created / 1000, when, sizeof(when));
                r = rift_json_add_string(o, "created", when);
        }
        return r < 0 ? NULL : TAKE_PTR(o);
}

int cmd_create_project(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *body = cJSON_CreateObject(), *reply = NULL, *row = NULL;
        const char *desc = cli_arg(a, "description");
        const cJSON *data;
        int code;

        code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        if (!body || rift_json_add_string(body, "projectName", cli_arg(a, "name")) < 0 ||
            (desc && rift_json_add_string(body, "description", desc) < 0))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_call(ctx, s.endpoint, s.token, "POST", "/create_project", body, &reply);
        if (code != CLI_EXIT_OK)
                return code;
        if (rift_json_get_object(reply, "data", &data) < 0 || !(row = project_row(data, s.username, false)))
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s", s.endpoint);
        if (ctx->output != OUTPUT_TABLE)
                return api_print(ctx, row, project_cols, ARRAY_SIZE(project_cols));
        printf("project \"%s\" created with ID %s\n", cJSON_GetObjectItem(row, "name")->valuestring,
               cJSON_GetObjectItem(row, "projectID")->valuestring);
        return CLI_EXIT_OK;
}

/* Appends the projects of one page to rows; *ret_total is the server's total count. */
static int fetch_page(struct cli_ctx *ctx, const struct cli_session *s, unsigned page, cJSON *rows,
                      int64_t *ret_total, int *ret_count)
{
        _cleanup_json_ cJSON *reply = NULL;
        const cJSON *data, *list, *p;
        char path[96];
        int code, n = 0;

        (void)snprintf(path, sizeof(path),
                       "/list_projects?page=%u&limit=%d&sortField=name&sortAscending=true", page, PAGE_SIZE);
        code = api_call(ctx, s->endpoint, s->token, "GET", path, NULL, &reply);
        if (code != CLI_EXIT_OK)
                return code;
        if (rift_json_get_object(reply, "data", &data) < 0 ||
            rift_json_get_array(data, "projects", &list) < 0 ||
            rift_json_get_int64(data, "totalNumberOfProjects", ret_total) < 0)
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s", s->endpoint);
        cJSON_ArrayForEach(p, list)
        {
                cJSON *row = project_row(p, s->username, ctx->output == OUTPUT_TABLE);
                if (!row || !cJSON_AddItemToArray(rows, row)) {
                        cJSON_Delete(row);
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                }
                n++;
        }
        *ret_count = n;
        return CLI_EXIT_OK;
}

int cmd_get_projects(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *rows = cJSON_CreateArray();
        int64_t total = 0;
        int code, n = 0;

        code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        if (!rows)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        for (unsigned page = 0; page < RIFT_CLI_MAX_PAGES; page++) {
                code = fetch_page(ctx, &s, page, rows, &total, &n);
                if (code != CLI_EXIT_OK)
                        return code;
                if (n < PAGE_SIZE || cJSON_GetArraySize(rows) >= total)
                        break;
        }
        return api_print(ctx, rows, project_cols, ARRAY_SIZE(project_cols));
}
