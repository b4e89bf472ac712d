/* riftctl update password, get users, create user (admins) and version. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

/* The old and the new password from flags, stdin lines or prompts (the new one twice on a terminal). */
static int read_passwords(const struct cli_args *a, char old[RIFT_CLI_MAX_SECRET],
                          char new[RIFT_CLI_MAX_SECRET])
{
        char again[RIFT_CLI_MAX_SECRET];
        bool from_stdin = cli_arg(a, "password-stdin") != NULL;
        int code;

        code = api_read_secret(cli_arg(a, "old-password"), from_stdin, "current password", old,
                               RIFT_CLI_MAX_SECRET);
        if (code == CLI_EXIT_OK)
                code = api_read_secret(cli_arg(a, "new-password"), from_stdin, "new password", new,
                                       RIFT_CLI_MAX_SECRET);
        if (code != CLI_EXIT_OK || from_stdin || cli_arg(a, "new-password"))
                return code;
        code = api_read_secret(NULL, false, "new password again", again, sizeof(again));
        if (code == CLI_EXIT_OK && !rift_streq(again, new))
                code = cli_error(CLI_EXIT_USER, "the new passwords do not match");
        explicit_bzero(again, sizeof(again));
        return code;
}

static int change_password(struct cli_ctx *ctx, struct cli_session *s, const char *old, const char *new)
{
        _cleanup_json_ cJSON *body = cJSON_CreateObject();
        char endpoint[RIFT_CLI_MAX_ENDPOINT], username[RIFT_AUTH_MAX_USERNAME + 1];
        int code;

        if (!body || rift_json_add_string(body, "oldPassword", old) < 0 ||
            rift_json_add_string(body, "newPassword", new) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_call(ctx, s->endpoint, s->token, "POST", "/update/password", body, NULL);
        if (code != CLI_EXIT_OK)
                return code;
        /* the session's strings live in the config that the new login rewrites */
        if (rift_strlcpy(endpoint, s->endpoint, sizeof(endpoint)) < 0 ||
            rift_strlcpy(username, s->username, sizeof(username)) < 0)
                return cli_error(CLI_EXIT_USER, "account name too long");
        code = cmd_config_store_login(ctx, s, endpoint, NULL, username, new);
        if (code != CLI_EXIT_OK)
                return cli_error(code,
                                 "the password was changed, but logging in again failed; run "
                                 "'riftctl config set-account --endpoint %s --username %s'",
                                 endpoint, username);
        printf("password of \"%s\" at %s updated; logged in again with the new password\n", username,
               endpoint);
        return CLI_EXIT_OK;
}

int cmd_update_password(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        char old[RIFT_CLI_MAX_SECRET] = "", new[RIFT_CLI_MAX_SECRET] = "";
        int code;

        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = read_passwords(a, old, new);
        if (code == CLI_EXIT_OK)
                code = change_password(ctx, &s, old, new);
        explicit_bzero(old, sizeof(old));
        explicit_bzero(new, sizeof(new));
        return code;
}

static const struct output_column user_cols[] = {
        { "USER ID", "userID" }, { "USERNAME", "username" }, { "ROLE", "role" },
        { "NAME", "name" },      { "EMAIL", "email" },       { "STATE", "state" },
};

/* The stable shape of an account; tables get "state" as a word. */
static cJSON *user_row(const cJSON *u, bool table)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        static const char *const keys[] = { "userID", "username", "role", "name", "email" };
        int64_t deactivated = 0;
        const char *s;
        int r = o ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(keys); i++)
                r = rift_json_add_string(o, keys[i], rift_json_get_string(u, keys[i], &s) == 0 ? s : "");
        (void)rift_json_get_int64(u, "deactivatedAt", &deactivated);
        if (r >= 0)
                r = table ? rift_json_add_string(o, "state", deactivated ? "deactivated" : "active")
                          : rift_json_add_bool(o, "deactivated", deactivated != 0);
        return r < 0 ? NULL : TAKE_PTR(o);
}

int cmd_get_users(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *reply = NULL, *rows = cJSON_CreateArray();
        const cJSON *list = NULL, *u;
        int code;

        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = api_call(ctx, s.endpoint, s.token, "GET", "/users", NULL, &reply);
        if (code != CLI_EXIT_OK)
                return code;
        list = cJSON_IsArray(reply) ? reply : NULL;
        if (!list && rift_json_get_array(reply, "data", &list) < 0)
                return cli_error(CLI_EXIT_SERVER, "unexpected answer from %s", s.endpoint);
        cJSON_ArrayForEach(u, list)
        {
                cJSON *row = user_row(u, ctx->output == OUTPUT_TABLE);
                if (!rows || !row || !cJSON_AddItemToArray(rows, row)) {
                        cJSON_Delete(row);
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                }
        }
        return api_print(ctx, rows, user_cols, ARRAY_SIZE(user_cols));
}

int cmd_create_user(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *body = cJSON_CreateObject(), *reply = NULL, *row = NULL;
        static const char *const optional[] = { "role", "email", "name" };
        char password[RIFT_CLI_MAX_SECRET] = "";
        int code, r;

        code = api_session_open(ctx, &s);
        if (code == CLI_EXIT_OK)
                code = api_read_secret(cli_arg(a, "password"), cli_arg(a, "password-stdin") != NULL,
                                       "password of the new user", password, sizeof(password));
        if (code != CLI_EXIT_OK)
                return code;
        r = body ? rift_json_add_string(body, "username", cli_arg(a, "username")) : -ENOMEM;
        if (r >= 0)
                r = rift_json_add_string(body, "password", password);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(optional); i++)
                if (cli_arg(a, optional[i]))
                        r = rift_json_add_string(body, optional[i], cli_arg(a, optional[i]));
        explicit_bzero(password, sizeof(password));
        if (r < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_call(ctx, s.endpoint, s.token, "POST", "/create_user", body, &reply);
        if (code != CLI_EXIT_OK)
                return code;
        if (!(row = user_row(reply, false)))
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        if (ctx->output != OUTPUT_TABLE)
                return api_print(ctx, row, user_cols, ARRAY_SIZE(user_cols));
        printf("user \"%s\" created with ID %s\n", cli_arg(a, "username"),
               cJSON_GetObjectItem(row, "userID")->valuestring);
        return CLI_EXIT_OK;
}

int cmd_version(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        if (ctx->output == OUTPUT_TABLE) {
                printf("riftctl version %s\n", RIFT_VERSION);
                return CLI_EXIT_OK;
        }
        if (!o || rift_json_add_string(o, "version", RIFT_VERSION) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        return api_print(ctx, o, NULL, 0);
}
