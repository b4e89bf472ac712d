/* riftctl: the command line for the Chaos Center (litmusctl's verbs). main() only parses the global
 * flags, finds the command in the table and runs it; commands live in cmd_*.c. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/http_client.h"
#include "lib/str.h"

#define F(n, v, req, h)                                                                                      \
        {                                                                                                    \
                .name = (n), .has_value = (v), .required = (req), .help = (h)                                \
        }
/* a flag that may also be the word after the command: riftctl logs RUN_ID */
#define FP(n, req, h)                                                                                        \
        {                                                                                                    \
                .name = (n), .has_value = true, .required = (req), .help = (h), .positional = true           \
        }
/* a flag with a one-letter form */
#define FS(n, c, v, req, h)                                                                                  \
        {                                                                                                    \
                .name = (n), .has_value = (v), .required = (req), .help = (h), .short_name = (c)             \
        }
#define PROJECT F("project-id", true, true, "ID of the project (riftctl get projects)")
#define CMD(verb, noun, fn, help, flags)                                                                     \
        {                                                                                                    \
                (verb), (noun), (fn), (help), (flags), ARRAY_SIZE(flags), NULL                               \
        }
#define CMD0(verb, noun, fn, help)                                                                           \
        {                                                                                                    \
                (verb), (noun), (fn), (help), NULL, 0, NULL                                                  \
        }
/* a command that is one GraphQL operation (struct gql_command g) */
#define GQL(verb, noun, g, help, flags)                                                                      \
        {                                                                                                    \
                (verb), (noun), cmd_gql, (help), (flags), ARRAY_SIZE(flags), &(g)                            \
        }

static const struct cli_flag set_account_flags[] = {
        F("endpoint", true, true, "URL of rift-auth, e.g. https://chaos.example:3000"),
        F("server-endpoint", true, false, "URL of rift-backend (default: the endpoint)"),
        F("username", true, true, "account name"),
        F("password", true, false, "password (default: prompt without echo)"),
        F("password-stdin", false, false, "read the password from the first line of stdin"),
};
static const struct cli_flag use_account_flags[] = {
        F("endpoint", true, true, "endpoint of a configured account"),
        F("username", true, true, "user of that account"),
};
static const struct cli_flag view_flags[] = {
        F("show-tokens", false, false, "print the tokens instead of [redacted]"),
};
static const struct cli_flag create_project_flags[] = {
        F("name", true, true, "project name"),
        F("description", true, false, "project description"),
};
static const struct cli_flag create_user_flags[] = {
        F("username", true, true, "new account name"),
        F("password", true, false, "its password (default: prompt without echo)"),
        F("password-stdin", false, false, "read the password from the first line of stdin"),
        F("role", true, false, "user or admin (default user)"),
        F("email", true, false, "e-mail address"),
        F("name", true, false, "display name"),
};
static const struct cli_flag update_password_flags[] = {
        F("old-password", true, false, "current password (default: prompt)"),
        F("new-password", true, false, "new password (default: prompt, twice)"),
        F("password-stdin", false, false, "read the current, then the new password from two lines of stdin"),
};

