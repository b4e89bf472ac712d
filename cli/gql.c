/* riftctl's calls to rift-backend's GraphQL API (POST <serverEndpoint>/query, Litmus's operation
 * names) and the table-driven commands built on them: a gql_command says which document to send,
 * which flags become which variables, and which members of the answer make the stable row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define PAGE_LIMIT 100 /* the backend's largest page */

const char *api_gql_error(const cJSON *reply)
{
        const cJSON *errs = cJSON_GetObjectItemCaseSensitive(reply, "errors");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(errs, 0), "message");

        return cJSON_IsString(msg) && msg->valuestring[0] ? msg->valuestring : NULL;
}

/* rift-auth's reasons for refusing a token (lib/jwt.c, services/auth/tokens.c). */
static const char *const token_reasons[] = {
        "malformed",     "too_long", "bad_alg",       "unknown_kid",
        "bad_signature", "expired",  "not_yet_valid", "revoked",
};

/* The one line for a GraphQL error of field. */
static int field_error(const struct cli_session *s, const char *field, const char *err, const cJSON *vars)
{
        const cJSON *project = cJSON_GetObjectItemCaseSensitive(vars, "projectID");

        if (!rift_utf8_valid(err, strlen(err)))
                err = "(not UTF-8)";
        for (size_t i = 0; i < ARRAY_SIZE(token_reasons); i++)
                if (rift_streq(err, token_reasons[i]))
                        return cli_error(
                            CLI_EXIT_USER,
                            "the server refused the login of %s (%s); log in again with 'riftctl "
                            "config set-account --endpoint %s --username %s'",
                            s->username, err, s->endpoint, s->username);
        if (rift_streq(err, "permission denied") && cJSON_IsString(project))
                return cli_error(
                    CLI_EXIT_USER,
                    "%s: permission denied (you are not a member of project %s, or your role there "
                    "does not allow this)",
                    field, project->valuestring);
        return cli_error(CLI_EXIT_USER, "%s: %s", field, err);
}

int gql_call(struct cli_ctx *ctx, const struct cli_session *s, const char *query, const cJSON *vars,
             const char *field, cJSON **ret)
{
        _cleanup_json_ cJSON *body = cJSON_CreateObject(), *reply = NULL;
        const char *err;
        cJSON *data, *v;
        int code;

        if (!body || rift_json_add_string(body, "query", query) < 0 ||
            !cJSON_AddItemToObject(body, "variables",
                                   vars ? cJSON_Duplicate(vars, true) : cJSON_CreateObject()))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_call(ctx, s->server, s->token, "POST", "/query", body, &reply);
        if (code != CLI_EXIT_OK)
                return code;
        if ((err = api_gql_error(reply)))
                return field_error(s, field ? field : "query", err, vars);
        data = cJSON_GetObjectItemCaseSensitive(reply, "data");
        v = field ? cJSON_DetachItemFromObjectCaseSensitive(data, field)
                  : cJSON_DetachItemFromObjectCaseSensitive(reply, "data");
        if (!v)
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s: no %s", s->server,
                                 field ? field : "data");
        *ret = v;
        return CLI_EXIT_OK;
}

/* The member at a dotted path ("infra.name", "recentExperimentRunDetails.0.phase"); NULL if absent. */
static const cJSON *path_get(const cJSON *v, const char *path)
{
        char key[64];

        while (v && *path) {
                size_t n = strcspn(path, ".");
                if (n >= sizeof(key))
                        return NULL;
                memcpy(key, path, n);
                key[n] = '\0';
                if (cJSON_IsArray(v)) {
                        int64_t i;
                        v = rift_parse_int64(key, 0, INT32_MAX, &i) == 0 ? cJSON_GetArrayItem(v, (int)i)
                                                                         : NULL;
                } else
                        v = cJSON_GetObjectItemCaseSensitive(v, key);
                path += n + (path[n] == '.');
        }
        return cJSON_IsNull(v) ? NULL : v;
}

/* A server time (decimal milliseconds as a string, or a number) in ms; 0 if absent or not a time. */
static int64_t time_ms(const cJSON *v)
{
        int64_t ms = 0;

        if (cJSON_IsNumber(v))
                return (int64_t)v->valuedouble;
        if (cJSON_IsString(v) && rift_parse_int64(v->valuestring, 0, INT64_MAX / 2, &ms) == 0)
                return ms;
        return 0;
}

