/* riftctl's private header: the command table's types, global options and the helpers every command
 * group uses. Commands live one group per file (cmd_config.c, cmd_project.c, cmd_user.c) and are
 * registered in main.c's static const table; a command returns an exit code:
 *   CLI_EXIT_OK 0, CLI_EXIT_USER 1 (bad flags, missing config, expired token, 4xx),
 *   CLI_EXIT_SERVER 2 (connection refused, timeout, TLS, 5xx). */
#ifndef RIFT_CLI_H
#define RIFT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "cli/ctlconfig.h"
#include "cli/output.h"
#include "lib/macro.h"

#ifndef RIFT_VERSION
#define RIFT_VERSION "0.1.0"
#endif

enum {
        CLI_EXIT_OK = 0,
        CLI_EXIT_USER = 1,
        CLI_EXIT_SERVER = 2,
};

#define CLI_MAX_FLAGS 12 /* flags of one command */

struct cli_flag {
        const char *name; /* long name without dashes: "endpoint" */
        bool has_value;   /* takes a value (--name VALUE or --name=VALUE); otherwise a switch */
        bool required;    /* the command refuses to run without it */
        const char *help; /* one line for --help */
};

struct cli_ctx; /* global options, below */
struct cli_args;

struct cli_command {
        const char *verb;                                             /* "get" */
        const char *noun;                                             /* "projects"; NULL = verb alone */
        int (*run)(struct cli_ctx *ctx, const struct cli_args *args); /* returns an exit code */
        const char *help;                                             /* one line */
        const struct cli_flag *flags;                                 /* the command's own flags */
        size_t n_flags;                                               /* entries in flags */
};

struct cli_args {
        const struct cli_command *cmd;     /* the command being run */
        const char *values[CLI_MAX_FLAGS]; /* value of cmd->flags[i]; "true" for a given switch; NULL unset */
};

struct cli_ctx {
        const char *config_path;       /* --config; NULL = $RIFTCONFIG or ~/.riftconfig */
        enum output_format output;     /* -o / --output */
        const char *cacert;            /* --cacert: PEM bundle the server must chain to */
        bool skip_ssl;                 /* --skip-ssl: no certificate verification */
        int64_t timeout_ms;            /* --request-timeout; 0 = 30 s */
        struct rift_http_client *http; /* made on first use */
};

/* main.c */
/* Value of the command's flag name (NULL if not given). */
const char *cli_arg(const struct cli_args *a, const char *name);
/* Prints "Error: <message>" to stderr and returns code. */
int cli_error(int code, const char *fmt, ...) _printf_(2, 3);
/* Prints "Warning: <message>" to stderr. */
void cli_warn(const char *fmt, ...) _printf_(1, 2);

/* api.c: calls to rift-auth, errors already printed and turned into exit codes */
struct cli_session {
        struct ctlconfig config; /* the loaded config file */
        char path[4096];         /* where it was loaded from */
        const char *endpoint;    /* current account's endpoint (points into config) */
        const char *username;    /* current user (points into config) */
        const char *token;       /* current user's token (points into config) */
};
void api_session_done(struct cli_session *s);
/* Checks an endpoint given by the user and copies it without trailing '/' into ret. */
int api_endpoint_check(const char *url, char *ret, size_t size);
/* Loads the config file (an absent file is an empty config when may_be_empty). */
int api_config_load(struct cli_ctx *ctx, bool may_be_empty, struct cli_session *ret);
/* Loads the config and the current account; refuses a missing account or an expired token. */
int api_session_open(struct cli_ctx *ctx, struct cli_session *ret);
/* method path at endpoint with an optional JSON body and bearer token; *ret_json gets the reply
 * (may be NULL for an empty body). Returns an exit code; on failure the reason has been printed. */
int api_call(struct cli_ctx *ctx, const char *endpoint, const char *token, const char *method,
             const char *path, const cJSON *body, cJSON **ret_json);
/* Reads a secret: from value if given, else one line of stdin when from_stdin, else a no-echo prompt
 * on a terminal. Returns an exit code. */
int api_read_secret(const char *value, bool from_stdin, const char *prompt, char *ret, size_t size);
/* "2026-11-22 03:45:00 UTC" for Unix seconds t. */
void api_format_time(int64_t t, char *ret, size_t size);
void api_free(struct cli_ctx *ctx);

/* cmd_config.c */
int cmd_config_set_account(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_config_use_account(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_config_get_accounts(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_config_view(struct cli_ctx *ctx, const struct cli_args *a);
/* Logs username in at endpoint, stores the token as the current account of s and saves s's file. */
int cmd_config_store_login(struct cli_ctx *ctx, struct cli_session *s, const char *endpoint,
                           const char *server_endpoint, const char *username, const char *password);

/* cmd_project.c */
int cmd_create_project(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_get_projects(struct cli_ctx *ctx, const struct cli_args *a);

/* cmd_user.c */
int cmd_update_password(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_get_users(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_create_user(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_version(struct cli_ctx *ctx, const struct cli_args *a);

#endif