static const struct cli_flag project_flags[] = { PROJECT };
static const struct cli_flag create_env_flags[] = {
        PROJECT,
        F("name", true, true, "name of the environment"),
        F("type", true, false, "PROD or NON_PROD (default NON_PROD)"),
        F("description", true, false, "description"),
        F("environment-id", true, false, "ID (default: made from the name)"),
};
static const struct cli_flag env_id_flags[] = {
        PROJECT,
        FP("environment-id", true, "ID of the environment"),
};
static const struct cli_flag connect_infra_flags[] = {
        PROJECT,
        F("name", true, true, "name of the infrastructure"),
        F("type", true, false, "linux (the only kind Rift's agent runs on)"),
        F("environment-id", true, false, "environment to put it in (default: the project's only one)"),
        F("description", true, false, "description"),
        F("platform-name", true, false, "platform label (default linux)"),
        F("install", false, false,
          "run the install command here (needs install.sh in the current directory)"),
        F("install-args", true, false, "words appended to the install command (e.g. \"--root DIR\")"),
};
static const struct cli_flag get_infra_flags[] = {
        PROJECT,
        F("environment-id", true, false, "only this environment's"),
};
static const struct cli_flag infra_id_flags[] = {
        PROJECT,
        FP("infra-id", true, "ID of the chaos infrastructure"),
};
static const struct cli_flag put_exp_flags[] = {
        PROJECT,
        FS("file", 'f', true, true, "experiment file: Rift JSON/YAML or a Litmus workflow YAML"),
        F("chaos-infra-id", true, true, "infrastructure that runs it"),
        F("name", true, false, "name (default: the file's metadata.name or name)"),
        F("description", true, false, "description"),
        F("experiment-id", true, false, "ID (default: a new UUID)"),
};
static const struct cli_flag get_exp_flags[] = {
        PROJECT,
        F("chaos-infra-id", true, false, "only this infrastructure's"),
};
static const struct cli_flag exp_id_flags[] = {
        PROJECT,
        FP("experiment-id", true, "ID of the chaos experiment"),
};
static const struct cli_flag run_exp_flags[] = {
        PROJECT,
        FP("experiment-id", true, "ID of the chaos experiment"),
        F("dry-run", false, false,
          "dry run: the agent checks what each fault needs and reports what it would do, changing nothing"),
        FS("follow", 'f', false, false,
           "then print the run's log lines until it ends (exit 1 unless it ends Completed)"),
};
static const struct cli_flag get_runs_flags[] = {
        PROJECT,
        F("experiment-id", true, false, "only this experiment's runs"),
        F("experiment-run-id", true, false, "only this run"),
};
static const struct cli_flag run_id_flags[] = {
        PROJECT,
        FP("experiment-run-id", true, "ID of the run"),
};
static const struct cli_flag logs_flags[] = {
        PROJECT,
        FP("experiment-run-id", true, "ID of the run"),
        FS("follow", 'f', false, false, "wait for new lines until the run ends"),
};

static const struct cli_flag estop_flags[] = {
        F("project-id", true, false, "stop every run of this project (any member may)"),
        F("all", false, false, "stop every run of every project (global admins only)"),
        F("reason", true, false, "why, shown to everyone who looks at the stop"),
};
static const struct cli_flag release_estop_flags[] = {
        F("project-id", true, false, "release this project's stop (its Owners)"),
        F("all", false, false, "release the global stop (global admins; a project's own stop stays)"),
};
static const struct cli_flag set_guards_flags[] = {
        PROJECT,
        F("environment-id", true, true, "ID of the chaos environment"),
        FS("file", 'f', true, true,
           "guards file (YAML or JSON): allowedFaults, maxDuration, maxCpuLoad, ... (docs/safety.md)"),
};
static const struct cli_flag get_guards_flags[] = {
        PROJECT,
        F("environment-id", true, false, "only this environment (default: every one of the project)"),
};
static const struct cli_flag audit_flags[] = {
        F("project-id", true, false, "the project whose events to list (required for rift-backend's)"),
        F("service", true, false, "backend (default: the project's requests) or auth (logins, role changes)"),
        F("since", true, false,
          "only events after this: a duration back (1h) or a UTC time (2026-12-06T10:00:00Z)"),
        F("limit", true, false, "at most this many events, newest first (default 100, at most 10000)"),
        F("action", true, false, "only this action: create, run, emergency_stop, login, ..."),
        F("username", true, false, "only this user's events"),
};

static const struct cli_flag create_probe_flags[] = {
        PROJECT,
        FS("file", 'f', true, true,
           "probe file: Litmus's ProbeRequest (name, type, ...Properties) in JSON or YAML"),
};
static const struct cli_flag get_probes_flags[] = {
        PROJECT,
        F("probe-type", true, false, "only this type: httpProbe, cmdProbe, promProbe or k8sProbe"),
};
static const struct cli_flag probe_id_flags[] = {
        PROJECT,
        FP("probe-id", true, "name of the probe (litmusctl's probe ID)"),
};