static cJSON *field_value(const cJSON *v, enum gql_kind kind, bool table)
{
        char when[64];
        int64_t ms;

        switch (kind) {
        case GQL_STR:
                return cJSON_CreateString(cJSON_IsString(v) ? v->valuestring : "");
        case GQL_INT:
                return cJSON_CreateNumber(cJSON_IsNumber(v) ? (double)(int64_t)v->valuedouble : 0);
        case GQL_NUM:
                return cJSON_IsNumber(v) ? cJSON_CreateNumber(v->valuedouble) : cJSON_CreateNull();
        case GQL_BOOL:
                return cJSON_CreateBool(cJSON_IsTrue(v));
        case GQL_COUNT:
                return cJSON_CreateNumber(cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0);
        case GQL_TIME:
                ms = time_ms(v);
                if (!table)
                        return cJSON_CreateNumber((double)ms);
                if (ms > 0)
                        api_format_time(ms / 1000, when, sizeof(when));
                return cJSON_CreateString(ms > 0 ? when : "");
        case GQL_DOC:
                if (cJSON_IsString(v)) {
                        cJSON *doc = NULL;
                        if (rift_json_parse_value(v->valuestring, strlen(v->valuestring),
                                                  CLI_MAX_MANIFEST * 4, NULL, &doc) == 0)
                                return doc;
                }
                return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
        case GQL_ANY:
        case GQL_FIRST:
        default:
                return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
        }
}

/* The first of the '|'-separated paths that is present (GQL_FIRST), else the one path. */
static const cJSON *field_get(const cJSON *obj, const struct gql_field *f)
{
        char path[128];
        const cJSON *v = NULL;

        if (f->kind != GQL_FIRST)
                return path_get(obj, f->path);
        for (const char *p = f->path; !v && *p;) {
                size_t n = strcspn(p, "|");
                if (n >= sizeof(path))
                        return NULL;
                memcpy(path, p, n);
                path[n] = '\0';
                v = path_get(obj, path);
                p += n + (p[n] == '|');
        }
        return v;
}

cJSON *gql_shape(const cJSON *obj, const struct gql_field *fields, size_t n, bool table)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        for (size_t i = 0; o && i < n; i++) {
                cJSON *v = field_value(field_get(obj, &fields[i]), fields[i].kind, table);
                if (!v || !cJSON_AddItemToObject(o, fields[i].key, v)) {
                        cJSON_Delete(v);
                        return NULL;
                }
        }
        return TAKE_PTR(o);
}

/* Sets the member at a dotted path of o ("request.name"), creating the objects on the way. */
static int path_set(cJSON *o, const char *path, cJSON *v)
{
        char key[64];
        size_t n;

        while ((n = strcspn(path, ".")) < strlen(path)) {
                cJSON *next;
                if (n >= sizeof(key))
                        return -EINVAL;
                memcpy(key, path, n);
                key[n] = '\0';
                next = cJSON_GetObjectItemCaseSensitive(o, key);
                if (!next && !(next = cJSON_AddObjectToObject(o, key)))
                        return -ENOMEM;
                o = next;
                path += n + 1;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(o, path);
        return cJSON_AddItemToObject(o, path, v) ? 0 : -ENOMEM;
}

int gql_set(cJSON *vars, const char *path, cJSON *v)
{
        int r = v ? path_set(vars, path, v) : -ENOMEM;

        if (r < 0)
                cJSON_Delete(v);
        return r;
}

/* The variables of a gql_command from the flags given. */
static cJSON *command_vars(const struct gql_command *g, const struct cli_args *a)
{
        _cleanup_json_ cJSON *vars = cJSON_CreateObject();
        int r = vars ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < g->n_vars; i++) {
                const char *val = cli_arg(a, g->vars[i].flag);
                cJSON *v;
                if (!val)
                        continue;
                if (g->vars[i].list) {
                        v = cJSON_CreateArray();
                        if (v && !cJSON_AddItemToArray(v, cJSON_CreateString(val)))
                                cJSON_Delete(TAKE_PTR(v));
                } else
                        v = cJSON_CreateString(val);
                r = gql_set(vars, g->vars[i].var, v);
        }
        return r < 0 ? NULL : TAKE_PTR(vars);
}

int gql_list_all(struct cli_ctx *ctx, const struct cli_session *s, const struct gql_command *g, cJSON *vars,
                 cJSON **ret_rows)
{
        _cleanup_json_ cJSON *rows = cJSON_CreateArray();
        bool table = ctx->output == OUTPUT_TABLE;

        for (unsigned page = 0; rows && page < RIFT_CLI_MAX_PAGES; page++) {
                _cleanup_json_ cJSON *ans = NULL, *pg = cJSON_CreateObject();
                cJSON *items;
                const cJSON *it;
                int64_t total = 0;
                int code, n = 0;

                if (g->total && (!pg || rift_json_add_int64(pg, "page", page) < 0 ||
                                 rift_json_add_int64(pg, "limit", PAGE_LIMIT) < 0 ||
                                 gql_set(vars, "request.pagination", TAKE_PTR(pg)) < 0))
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                code = gql_call(ctx, s, g->query, vars, g->field, &ans);
                if (code != CLI_EXIT_OK)
                        return code;
                items = g->items[0] ? cJSON_GetObjectItemCaseSensitive(ans, g->items) : ans;
                if (!cJSON_IsArray(items))
                        return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s: no %s.%s", s->server,
                                         g->field, g->items);
                if (g->page_hook && (code = g->page_hook(ctx, s, vars, items)) != CLI_EXIT_OK)
                        return code;
                cJSON_ArrayForEach(it, items)
                {
                        cJSON *row = gql_shape(it, g->fields, g->n_fields, table);
                        if (!row || !cJSON_AddItemToArray(rows, row)) {
                                cJSON_Delete(row);
                                return cli_error(CLI_EXIT_SERVER, "out of memory");
                        }
                        n++;
                }
                if (g->total)
                        (void)rift_json_get_int64(ans, g->total, &total);
                if (!g->total || n < PAGE_LIMIT || cJSON_GetArraySize(rows) >= total)
                        break;
        }
        if (!rows)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        *ret_rows = TAKE_PTR(rows);
        return CLI_EXIT_OK;
}

