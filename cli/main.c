/* riftctl: the command line for the Chaos Center (litmusctl's verbs). main() only parses the global
 * flags, finds the command in the table and runs it; commands live in cmd_*.c. */
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
#define CMD(verb, noun, fn, help, flags)                                                                     \
        {                                                                                                    \
                (verb), (noun), (fn), (help), (flags), ARRAY_SIZE(flags)                                     \
        }
#define CMD0(verb, noun, fn, help)                                                                           \
        {                                                                                                    \
                (verb), (noun), (fn), (help), NULL, 0                                                        \
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
        CMD0("get", "users", cmd_get_users, "list all accounts (admins only)"),
        CMD("update", "password", cmd_update_password, "change your password and log in again",
            update_password_flags),
        CMD0("version", NULL, cmd_version, "print the version of riftctl"),
};

/* Global flags, accepted anywhere on the command line. */
enum { G_CONFIG, G_OUTPUT, G_CACERT, G_SKIP_SSL, G_SKIP_SSL_LITMUS, G_TIMEOUT, G_HELP, G__MAX };
static const struct cli_flag global_flags[G__MAX] = {
        [G_CONFIG] = F("config", true, false, "config file (default $RIFTCONFIG or ~/.riftconfig)"),
        [G_OUTPUT] = F("output", true, false, "output format: table, json or yaml (-o)"),
        [G_CACERT] = F("cacert", true, false, "PEM file of the CA that signed the server's certificate"),
        [G_SKIP_SSL] = F("skip-ssl", false, false, "do not verify the server's certificate (unsafe)"),
        [G_SKIP_SSL_LITMUS] = F("skipSSL", false, false, "same as --skip-ssl (litmusctl's spelling)"),
        [G_TIMEOUT] = F("request-timeout", true, false, "give up on a request after this long (default 30s)"),
        [G_HELP] = F("help", false, false, "show help (-h)"),
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
        for (size_t i = 0; i < n; i++)
                printf("  --%s%s%*s%s%s\n", flags[i].name, flags[i].has_value ? " VALUE" : "",
                       (int)(24 - strlen(flags[i].name) - (flags[i].has_value ? 6 : 0)), "", flags[i].help,
                       flags[i].required ? " (required)" : "");
}

/* Help for everything (verb NULL), one verb's commands, or one command. */
static int help(const char *verb, const struct cli_command *cmd)
{
        if (cmd) {
                printf("%s\n\nUsage: riftctl %s%s%s [flags]\n", cmd->help, cmd->verb, cmd->noun ? " " : "",
                       cmd->noun ? cmd->noun : "");
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
                                printf("  %-8s %-20s %s\n", commands[i].verb,
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

/* Whether --name takes a value in any command or globally (to find the words that are not values). */
static bool takes_value_anywhere(const char *name, size_t len)
{
        size_t i;
        const struct cli_flag *f = flag_find(global_flags, G__MAX, name, len, &i);

        for (size_t c = 0; !f && c < ARRAY_SIZE(commands); c++)
                f = flag_find(commands[c].flags, commands[c].n_flags, name, len, &i);
        return f && f->has_value;
}

/* Words of argv that are not flags or flag values (at most 3 are kept; *ret_n counts all). */
static void positionals(int argc, char **argv, const char *ret[3], size_t *ret_n)
{
        size_t n = 0;

        for (int i = 1; i < argc; i++) {
                const char *w = argv[i];
                if (w[0] != '-') {
                        if (n < 3)
                                ret[n] = w;
                        n++;
                } else if (rift_streq(w, "-o"))
                        i++;
                else if (w[1] == '-' && !strchr(w, '=') && takes_value_anywhere(w + 2, strlen(w + 2)))
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
                const char *w = argv[i], *name, *eq;
                const struct cli_flag *f;
                const char **slot;
                size_t idx, len;
                int used;

                if (w[0] != '-')
                        continue;
                if (rift_streq(w, "-o"))
                        w = "--output";
                else if (rift_streq(w, "-h"))
                        w = "--help";
                if (w[1] != '-' || !w[2])
                        return cli_error(CLI_EXIT_USER, "unknown flag %s (see 'riftctl --help')", argv[i]);
                name = w + 2;
                eq = strchr(name, '=');
                len = eq ? (size_t)(eq - name) : strlen(name);
                if ((f = flag_find(global_flags, G__MAX, name, len, &idx)))
                        slot = &gvals[idx];
                else if ((f = flag_find(a->cmd->flags, a->cmd->n_flags, name, len, &idx)))
                        slot = &a->values[idx];
                else
                        return cli_error(CLI_EXIT_USER, "unknown flag --%.*s for 'riftctl %s%s%s'", (int)len,
                                         name, a->cmd->verb, a->cmd->noun ? " " : "",
                                         a->cmd->noun ? a->cmd->noun : "");
                used = take_flag(f, eq, i, argc, argv, slot);
                if (used < 0)
                        return CLI_EXIT_USER;
                i += used;
        }
        for (size_t k = 0; k < a->cmd->n_flags; k++)
                if (a->cmd->flags[k].required && (!a->values[k] || !*a->values[k]))
                        return cli_error(
                            CLI_EXIT_USER, "missing required flag --%s (see 'riftctl %s %s --help')",
                            a->cmd->flags[k].name, a->cmd->verb, a->cmd->noun ? a->cmd->noun : "");
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
        const char *pos[3] = {};
        size_t n;

        positionals(argc, argv, pos, &n);
        if (n == 0)
                return help(NULL, NULL);
        if (!verb_known(pos[0]))
                return cli_error(CLI_EXIT_USER, "unknown command \"%s\" (see 'riftctl --help')", pos[0]);
        *ret = command_find(pos[0], n > 1 ? pos[1] : NULL);
        if (!*ret && n == 1 && help_requested(argc, argv))
                return help(pos[0], NULL);
        if (!*ret && n == 1)
                return cli_error(CLI_EXIT_USER, "\"%s\" needs a resource (see 'riftctl %s --help')", pos[0],
                                 pos[0]);
        if (!*ret)
                return cli_error(CLI_EXIT_USER, "unknown command \"%s %s\" (see 'riftctl %s --help')", pos[0],
                                 pos[1], pos[0]);
        if (n > ((*ret)->noun ? 2u : 1u))
                *ret_extra = pos[(*ret)->noun ? 2 : 1];
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
        if (code == CLI_EXIT_OK && extra)
                code = cli_error(CLI_EXIT_USER, "unexpected argument \"%s\"", extra);
        if (code == CLI_EXIT_OK)
                code = apply_globals(gvals, &ctx);
        if (code == CLI_EXIT_OK)
                code = cmd->run(&ctx, &args);
        api_free(&ctx);
        return code;
}