/* Every command riftctl has; the help lists exactly these. A flag name either takes a value in every
 * command that has it or in none (the words of a command line are sorted out before the command is
 * known). */
static const struct cli_command commands[] = {
        CMD("config", "set-account", cmd_config_set_account, "log in to a Chaos Center and store the account",
            set_account_flags),
        CMD("config", "use-account", cmd_config_use_account, "make a stored account the current one",
            use_account_flags),
        CMD0("config", "get-accounts", cmd_config_get_accounts, "list the stored accounts"),
        CMD("config", "view", cmd_config_view, "print the config file", view_flags),
        CMD("create", "project", cmd_create_project, "create a project (you become its Owner)",
            create_project_flags),
        CMD("create", "user", cmd_create_user, "create an account (admins only)", create_user_flags),
        CMD0("get", "projects", cmd_get_projects, "list the projects you are a member of"),
        CMD("create", "chaos-environment", cmd_create_environment, "create a chaos environment",
            create_env_flags),
        GQL("get", "chaos-environments", gql_get_environments, "list the project's chaos environments",
            project_flags),
        GQL("delete", "chaos-environment", gql_delete_environment, "delete a chaos environment",
            env_id_flags),
        CMD("connect", "chaos-infra", cmd_connect_infra,
            "register a Linux chaos infrastructure and print (or run) its install command",
            connect_infra_flags),
        GQL("get", "chaos-infra", gql_get_infras, "list the project's chaos infrastructures",
            get_infra_flags),
        GQL("disconnect", "chaos-infra", gql_disconnect_infra, "remove a chaos infrastructure",
            infra_id_flags),
        CMD("create", "chaos-experiment", cmd_create_experiment,
            "create a chaos experiment from a file and run it", put_exp_flags),
        CMD("save", "chaos-experiment", cmd_save_experiment, "create or replace a chaos experiment (no run)",
            put_exp_flags),
        CMD("run", "chaos-experiment", cmd_run_experiment, "start a run (or a dry run) of a chaos experiment",
            run_exp_flags),
        GQL("get", "chaos-experiments", gql_get_experiments, "list the project's chaos experiments",
            get_exp_flags),
        GQL("describe", "chaos-experiment", gql_describe_experiment,
            "show a chaos experiment with its manifest and recent runs", exp_id_flags),
        GQL("delete", "chaos-experiment", gql_delete_experiment, "delete a chaos experiment", exp_id_flags),
        GQL("get", "chaos-experiment-runs", gql_get_runs, "list runs of chaos experiments", get_runs_flags),
        CMD("stop", "chaos-experiment-run", cmd_stop_run, "stop a run", run_id_flags),
        CMD("emergency-stop", NULL, cmd_emergency_stop,
            "stop every run of a project (or of every project) and refuse new ones until released",
            estop_flags),
        CMD("release", "emergency-stop", cmd_release_emergency_stop,
            "let runs start again after an emergency stop", release_estop_flags),
        CMD("get", "emergency-stop", cmd_get_emergency_stop,
            "show whether an emergency stop covers a project", project_flags),
        CMD("set", "guards", cmd_set_guards, "set the blast-radius guards of a chaos environment from a file",
            set_guards_flags),
        CMD("get", "guards", cmd_get_guards, "show the blast-radius guards of chaos environments",
            get_guards_flags),
        CMD("get", "audit-events", cmd_get_audit_events,
            "list the audit trail (project Owners, global admins)", audit_flags),
        CMD("create", "probe", cmd_create_probe, "save a probe of the project from a file",
            create_probe_flags),
        GQL("get", "probes", gql_get_probes, "list the project's saved probes", get_probes_flags),
        GQL("describe", "probe", gql_describe_probe, "show a saved probe with its properties",
            probe_id_flags),
        GQL("delete", "probe", gql_delete_probe, "delete a saved probe (refused while an experiment uses it)",
            probe_id_flags),
        CMD("logs", NULL, cmd_logs, "print the log lines of a run (-f: follow it until it ends)", logs_flags),
        CMD0("get", "users", cmd_get_users, "list all accounts (admins only)"),
        CMD("update", "password", cmd_update_password, "change your password and log in again",
            update_password_flags),
        CMD0("version", NULL, cmd_version, "print the version of riftctl"),
};