/* "{key}" in tpl replaced by the string or number member key of row. */
static void print_template(const char *tpl, const cJSON *row)
{
        _cleanup_buf_ struct rift_buf out = RIFT_BUF_INIT(1u << 16);

        for (const char *p = tpl; *p; p++) {
                const char *end = *p == '{' ? strchr(p, '}') : NULL;
                const cJSON *v;
                char key[64];
                if (!end || (size_t)(end - p) >= sizeof(key)) {
                        (void)rift_buf_append_char(&out, *p);
                        continue;
                }
                memcpy(key, p + 1, (size_t)(end - p - 1));
                key[end - p - 1] = '\0';
                v = cJSON_GetObjectItemCaseSensitive(row, key);
                if (cJSON_IsString(v))
                        (void)rift_buf_append_str(&out, v->valuestring);
                else if (cJSON_IsNumber(v))
                        (void)rift_buf_printf(&out, "%g", v->valuedouble);
                else if (cJSON_IsBool(v))
                        (void)rift_buf_append_str(&out, cJSON_IsTrue(v) ? "true" : "false");
                p = end;
        }
        printf("%s\n", out.data ? out.data : "");
}

int gql_print_done(struct cli_ctx *ctx, const char *tpl, const cJSON *row)
{
        if (ctx->output != OUTPUT_TABLE)
                return api_print(ctx, row, NULL, 0);
        print_template(tpl, row);
        return CLI_EXIT_OK;
}

/* A mutation's row: the variables it was given (flattened, last path component) and the answer's
 * fields, or the scalar answer as "result". */
static cJSON *done_row(const struct gql_command *g, const struct cli_args *a, const cJSON *ans)
{
        _cleanup_json_ cJSON *row = cJSON_IsObject(ans) && g->n_fields
                                        ? gql_shape(ans, g->fields, g->n_fields, false)
                                        : cJSON_CreateObject();

        for (size_t i = 0; row && i < g->n_vars; i++) {
                const char *val = cli_arg(a, g->vars[i].flag), *dot = strrchr(g->vars[i].var, '.');
                const char *key = dot ? dot + 1 : g->vars[i].var;
                if (val && !cJSON_GetObjectItemCaseSensitive(row, key) &&
                    rift_json_add_string(row, key, val) < 0)
                        return NULL;
        }
        if (row && !cJSON_IsObject(ans) && !cJSON_AddItemToObject(row, "result", cJSON_Duplicate(ans, true)))
                return NULL;
        return TAKE_PTR(row);
}

int cmd_gql(struct cli_ctx *ctx, const struct cli_args *a)
{
        const struct gql_command *g = a->cmd->data;
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *vars = command_vars(g, a), *ans = NULL, *out = NULL;
        int code;

        if (!vars)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_session_open(ctx, &s);
        if (code != CLI_EXIT_OK)
                return code;
        if (g->items) {
                code = gql_list_all(ctx, &s, g, vars, &out);
                return code == CLI_EXIT_OK ? api_print(ctx, out, g->cols, g->n_cols) : code;
        }
        code = gql_call(ctx, &s, g->query, vars, g->field, &ans);
        if (code != CLI_EXIT_OK)
                return code;
        if (g->done) {
                out = done_row(g, a, ans);
                return out ? gql_print_done(ctx, g->done, out) : cli_error(CLI_EXIT_SERVER, "out of memory");
        }
        out = gql_shape(ans, g->fields, g->n_fields, ctx->output == OUTPUT_TABLE);
        if (!out)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        /* one object: a table would be one wide line, so it reads as YAML */
        return ctx->output == OUTPUT_JSON                    ? api_print(ctx, out, NULL, 0)
               : output_print(OUTPUT_YAML, out, NULL, 0) < 0 ? cli_error(CLI_EXIT_USER, "cannot print")
                                                             : CLI_EXIT_OK;
}
