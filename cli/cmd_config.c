/* riftctl config ...: log in and store accounts in the config file, switch and list them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define REDACTED "[redacted]"

static int bad_endpoint(const char *url)
{
        return cli_error(CLI_EXIT_USER, "invalid endpoint \"%s\": it must be an http:// or https:// URL",
                         url);
}

/* POST /login; *ret_token (caller frees) and the Unix time it expires. */
static int login(struct cli_ctx *ctx, const char *endpoint, const char *username, const char *password,
                 char **ret_token, int64_t *ret_expires)
{
        _cleanup_json_ cJSON *body = cJSON_CreateObject(), *reply = NULL;
        const char *token;
        int64_t life = 0;
        int code;

        if (!body || rift_json_add_string(body, "username", username) < 0 ||
            rift_json_add_string(body, "password", password) < 0)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        code = api_call(ctx, endpoint, NULL, "POST", "/login", body, &reply);
        if (code != CLI_EXIT_OK)
                return code;
        if (rift_json_get_string(reply, "accessToken", &token) < 0 || !*token)
                return cli_error(CLI_EXIT_SERVER, "the login answer of %s has no accessToken", endpoint);
        (void)rift_json_get_int64(reply, "expiresIn", &life);
        *ret_token = strdup(token);
        if (!*ret_token)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        *ret_expires = life > 0 ? rift_now_ms() / 1000 + life : 0;
        return CLI_EXIT_OK;
}

int cmd_config_store_login(struct cli_ctx *ctx, struct cli_session *s, const char *endpoint,
                           const char *server_endpoint, const char *username, const char *password)
{
        _cleanup_free_ char *token = NULL;
        int64_t expires = 0;
        int code, r;

        code = login(ctx, endpoint, username, password, &token, &expires);
        if (code != CLI_EXIT_OK)
                return code;
        r = ctlconfig_set_user(&s->config, endpoint, server_endpoint, username, token, expires);
        if (r < 0)
                return cli_error(CLI_EXIT_USER, "cannot add the account to %s: %s", s->path,
                                 r == RIFT_E_TOOBIG ? "too many accounts" : rift_strerror(r));
        r = ctlconfig_save(s->path, &s->config);
        if (r < 0)
                return cli_error(CLI_EXIT_USER, "cannot write %s: %s", s->path, strerror(-r));
        return CLI_EXIT_OK;
}

/* One account as a row: JSON keeps numbers and booleans, the table gets words. */
static cJSON *account_row(const struct ctlconfig *c, const struct ctlconfig_account *a,
                          const struct ctlconfig_user *u, bool table)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        bool current =
            rift_streq(c->current_account, a->endpoint) && rift_streq(c->current_user, u->username);
        bool expired = u->expires_at > 0 && u->expires_at <= rift_now_ms() / 1000;
        char when[64];
        int r;

        if (!o)
                return NULL;
        api_format_time(u->expires_at, when, sizeof(when));
        r = table ? rift_json_add_string(o, "current", current ? "*" : "")
                  : rift_json_add_bool(o, "current", current);
        if (r >= 0)
                r = rift_json_add_string(o, "endpoint", a->endpoint);
        if (r >= 0)
                r = rift_json_add_string(o, "username", u->username);
        if (r >= 0 && table)
                r = rift_json_add_string(o, "expires",
                                         expired         ? "expired"
                                         : u->expires_at ? when
                                                         : "unknown");
        if (r >= 0 && !table)
                r = rift_json_add_int64(o, "expiresAt", u->expires_at);
        if (r >= 0 && !table)
                r = rift_json_add_bool(o, "expired", expired);
        return r < 0 ? NULL : TAKE_PTR(o);
}

static int print_accounts(struct cli_ctx *ctx, const struct ctlconfig *c, const char *only_endpoint,
                          const char *only_user)
{
        static const struct output_column cols[] = {
                { "CURRENT", "current" },
                { "ENDPOINT", "endpoint" },
                { "USERNAME", "username" },
                { "EXPIRES", "expires" },
        };
        _cleanup_json_ cJSON *rows = cJSON_CreateArray();
        int r;

        if (!rows)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        for (size_t i = 0; i < c->n_accounts; i++)
                for (size_t k = 0; k < c->accounts[i].n_users; k++) {
                        const struct ctlconfig_user *u = &c->accounts[i].users[k];
                        if (only_endpoint && !(rift_streq(only_endpoint, c->accounts[i].endpoint) &&
                                               rift_streq(only_user, u->username)))
                                continue;
                        cJSON *row = account_row(c, &c->accounts[i], u, ctx->output == OUTPUT_TABLE);
                        if (!row || !cJSON_AddItemToArray(rows, row)) {
                                cJSON_Delete(row);
                                return cli_error(CLI_EXIT_SERVER, "out of memory");
                        }
                }
        r = output_print(ctx->output,
                         only_endpoint && ctx->output != OUTPUT_TABLE ? cJSON_GetArrayItem(rows, 0) : rows,
                         cols, ARRAY_SIZE(cols));
        return r < 0 ? cli_error(CLI_EXIT_USER, "cannot print: %s", rift_strerror(r)) : CLI_EXIT_OK;
}