/* Global flags, accepted anywhere on the command line. */
enum { G_CONFIG, G_OUTPUT, G_CACERT, G_SKIP_SSL, G_SKIP_SSL_LITMUS, G_TIMEOUT, G_HELP, G__MAX };
static const struct cli_flag global_flags[G__MAX] = {
        [G_CONFIG] = F("config", true, false, "config file (default $RIFTCONFIG or ~/.riftconfig)"),
        [G_OUTPUT] = FS("output", 'o', true, false, "output format: table, json or yaml"),
        [G_CACERT] = F("cacert", true, false, "PEM file of the CA that signed the server's certificate"),
        [G_SKIP_SSL] = F("skip-ssl", false, false, "do not verify the server's certificate (unsafe)"),
        [G_SKIP_SSL_LITMUS] = F("skipSSL", false, false, "same as --skip-ssl (litmusctl's spelling)"),
        [G_TIMEOUT] = F("request-timeout", true, false, "give up on a request after this long (default 30s)"),
        [G_HELP] = FS("help", 'h', false, false, "show help"),
};

const char *cli_arg(const struct cli_args *a, const char *name)
{
        for (size_t i = 0; i < a->cmd->n_flags; i++)
                if (rift_streq(a->cmd->flags[i].name, name))
                        return a->values[i];
        return NULL;
}

int cli_error(int code, const char *fmt, ...)
{
        va_list ap;

        fputs("Error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return code;
}

void cli_warn(const char *fmt, ...)
{
        va_list ap;

        fputs("Warning: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void print_flags(const struct cli_flag *flags, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char head[64];
                (void)snprintf(head, sizeof(head), "%c%c%s--%s%s", flags[i].short_name ? '-' : ' ',
                               flags[i].short_name ? flags[i].short_name : ' ',
                               flags[i].short_name ? ", " : "  ", flags[i].name,
                               flags[i].has_value ? " VALUE" : "");
                printf("  %-30s %s%s\n", head, flags[i].help,
                       flags[i].positional
                           ? (flags[i].required ? " (required; or as the word after the command)"
                                                : " (or as the word after the command)")
                       : flags[i].required ? " (required)"
                                           : "");
        }
}

/* Help for everything (verb NULL), one verb's commands, or one command. */
static int help(const char *verb, const struct cli_command *cmd)
{
        if (cmd) {
                printf("%s\n\nUsage: riftctl %s%s%s [flags]\n", cmd->help, cmd->verb, cmd->noun ? " " : "",
                       cmd->noun ? cmd->noun : "");
                for (size_t i = 0; i < cmd->n_flags; i++) {
                        char word[64] = "";
                        for (size_t k = 0;
                             cmd->flags[i].positional && cmd->flags[i].name[k] && k + 1 < sizeof(word); k++)
                                word[k] = (char)toupper((unsigned char)cmd->flags[i].name[k]);
                        if (word[0])
                                printf("       riftctl %s%s%s %s [flags]\n", cmd->verb, cmd->noun ? " " : "",
                                       cmd->noun ? cmd->noun : "", word);
                }
                if (cmd->n_flags) {
                        printf("\nFlags:\n");
                        print_flags(cmd->flags, cmd->n_flags);
                }
        } else {
                printf(
                    "riftctl: the command line for the Rift Chaos Center\n\nUsage: riftctl COMMAND [flags]\n"
                    "\nCommands:\n");
                for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                        if (!verb || rift_streq(verb, commands[i].verb))
                                printf("  %-10s %-22s %s\n", commands[i].verb,
                                       commands[i].noun ? commands[i].noun : "", commands[i].help);
        }
        printf("\nGlobal flags:\n");
        print_flags(global_flags, G__MAX);
        printf("\nExit codes: 0 success, 1 usage or request error, 2 server or network error.\n");
        return CLI_EXIT_OK;
}

static const struct cli_command *command_find(const char *verb, const char *noun)
{
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (rift_streq(commands[i].verb, verb) && rift_streq(commands[i].noun, noun))
                        return &commands[i];
        return NULL;
}

static bool verb_known(const char *verb)
{
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (rift_streq(commands[i].verb, verb))
                        return true;
        return false;
}

/* The flag called name among flags (NULL if none). */
static const struct cli_flag *flag_find(const struct cli_flag *flags, size_t n, const char *name, size_t len,
                                        size_t *ret_index)
{
        for (size_t i = 0; i < n; i++)
                if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0) {
                        *ret_index = i;
                        return &flags[i];
                }
        return NULL;
}

