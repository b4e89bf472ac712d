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

#define CLI_MAX_FLAGS    12            /* flags of one command */
#define CLI_MAX_MANIFEST (256u * 1024) /* bytes of an experiment or probe file (the backend's cap) */

struct cli_flag {
        const char *name; /* long name without dashes: "endpoint" */
        bool has_value;   /* takes a value (--name VALUE or --name=VALUE); otherwise a switch */
        bool required;    /* the command refuses to run without it */
        const char *help; /* one line for --help */
        char short_name;  /* one-letter form (-f), 0 = none */
        bool positional;  /* may also be given as the word after the command (riftctl logs RUN_ID) */
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
        const void *data;                                             /* what a table-driven run needs */
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
        const char *server;      /* rift-backend's URL (serverEndpoint; points into config) */
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
struct rift_http_response;
/* Prints the error of an HTTP error answer (Litmus's {error, errorDescription} or GraphQL's errors);
 * exit 1 for 4xx, 2 otherwise. */
int api_status_error(const struct rift_http_response *resp, bool had_token);
/* Reads a secret: from value if given, else one line of stdin when from_stdin, else a no-echo prompt
 * on a terminal. Returns an exit code. */
int api_read_secret(const char *value, bool from_stdin, const char *prompt, char *ret, size_t size);
/* "2026-11-22 03:45:00 UTC" for Unix seconds t. */
void api_format_time(int64_t t, char *ret, size_t size);
void api_free(struct cli_ctx *ctx);
/* Prints v in the chosen format (cols for tables); an exit code. */
int api_print(struct cli_ctx *ctx, const cJSON *v, const struct output_column *cols, size_t n_cols);
/* Reads a whole file of at most max bytes into *ret (NUL-terminated, caller frees); an exit code. */
int api_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* The object in a file: JSON if it starts with '{', else YAML (plain numbers and booleans typed); an
 * exit code (the reason printed with the path). */
int api_read_doc(const char *path, cJSON **ret);

/* gql.c: rift-backend's GraphQL API */
enum gql_kind {
        GQL_STR,   /* string ("" when absent) */
        GQL_INT,   /* integer (0 when absent) */
        GQL_NUM,   /* number or null */
        GQL_BOOL,  /* true/false */
        GQL_TIME,  /* server time (ms as text) -> ms number; tables get "YYYY-MM-DD HH:MM:SS UTC" */
        GQL_COUNT, /* length of an array */
        GQL_ANY,   /* copied as it is */
        GQL_DOC,   /* a string holding JSON (a manifest): the parsed value, else the string */
        GQL_FIRST, /* the first present of the '|'-separated paths, copied */
};

struct gql_field {
        const char *key;    /* member of riftctl's row */
        const char *path;   /* where in the server's object: "infra.name", "faults.0.verdict" */
        enum gql_kind kind; /* how it is converted */
};

struct gql_var {
        const char *var;  /* variable path: "projectID", "request.name" */
        const char *flag; /* the flag giving it */
        bool list;        /* sent as a one-element list */
};

/* A command that is one GraphQL operation: a listing (items set: every page is fetched and printed
 * as rows), a mutation (done set: a sentence for tables, the row otherwise) or one object (YAML/JSON). */
struct gql_command {
        const char *query;                /* the document */
        const char *field;                /* root field of the answer */
        const struct gql_var *vars;       /* flags -> variables */
        size_t n_vars;                    /* entries in vars */
        const char *items;                /* listing: member holding the page's items */
        const char *total;                /* listing: member counting all items */
        const struct gql_field *fields;   /* the row */
        size_t n_fields;                  /* entries in fields */
        const struct output_column *cols; /* table columns of a listing */
        size_t n_cols;                    /* entries in cols */
        const char *done; /* mutation: "experiment {experimentID} deleted" ({key}: row member) */
        /* listing: completes a page's items before they are shaped; an exit code */
        int (*page_hook)(struct cli_ctx *ctx, const struct cli_session *s, const cJSON *vars, cJSON *items);
};

/* errors[0].message of a GraphQL answer, NULL if none. */
const char *api_gql_error(const cJSON *reply);
/* Posts query with vars to the session's server; *ret gets data.<field>, or all of data with field
 * NULL (caller frees). GraphQL errors are printed as "field: message" (exit 1). Returns an exit code. */
int gql_call(struct cli_ctx *ctx, const struct cli_session *s, const char *query, const cJSON *vars,
             const char *field, cJSON **ret);
/* riftctl's row from a server object (NULL on -ENOMEM); table: times as text. */
cJSON *gql_shape(const cJSON *obj, const struct gql_field *fields, size_t n, bool table);
/* Sets vars' member at a dotted path to v (taken, even on failure). */
int gql_set(cJSON *vars, const char *path, cJSON *v);
/* Every item of g's listing, page by page (request.pagination is set in vars), as rows. */
int gql_list_all(struct cli_ctx *ctx, const struct cli_session *s, const struct gql_command *g, cJSON *vars,
                 cJSON **ret_rows);
/* tpl with {key} filled from row on tables; the row itself in JSON/YAML. */
int gql_print_done(struct cli_ctx *ctx, const char *tpl, const cJSON *row);
/* Runs the gql_command in a->cmd->data. */
int cmd_gql(struct cli_ctx *ctx, const struct cli_args *a);

/* cmd_chaos.c */
extern const struct gql_command gql_get_environments, gql_delete_environment, gql_get_infras,
    gql_disconnect_infra, gql_get_experiments, gql_describe_experiment, gql_delete_experiment;
int cmd_create_environment(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_connect_infra(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_create_experiment(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_save_experiment(struct cli_ctx *ctx, const struct cli_args *a);

/* cmd_run.c */
extern const struct gql_command gql_get_runs;
int cmd_stop_run(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_logs(struct cli_ctx *ctx, const struct cli_args *a);

/* cmd_probe.c */
extern const struct gql_command gql_get_probes, gql_describe_probe, gql_delete_probe;
int cmd_create_probe(struct cli_ctx *ctx, const struct cli_args *a);

/* cmd_safety.c */
int cmd_emergency_stop(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_release_emergency_stop(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_get_emergency_stop(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_set_guards(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_get_guards(struct cli_ctx *ctx, const struct cli_args *a);
int cmd_get_audit_events(struct cli_ctx *ctx, const struct cli_args *a);
/* run chaos-experiment: a run or (--dry-run) a dry run; -f follows its log. */
int cmd_run_experiment(struct cli_ctx *ctx, const struct cli_args *a);

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