int cmd_config_set_account(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        char endpoint[RIFT_CLI_MAX_ENDPOINT], server[RIFT_CLI_MAX_ENDPOINT], password[RIFT_CLI_MAX_SECRET];
        const char *username = cli_arg(a, "username");
        int code;

        if (api_endpoint_check(cli_arg(a, "endpoint"), endpoint, sizeof(endpoint)) < 0)
                return bad_endpoint(cli_arg(a, "endpoint"));
        if (cli_arg(a, "server-endpoint") &&
            api_endpoint_check(cli_arg(a, "server-endpoint"), server, sizeof(server)) < 0)
                return bad_endpoint(cli_arg(a, "server-endpoint"));
        if (cli_arg(a, "password") && cli_arg(a, "password-stdin"))
                return cli_error(CLI_EXIT_USER, "--password and --password-stdin exclude each other");
        code = api_config_load(ctx, true, &s);
        if (code == CLI_EXIT_OK)
                code = api_read_secret(cli_arg(a, "password"), cli_arg(a, "password-stdin") != NULL,
                                       "password", password, sizeof(password));
        if (code == CLI_EXIT_OK)
                code = cmd_config_store_login(
                    ctx, &s, endpoint, cli_arg(a, "server-endpoint") ? server : NULL, username, password);
        explicit_bzero(password, sizeof(password));
        if (code != CLI_EXIT_OK)
                return code;
        if (ctx->output == OUTPUT_TABLE)
                printf("account \"%s\" at %s configured and now current\n", username, endpoint);
        else
                code = print_accounts(ctx, &s.config, endpoint, username);
        return code;
}

int cmd_config_use_account(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        char endpoint[RIFT_CLI_MAX_ENDPOINT];
        const char *username = cli_arg(a, "username");
        int code, r;

        if (api_endpoint_check(cli_arg(a, "endpoint"), endpoint, sizeof(endpoint)) < 0)
                return bad_endpoint(cli_arg(a, "endpoint"));
        code = api_config_load(ctx, false, &s);
        if (code != CLI_EXIT_OK)
                return code;
        r = ctlconfig_use(&s.config, endpoint, username);
        if (r == RIFT_E_NOTFOUND)
                return cli_error(CLI_EXIT_USER,
                                 "no account \"%s\" at %s in %s; add it with 'riftctl config set-account'",
                                 username, endpoint, s.path);
        if (r >= 0)
                r = ctlconfig_save(s.path, &s.config);
        if (r < 0)
                return cli_error(CLI_EXIT_USER, "cannot write %s: %s", s.path, rift_strerror(r));
        if (ctx->output == OUTPUT_TABLE) {
                printf("now using account \"%s\" at %s\n", username, endpoint);
                return CLI_EXIT_OK;
        }
        return print_accounts(ctx, &s.config, endpoint, username);
}

int cmd_config_get_accounts(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        int code = api_config_load(ctx, false, &s);

        return code != CLI_EXIT_OK ? code : print_accounts(ctx, &s.config, NULL, NULL);
}

int cmd_config_view(struct cli_ctx *ctx, const struct cli_args *a)
{
        _cleanup_(api_session_done) struct cli_session s = {};
        _cleanup_json_ cJSON *o = NULL;
        int code, r;

        code = api_config_load(ctx, false, &s);
        if (code != CLI_EXIT_OK)
                return code;
        for (size_t i = 0; !cli_arg(a, "show-tokens") && i < s.config.n_accounts; i++)
                for (size_t k = 0; k < s.config.accounts[i].n_users; k++) {
                        struct ctlconfig_user *u = &s.config.accounts[i].users[k];
                        char *red = strdup(REDACTED);
                        if (!red)
                                return cli_error(CLI_EXIT_SERVER, "out of memory");
                        free(u->token);
                        u->token = red;
                }
        o = ctlconfig_to_json(&s.config);
        if (!o)
                return cli_error(CLI_EXIT_SERVER, "out of memory");
        r = output_print(ctx->output == OUTPUT_JSON ? OUTPUT_JSON : OUTPUT_YAML, o, NULL, 0);
        return r < 0 ? cli_error(CLI_EXIT_USER, "cannot print: %s", rift_strerror(r)) : CLI_EXIT_OK;
}