/* The flag with one-letter form c among flags (NULL if none). */
static const struct cli_flag *short_find(const struct cli_flag *flags, size_t n, char c, size_t *ret_index)
{
        for (size_t i = 0; i < n; i++)
                if (flags[i].short_name && flags[i].short_name == c) {
                        *ret_index = i;
                        return &flags[i];
                }
        return NULL;
}

/* The flag argv word w names (global first, then cmd's; with cmd NULL, the first command that has it),
 * *ret_global telling which table; NULL if unknown. -o and -h are --output and --help. */
static const struct cli_flag *word_flag(const struct cli_command *cmd, const char *w, size_t *ret_index,
                                        bool *ret_global)
{
        const char *name = w + 2, *eq;
        const struct cli_flag *f = NULL;
        size_t len;

        *ret_global = true;
        if (rift_streq(w, "-o"))
                return &global_flags[*ret_index = G_OUTPUT];
        if (rift_streq(w, "-h"))
                return &global_flags[*ret_index = G_HELP];
        if (w[1] != '-' && (!w[1] || w[2]))
                return NULL;
        *ret_global = false;
        for (size_t c = 0; !f && c < ARRAY_SIZE(commands); c++) {
                const struct cli_command *k = cmd ? cmd : &commands[c];
                if (w[1] != '-')
                        f = short_find(k->flags, k->n_flags, w[1], ret_index);
                if (cmd)
                        break;
        }
        if (w[1] != '-')
                return f;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        *ret_global = true;
        if ((f = flag_find(global_flags, G__MAX, name, len, ret_index)))
                return f;
        *ret_global = false;
        for (size_t c = 0; !f && c < ARRAY_SIZE(commands); c++) {
                const struct cli_command *k = cmd ? cmd : &commands[c];
                f = flag_find(k->flags, k->n_flags, name, len, ret_index);
                if (cmd)
                        break;
        }
        return f;
}

/* The command the leading words name: verb and noun, or a verb alone (riftctl logs RUN_ID). */
static const struct cli_command *command_of(const char *const pos[], size_t n)
{
        const struct cli_command *c = n > 1 ? command_find(pos[0], pos[1]) : NULL;

        return c ? c : n > 0 ? command_find(pos[0], NULL) : NULL;
}

/* Words of argv that are not flags or flag values (at most 4 are kept; *ret_n counts all). Which flags
 * take a value is the command's business once its words have been seen (-f is a file for create and
 * a switch for logs), any command's before. */
static void positionals(int argc, char **argv, const char *ret[4], size_t *ret_n)
{
        size_t n = 0, idx;
        bool global;

        for (int i = 1; i < argc; i++) {
                const char *w = argv[i];
                const struct cli_flag *f;
                if (w[0] != '-') {
                        if (n < 4)
                                ret[n] = w;
                        n++;
                        continue;
                }
                f = word_flag(command_of(ret, MIN(n, 2u)), w, &idx, &global);
                if (f && f->has_value && !strchr(w, '='))
                        i++;
        }
        *ret_n = n;
}

/* Stores one flag's value; returns how many extra argv words it used, or -1 after printing an error. */
static int take_flag(const struct cli_flag *f, const char *eq, int i, int argc, char **argv,
                     const char **slot)
{
        if (!f->has_value) {
                if (eq)
                        return cli_error(CLI_EXIT_USER, "flag --%s takes no value", f->name), -1;
                *slot = "true";
                return 0;
        }
        if (eq) {
                *slot = eq + 1;
                return 0;
        }
        if (i + 1 >= argc)
                return cli_error(CLI_EXIT_USER, "flag --%s needs a value", f->name), -1;
        *slot = argv[i + 1];
        return 1;
}

/* Fills the global values and the command's flag values from argv. Returns an exit code. */
static int parse_flags(int argc, char **argv, const char *gvals[G__MAX], struct cli_args *a)
{
        for (int i = 1; i < argc; i++) {
                const char *w = argv[i];
                const struct cli_flag *f;
                size_t idx;
                bool global;
                int used;

                if (w[0] != '-')
                        continue;
                f = word_flag(a->cmd, w, &idx, &global);
                if (!f && (w[1] != '-' || !w[2]))
                        return cli_error(CLI_EXIT_USER, "unknown flag %s for 'riftctl %s%s%s'", w,
                                         a->cmd->verb, a->cmd->noun ? " " : "",
                                         a->cmd->noun ? a->cmd->noun : "");
                if (!f)
                        return cli_error(CLI_EXIT_USER, "unknown flag --%.*s for 'riftctl %s%s%s'",
                                         (int)strcspn(w + 2, "="), w + 2, a->cmd->verb,
                                         a->cmd->noun ? " " : "", a->cmd->noun ? a->cmd->noun : "");
                used = take_flag(f, w[1] == '-' ? strchr(w, '=') : NULL, i, argc, argv,
                                 global ? &gvals[idx] : &a->values[idx]);
                if (used < 0)
                        return CLI_EXIT_USER;
                i += used;
        }
        return CLI_EXIT_OK;
}

/* The word after the command goes to its positional flag; then every required flag must be there. */
static int finish_args(struct cli_args *a, const char *extra)
{
        const struct cli_command *c = a->cmd;
        size_t k;

        for (k = 0; extra && k < c->n_flags && !c->flags[k].positional; k++)
                ;
        if (extra && (k == c->n_flags || a->values[k]))
                return cli_error(CLI_EXIT_USER, "unexpected argument \"%s\"", extra);
        if (extra)
                a->values[k] = extra;
        for (k = 0; k < c->n_flags; k++)
                if (c->flags[k].required && (!a->values[k] || !*a->values[k]))
                        return cli_error(
                            CLI_EXIT_USER, "missing required flag --%s (see 'riftctl %s%s%s --help')",
                            c->flags[k].name, c->verb, c->noun ? " " : "", c->noun ? c->noun : "");
        return CLI_EXIT_OK;
}

static int apply_globals(const char *gvals[G__MAX], struct cli_ctx *ctx)
{
        ctx->config_path = gvals[G_CONFIG];
        ctx->cacert = gvals[G_CACERT];
        ctx->skip_ssl = gvals[G_SKIP_SSL] || gvals[G_SKIP_SSL_LITMUS];
        if (gvals[G_OUTPUT] && output_format_parse(gvals[G_OUTPUT], &ctx->output) < 0)
                return cli_error(CLI_EXIT_USER, "invalid output format \"%s\": use table, json or yaml",
                                 gvals[G_OUTPUT]);
        if (gvals[G_TIMEOUT] && (rift_parse_duration_ms(gvals[G_TIMEOUT], &ctx->timeout_ms) < 0 ||
                                 ctx->timeout_ms < 1 || ctx->timeout_ms > 3600 * 1000))
                return cli_error(CLI_EXIT_USER,
                                 "invalid --request-timeout \"%s\": use a duration such as 10s (at most 1h)",
                                 gvals[G_TIMEOUT]);
        if (ctx->cacert) {
                FILE *f = fopen(ctx->cacert, "re");
                if (!f)
                        return cli_error(CLI_EXIT_USER, "cannot read --cacert %s", ctx->cacert);
                fclose(f);
        }
        if (ctx->skip_ssl)
                cli_warn(
                    "--skip-ssl: the server's certificate is not verified; anyone on the network path can "
                    "read and change this session");
        return CLI_EXIT_OK;
}

static bool help_requested(int argc, char **argv)
{
        for (int i = 1; i < argc; i++)
                if (rift_streq(argv[i], "-h") || rift_streq(argv[i], "--help"))
                        return true;
        return false;
}

/* The command argv names and the first word after it (*ret_extra, reported once the flags are known
 * to be valid); an exit code >= 0 when there is nothing to run (help printed or error). */
static int resolve(int argc, char **argv, const struct cli_command **ret, const char **ret_extra)
{
        const char *pos[4] = {};
        size_t n, words;

        positionals(argc, argv, pos, &n);
        if (n == 0)
                return help(NULL, NULL);
        if (!verb_known(pos[0]))
                return cli_error(CLI_EXIT_USER, "unknown command \"%s\" (see 'riftctl --help')", pos[0]);
        *ret = command_of(pos, MIN(n, 2u));
        if (!*ret && n == 1 && help_requested(argc, argv))
                return help(pos[0], NULL);
        if (!*ret && n == 1)
                return cli_error(CLI_EXIT_USER, "\"%s\" needs a resource (see 'riftctl %s --help')", pos[0],
                                 pos[0]);
        if (!*ret)
                return cli_error(CLI_EXIT_USER, "unknown command \"%s %s\" (see 'riftctl %s --help')", pos[0],
                                 pos[1], pos[0]);
        words = (*ret)->noun ? 2u : 1u;
        if (n > words + 1)
                return cli_error(CLI_EXIT_USER, "unexpected argument \"%s\"", pos[MIN(words + 1, 3u)]);
        if (n > words)
                *ret_extra = pos[words];
        if (help_requested(argc, argv))
                return help(pos[0], *ret);
        return -1;
}

int main(int argc, char **argv)
{
        const struct cli_command *cmd = NULL;
        const char *gvals[G__MAX] = {}, *extra = NULL;
        struct cli_ctx ctx = { .output = OUTPUT_TABLE };
        struct cli_args args = {};
        _cleanup_free_ char **view_argv = NULL;
        int code;

        /* `riftctl --check-config [--config FILE]`, like every Rift binary: validate the config file
         * and print it (tokens redacted); the same as `riftctl config view`. */
        if (argc >= 2 && strcmp(argv[1], "--check-config") == 0) {
                view_argv = calloc((size_t)argc + 2, sizeof(*view_argv));
                if (!view_argv)
                        return cli_error(CLI_EXIT_SERVER, "out of memory");
                view_argv[0] = argv[0];
                view_argv[1] = (char *)"config";
                view_argv[2] = (char *)"view";
                for (int i = 2; i < argc; i++)
                        view_argv[i + 1] = argv[i];
                argc++;
                argv = view_argv;
        }
        code = resolve(argc, argv, &cmd, &extra);
        if (code >= 0)
                return code;
        args.cmd = cmd;
        code = parse_flags(argc, argv, gvals, &args);
        if (code == CLI_EXIT_OK)
                code = finish_args(&args, extra);
        if (code == CLI_EXIT_OK)
                code = apply_globals(gvals, &ctx);
        if (code == CLI_EXIT_OK)
                code = cmd->run(&ctx, &args);
        api_free(&ctx);
        return code;
}
