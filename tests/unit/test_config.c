#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"

/* A program's configuration as a service would declare it. */
struct sample {
        int64_t port;       /* INT 1..65535 */
        bool debug;         /* BOOL */
        int64_t timeout_ms; /* DURATION 1s..1h */
        uint64_t max_body;  /* SIZE up to 16MiB */
        int mode;           /* ENUM */
        char **origins;     /* LIST, at most 3 */
        char *data_dir;     /* PATH */
        char *db_uri;       /* URI, mongodb or file */
        char *jwt_secret;   /* STRING, secret */
        char *name;         /* STRING, at most 8 bytes */
        int marker;         /* not an option: loads must keep it */
};

static const char *const modes[] = { "fast", "safe", NULL };
static const char *const schemes[] = { "mongodb", "file", NULL };

static const struct rift_config_option options[] = {
        { .key = "rest_port",
          .env = "REST_PORT",
          .type = RIFT_CONFIG_INT,
          .offset = offsetof(struct sample, port),
          .def = "3000",
          .min = 1,
          .max = 65535,
          .help = "port of the REST API" },
        { .key = "debug",
          .env = "DEBUG",
          .type = RIFT_CONFIG_BOOL,
          .offset = offsetof(struct sample, debug),
          .def = "false",
          .help = "verbose logs" },
        { .key = "timeout",
          .env = "TIMEOUT",
          .type = RIFT_CONFIG_DURATION,
          .offset = offsetof(struct sample, timeout_ms),
          .def = "30s",
          .min = 1000,
          .max = 3600000,
          .help = "request timeout" },
        { .key = "max_body",
          .type = RIFT_CONFIG_SIZE,
          .offset = offsetof(struct sample, max_body),
          .def = "1MiB",
          .max = 16 << 20,
          .help = "largest request body" },
        { .key = "mode",
          .env = "MODE",
          .type = RIFT_CONFIG_ENUM,
          .offset = offsetof(struct sample, mode),
          .def = "safe",
          .choices = modes,
          .help = "how to run" },
        { .key = "allowed_origins",
          .env = "ALLOWED_ORIGINS",
          .type = RIFT_CONFIG_LIST,
          .offset = offsetof(struct sample, origins),
          .max = 3,
          .help = "CORS origins" },
        { .key = "data_dir",
          .env = "DATA_DIR",
          .type = RIFT_CONFIG_PATH,
          .offset = offsetof(struct sample, data_dir),
          .def = "/var/lib/rift",
          .help = "where data lives" },
        { .key = "db_server",
          .env = "DB_SERVER",
          .type = RIFT_CONFIG_URI,
          .offset = offsetof(struct sample, db_uri),
          .choices = schemes,
          .flags = RIFT_CONFIG_SECRET,
          .help = "database URI" },
        { .key = "jwt_secret",
          .env = "JWT_SECRET",
          .type = RIFT_CONFIG_STRING,
          .offset = offsetof(struct sample, jwt_secret),
          .flags = RIFT_CONFIG_SECRET | RIFT_CONFIG_REQUIRED,
          .help = "signing key" },
        { .key = "name",
          .type = RIFT_CONFIG_STRING,
          .offset = offsetof(struct sample, name),
          .max = 8,
          .help = "instance name" },
};

static const struct rift_config_spec spec = {
        .program = "rift-sample",
        .version = "1.2.3",
        .summary = "a sample program",
        .options = options,
        .n_options = ARRAY_SIZE(options),
        .size = sizeof(struct sample),
};

#define N_OPT ARRAY_SIZE(options)

static char *const base_env[] = { "JWT_SECRET=s3cr3t-value", NULL };

/* Loads `text` as the file plus the given environment and arguments. */
static int load(struct sample *c, const char *text, char *const *envp, int argc, char *const *argv,
                enum rift_config_source *srcs, char **err)
{
        struct rift_config_sources s = { .file_text = text,
                                         .file_len = text ? strlen(text) : 0,
                                         .envp = envp,
                                         .argc = argc,
                                         .argv = argv };

        return rift_config_load(&spec, &s, c, srcs, err);
}

/* The value part of `key = value` in the formatted configuration, or NULL. */
static char *formatted(const struct sample *c, const char *key)
{
        struct rift_buf b = RIFT_BUF_INIT(65536);
        char prefix[64], *line, *end, *ret = NULL;

        assert_int_equal(rift_buf_append_char(&b, '\n'), 0); /* so every line starts after a newline */
        assert_int_equal(rift_config_format(&spec, c, NULL, &b), 0);
        snprintf(prefix, sizeof(prefix), "\n%s = ", key);
        line = strstr(b.data, prefix);
        if (line) {
                line += strlen(prefix);
                end = strchr(line, '\n');
                ret = strndup(line, (size_t)(end - line));
                if ((end = strstr(ret, "  #")))
                        *end = '\0';
        }
        rift_buf_free(&b);
        return ret;
}

static void defaults_apply_and_keep_other_fields(void **state)
{
        struct sample c = { .marker = 42 };
        char *err = NULL;

        assert_int_equal(load(&c, NULL, base_env, 0, NULL, NULL, &err), 0);
        assert_null(err);
        assert_int_equal(c.port, 3000);
        assert_false(c.debug);
        assert_int_equal(c.timeout_ms, 30000);
        assert_int_equal(c.max_body, 1 << 20);
        assert_int_equal(c.mode, 1);
        assert_null(c.origins);
        assert_string_equal(c.data_dir, "/var/lib/rift");
        assert_null(c.db_uri);
        assert_string_equal(c.jwt_secret, "s3cr3t-value");
        assert_int_equal(c.marker, 42);
        rift_config_free(&spec, &c);
        assert_null(c.data_dir);
        assert_null(c.jwt_secret);
        rift_config_free(&spec, NULL);
}

static void every_type_valid_invalid_and_limits(void **state)
{
        static const struct {
                const char *key;   /* option */
                const char *value; /* file value */
                int ret;           /* expected result */
                const char *shown; /* formatted value on success */
        } cases[] = {
                { "rest_port", "8080", 0, "8080" },
                { "rest_port", "1", 0, "1" },
                { "rest_port", "65535", 0, "65535" },
                { "rest_port", "0", -ERANGE, NULL },
                { "rest_port", "65536", -ERANGE, NULL },
                { "rest_port", "-1", -ERANGE, NULL },
                { "rest_port", "80x", RIFT_E_PARSE, NULL },
                { "rest_port", "", RIFT_E_PARSE, NULL },
                { "debug", "yes", 0, "true" },
                { "debug", "off", 0, "false" },
                { "debug", "maybe", RIFT_E_PARSE, NULL },
                { "timeout", "1500ms", 0, "1500ms" },
                { "timeout", "2m", 0, "2m" },
                { "timeout", "1h", 0, "1h" },
                { "timeout", "1s", 0, "1s" },
                { "timeout", "999ms", -ERANGE, NULL },
                { "timeout", "2h", -ERANGE, NULL },
                { "timeout", "5 s", RIFT_E_PARSE, NULL },
                { "max_body", "4MiB", 0, "4MiB" },
                { "max_body", "1000", 0, "1000" },
                { "max_body", "16M", 0, "16MiB" },
                { "max_body", "17M", -ERANGE, NULL },
                { "max_body", "10x", RIFT_E_PARSE, NULL },
                { "mode", "fast", 0, "fast" },
                { "mode", "SAFE", 0, "safe" },
                { "mode", "slow", RIFT_E_INVALID, NULL },
                { "allowed_origins", "a, b ,c", 0, "a,b,c" },
                { "allowed_origins", "", 0, "" },
                { "allowed_origins", "a,,b", RIFT_E_INVALID, NULL },
                { "allowed_origins", "a,", RIFT_E_INVALID, NULL },
                { "allowed_origins", "a,b,c,d", RIFT_E_TOOBIG, NULL },
                { "data_dir", "relative/dir", 0, "relative/dir" },
                { "data_dir", "", RIFT_E_INVALID, NULL },
                { "db_server", "mongodb://db:27017/rift", 0, "[secret]" },
                { "db_server", "file:/tmp/x.db", 0, "[secret]" },
                { "db_server", "http://db", RIFT_E_INVALID, NULL },
                { "db_server", "no-scheme", RIFT_E_INVALID, NULL },
                { "db_server", "mongodb:", RIFT_E_INVALID, NULL },
                { "db_server", "1x://a", RIFT_E_INVALID, NULL },
                { "name", "", 0, "" },
                { "name", "12345678", 0, "12345678" },
                { "name", "123456789", RIFT_E_TOOBIG, NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct sample c = { 0 };
                char text[256], *err = NULL, *got;
                int r;

                snprintf(text, sizeof(text), "%s = %s\n", cases[i].key, cases[i].value);
                r = load(&c, text, base_env, 0, NULL, NULL, &err);
                if (r != cases[i].ret)
                        fail_msg("case %zu (%s = %s): got %d (%s), want %d", i, cases[i].key, cases[i].value,
                                 r, err ? err : "", cases[i].ret);
                if (r == 0) {
                        got = formatted(&c, cases[i].key);
                        assert_non_null(got);
                        assert_string_equal(got, cases[i].shown);
                        free(got);
                } else {
                        /* the message names the key and the source line */
                        assert_non_null(err);
                        assert_non_null(strstr(err, cases[i].key));
                        assert_non_null(strstr(err, "config line 1"));
                }
                free(err);
                rift_config_free(&spec, &c);
        }
}

static void list_items_are_separate_strings(void **state)
{
        struct sample c = { 0 };

        assert_int_equal(
            load(&c, "allowed_origins = https://a.example , http://b\n", base_env, 0, NULL, NULL, NULL), 0);
        assert_non_null(c.origins);
        assert_string_equal(c.origins[0], "https://a.example");
        assert_string_equal(c.origins[1], "http://b");
        assert_null(c.origins[2]);
        rift_config_free(&spec, &c);
        assert_null(c.origins);
}

static void precedence_args_over_env_over_file_over_default(void **state)
{
        static char *const env[] = { "JWT_SECRET=k", "REST_PORT=4000", "DEBUG=", "MODE=fast", NULL };
        static char *const argv[] = { "--rest-port=5000" };
        enum rift_config_source srcs[N_OPT];
        struct sample c = { 0 };
        const char *file = "rest_port = 2000\ntimeout = 5s\ndebug = true\nmode = safe\n";

        assert_int_equal(load(&c, file, env, 0, NULL, srcs, NULL), 0);
        assert_int_equal(c.port, 4000); /* env over file */
        assert_int_equal(srcs[0], RIFT_CONFIG_SRC_ENV);
        assert_true(c.debug); /* empty env var counts as unset */
        assert_int_equal(srcs[1], RIFT_CONFIG_SRC_FILE);
        assert_int_equal(c.timeout_ms, 5000); /* file over default */
        assert_int_equal(srcs[2], RIFT_CONFIG_SRC_FILE);
        assert_int_equal(c.max_body, 1 << 20);
        assert_int_equal(srcs[3], RIFT_CONFIG_SRC_DEFAULT);
        assert_int_equal(c.mode, 0);
        assert_int_equal(srcs[4], RIFT_CONFIG_SRC_ENV);

        assert_int_equal(load(&c, file, env, 1, argv, srcs, NULL), 0); /* reload replaces, frees the old */
        assert_int_equal(c.port, 5000);                                /* args over env */
        assert_int_equal(srcs[0], RIFT_CONFIG_SRC_ARGS);
        rift_config_free(&spec, &c);
}

static void command_line_forms(void **state)
{
        static char *const argv[] = { "--debug", "--name", "web", "--timeout=1m", "--allowed_origins=x,y" };
        static char *const dup[] = { "--debug", "--debug=false" };
        static char *const unknown[] = { "--nope=1" };
        static char *const missing[] = { "--name" };
        static char *const bare[] = { "name=x" };
        struct sample c = { 0 };
        char *err = NULL;

        assert_int_equal(load(&c, NULL, base_env, 5, argv, NULL, NULL), 0);
        assert_true(c.debug);
        assert_string_equal(c.name, "web");
        assert_int_equal(c.timeout_ms, 60000);
        assert_string_equal(c.origins[1], "y");
        rift_config_free(&spec, &c);

        assert_int_equal(load(&c, NULL, base_env, 2, dup, NULL, &err), RIFT_E_EXISTS);
        assert_string_equal(err, "--debug (command line): given more than once");
        free(err);
        assert_int_equal(load(&c, NULL, base_env, 1, unknown, NULL, &err), RIFT_E_NOTFOUND);
        assert_string_equal(err, "--nope (command line): unknown option");
        free(err);
        assert_int_equal(load(&c, NULL, base_env, 1, missing, NULL, &err), RIFT_E_PARSE);
        assert_string_equal(err, "--name (command line): missing value");
        free(err);
        assert_int_equal(load(&c, NULL, base_env, 1, bare, NULL, &err), RIFT_E_PARSE);
        free(err);
}

static void error_messages_name_key_and_source(void **state)
{
        static const struct {
                const char *file; /* file text */
                const char *env;  /* one extra environment entry, or NULL */
                int ret;          /* expected result */
                const char *msg;  /* exact message */
        } cases[] = {
                { "", "REST_PORT=70000", -ERANGE, "REST_PORT (environment): 70000 is out of range 1..65535" },
                { "# c\n\nrest_port = 1\nbogus = 2\n", NULL, RIFT_E_NOTFOUND,
                  "config line 4: unknown key 'bogus'" },
                { "rest_port = 1\nrest_port = 2\n", NULL, RIFT_E_EXISTS,
                  "rest_port (config line 2): duplicate key, first set on line 1" },
                { "rest_port 8080\n", NULL, RIFT_E_PARSE, "config line 1: expected 'key = value'" },
                { "Rest_Port = 1\n", NULL, RIFT_E_PARSE, "config line 1: invalid key (expected [a-z0-9_]+)" },
                { "= 1\n", NULL, RIFT_E_PARSE, "config line 1: invalid key (expected [a-z0-9_]+)" },
                { "mode = slow\n", NULL, RIFT_E_INVALID,
                  "mode (config line 1): slow is not one of fast, safe" },
                { "timeout = 2h\n", NULL, -ERANGE, "timeout (config line 1): 2h is out of range 1s..1h" },
                { "debug = 1\n", "DEBUG=perhaps", RIFT_E_PARSE,
                  "DEBUG (environment): perhaps is not a boolean (true/false, yes/no, on/off, 1/0)" },
                { "\xff = 1\n", NULL, RIFT_E_PARSE, "config: file is not valid UTF-8" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *env[] = { "JWT_SECRET=x", (char *)cases[i].env, NULL };
                struct sample c = { 0 };
                char *err = NULL;

                assert_int_equal(load(&c, cases[i].file, env, 0, NULL, NULL, &err), cases[i].ret);
                assert_non_null(err);
                if (strcmp(err, cases[i].msg) != 0)
                        fail_msg("case %zu: got \"%s\"", i, err);
                free(err);
        }
}

static void file_syntax_comments_whitespace(void **state)
{
        const char *text = "# leading comment\n"
                           "   # indented comment\n"
                           "\n"
                           "\t rest_port\t=\t 8081 \t\r\n"
                           "name=a#b\n"      /* no trailing comments: # belongs to the value */
                           "data_dir =   \n" /* empty value: a path must not be empty */
                           "debug = true";   /* last line without newline */
        struct sample c = { 0 };
        char *err = NULL;

        assert_int_equal(load(&c, text, base_env, 0, NULL, NULL, &err), RIFT_E_INVALID);
        assert_string_equal(err, "data_dir (config line 6): \"\" is not a valid path");
        free(err);
        text = "# leading comment\n   # indented\n\n\t rest_port\t=\t 8081 \t\r\nname=a#b\ndebug = true";
        assert_int_equal(load(&c, text, base_env, 0, NULL, NULL, &err), 0);
        assert_int_equal(c.port, 8081);
        assert_string_equal(c.name, "a#b");
        assert_true(c.debug);
        rift_config_free(&spec, &c);
        assert_int_equal(load(&c, "", base_env, 0, NULL, NULL, NULL), 0);
        rift_config_free(&spec, &c);
}

static void nul_byte_and_oversize_value(void **state)
{
        static const char with_nul[] = "name = a\0b\n";
        struct rift_config_sources s = { .file_text = with_nul,
                                         .file_len = sizeof(with_nul) - 1,
                                         .envp = base_env };
        struct sample c = { 0 };
        size_t n = RIFT_MAX_CONFIG_VALUE + 32;
        char *text = malloc(n), *err = NULL;

        assert_int_equal(rift_config_load(&spec, &s, &c, NULL, &err), RIFT_E_PARSE);
        assert_string_equal(err, "config: file contains a NUL byte");
        free(err);

        assert_non_null(text);
        memcpy(text, "name = ", 7);
        memset(text + 7, 'x', n - 8);
        text[n - 1] = '\0';
        assert_int_equal(load(&c, text, base_env, 0, NULL, NULL, &err), RIFT_E_TOOBIG);
        assert_string_equal(err, "name (config line 1): value is longer than 4096 bytes");
        free(err);
        free(text);
}

static void write_file(const char *path, const char *text, size_t len)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

static void real_files_missing_and_oversize(void **state)
{
        char path[] = "/tmp/rift-test-config-XXXXXX", *err = NULL, *big;
        struct sample c = { 0 };
        struct rift_config_sources s = { .file_path = path, .envp = base_env };
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        close(fd);
        write_file(path, "rest_port = 9000\n", 17);
        assert_int_equal(rift_config_load(&spec, &s, &c, NULL, NULL), 0);
        assert_int_equal(c.port, 9000);

        big = malloc(RIFT_MAX_CONFIG_FILE + 1);
        assert_non_null(big);
        memset(big, '#', RIFT_MAX_CONFIG_FILE + 1);
        write_file(path, big, RIFT_MAX_CONFIG_FILE); /* exactly at the limit: fine */
        assert_int_equal(rift_config_load(&spec, &s, &c, NULL, NULL), 0);
        write_file(path, big, RIFT_MAX_CONFIG_FILE + 1);
        assert_int_equal(rift_config_load(&spec, &s, &c, NULL, &err), RIFT_E_TOOBIG);
        assert_non_null(strstr(err, "file is larger than 262144 bytes"));
        assert_non_null(strstr(err, path));
        free(err);
        free(big);

        unlink(path);
        assert_int_equal(rift_config_load(&spec, &s, &c, NULL, &err), -ENOENT);
        assert_non_null(strstr(err, path));
        free(err);
        s.file_path = "/tmp";
        assert_int_equal(rift_config_load(&spec, &s, &c, NULL, &err), -EISDIR);
        free(err);
        rift_config_free(&spec, &c);
}

static void struct_untouched_on_error(void **state)
{
        static char *const env[] = { "JWT_SECRET=k", "REST_PORT=0", NULL };
        struct sample c = { .marker = 7 }, before;
        char *err = NULL;

        assert_int_equal(load(&c, "name = first\nallowed_origins = a,b\n", base_env, 0, NULL, NULL, NULL), 0);
        before = c;
        /* valid file values but a bad environment value: nothing may be applied */
        assert_int_equal(load(&c, "name = second\nrest_port = 1\n", env, 0, NULL, NULL, &err), -ERANGE);
        assert_memory_equal(&c, &before, sizeof(c));
        assert_string_equal(c.name, "first");
        assert_string_equal(c.origins[1], "b");
        free(err);
        /* a missing required value also leaves everything alone */
        assert_int_equal(load(&c, "name = third\n", NULL, 0, NULL, NULL, &err), RIFT_E_INVALID);
        assert_string_equal(err, "jwt_secret: required; set it in the file, with --jwt_secret or JWT_SECRET");
        assert_memory_equal(&c, &before, sizeof(c));
        free(err);
        rift_config_free(&spec, &c);
}

static void secrets_never_printed(void **state)
{
        static char *const env[] = { "DB_SERVER=http://user:pw@db", "JWT_SECRET=hunter2hunter2", NULL };
        struct rift_buf b = RIFT_BUF_INIT(65536);
        enum rift_config_source srcs[N_OPT];
        struct sample c = { 0 };
        char *err = NULL;

        assert_int_equal(load(&c, NULL, env, 0, NULL, NULL, &err), RIFT_E_INVALID);
        assert_null(strstr(err, "user:pw"));
        assert_string_equal(err, "DB_SERVER (environment): [secret]: scheme must be one of mongodb, file");
        free(err);

        assert_int_equal(load(&c, "db_server = mongodb://u:pw@db\n", env + 1, 0, NULL, srcs, NULL), 0);
        assert_int_equal(rift_config_format(&spec, &c, srcs, &b), 0);
        assert_null(strstr(b.data, "hunter2"));
        assert_null(strstr(b.data, "u:pw"));
        assert_non_null(strstr(b.data, "jwt_secret = [secret]  # environment JWT_SECRET\n"));
        assert_non_null(strstr(b.data, "db_server = [secret]  # file\n"));
        assert_non_null(strstr(b.data, "rest_port = 3000  # default\n"));
        assert_non_null(strstr(b.data, "allowed_origins =   # unset\n"));
        rift_buf_free(&b);
        rift_config_free(&spec, &c);
}

static int port_not_debug(const void *cfg, char *msg, size_t size)
{
        const struct sample *c = cfg;

        if (c->debug && c->port < 1024) {
                snprintf(msg, size, "debug mode needs rest_port >= 1024");
                return RIFT_E_INVALID;
        }
        return 0;
}

static void validate_hook_sees_candidate(void **state)
{
        struct rift_config_spec s = spec;
        struct sample c = { 0 };
        char *err = NULL;

        s.validate = port_not_debug;
        assert_int_equal(
            rift_config_load(&s,
                             &(struct rift_config_sources){
                                 .envp = base_env, .file_text = "debug=on\nrest_port=80", .file_len = 21 },
                             &c, NULL, &err),
            RIFT_E_INVALID);
        assert_string_equal(err, "debug mode needs rest_port >= 1024");
        assert_null(c.jwt_secret);
        free(err);
}

static void broken_tables_are_rejected(void **state)
{
        static const struct rift_config_option outside[] = {
                { .key = "port", .type = RIFT_CONFIG_INT, .offset = sizeof(struct sample) - 4 },
        };
        static const struct rift_config_option no_choices[] = {
                { .key = "mode", .type = RIFT_CONFIG_ENUM, .offset = offsetof(struct sample, mode) },
        };
        static const struct rift_config_option bad_key[] = {
                { .key = "Port", .type = RIFT_CONFIG_INT, .offset = offsetof(struct sample, port) },
        };
        static const struct {
                const struct rift_config_option *opt; /* the one-line table */
                const char *msg;                      /* expected message */
        } cases[] = {
                { outside, "port: invalid type or field offset in the option table" },
                { no_choices, "mode: enum option without choices" },
                { bad_key, "option 0: invalid key" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct rift_config_spec s = {
                        .program = "x", .options = cases[i].opt, .n_options = 1, .size = sizeof(struct sample)
                };
                struct sample c = { .port = 5, .marker = 9 }, before = c;
                char *err = NULL;

                assert_int_equal(rift_config_load(&s, NULL, &c, NULL, &err), -EINVAL);
                assert_string_equal(err, cases[i].msg);
                assert_memory_equal(&c, &before, sizeof(c));
                free(err);
        }
}

/* Runs rift_config_main with captured output; returns its result. */
static int run_main(int argc, char **argv, char *const *envp, struct sample *c, char **out, char **err)
{
        size_t n_out, n_err;
        FILE *o = open_memstream(out, &n_out), *e = open_memstream(err, &n_err);
        int r;

        assert_non_null(o);
        assert_non_null(e);
        r = rift_config_main(&spec, argc, argv, envp, o, e, c);
        fclose(o);
        fclose(e);
        return r;
}

static void main_help_version_check(void **state)
{
        char *help[] = { "rift-sample", "--help" }, *version[] = { "rift-sample", "--version" };
        char *check[] = { "rift-sample", "--check-config", "--rest_port=81" };
        char *run[] = { "rift-sample", "--debug" }, *bad[] = { "rift-sample", "--rest_port=x" };
        struct sample c = { 0 };
        char *out, *err;

        assert_int_equal(run_main(2, help, base_env, &c, &out, &err), 0);
        assert_non_null(strstr(out, "Usage: rift-sample"));
        assert_non_null(strstr(out, "a sample program"));
        assert_non_null(strstr(out,
                               "--rest_port=INT  (env REST_PORT)\n      port of the REST API; default 3000; "
                               "1..65535\n"));
        assert_non_null(strstr(out, "--mode=fast|safe"));
        assert_non_null(strstr(out, "signing key; required; secret"));
        free(out), free(err);

        assert_int_equal(run_main(2, version, base_env, &c, &out, &err), 0);
        assert_string_equal(out, "rift-sample 1.2.3\n");
        free(out), free(err);

        assert_int_equal(run_main(3, check, base_env, &c, &out, &err), 0);
        assert_non_null(strstr(out, "# rift-sample: configuration is valid\n"));
        assert_non_null(strstr(out, "rest_port = 81  # command line\n"));
        assert_null(strstr(out, "s3cr3t"));
        assert_null(c.jwt_secret); /* freed: the program exits */
        free(out), free(err);

        assert_int_equal(run_main(2, bad, base_env, &c, &out, &err), RIFT_E_PARSE);
        assert_string_equal(err, "rift-sample: --rest_port (command line): x is not an integer\n");
        free(out), free(err);

        assert_int_equal(run_main(2, run, base_env, &c, &out, &err), 1);
        assert_true(c.debug);
        assert_string_equal(out, "");
        free(out), free(err);
        rift_config_free(&spec, &c);
}

static void main_config_file_option(void **state)
{
        char path[] = "/tmp/rift-test-config-XXXXXX", *out, *err;
        char *argv[] = { "rift-sample", "--check-config", "--config", path };
        char *argv2[] = { "rift-sample", "--check-config", "--config" };
        struct sample c = { 0 };
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        close(fd);
        write_file(path, "name = fromfile\n", 16);
        assert_int_equal(run_main(4, argv, base_env, &c, &out, &err), 0);
        assert_non_null(strstr(out, "name = fromfile  # file\n"));
        free(out), free(err);
        write_file(path, "name = fromfile\nname = again\n", 29);
        assert_true(run_main(4, argv, base_env, &c, &out, &err) < 0);
        assert_non_null(strstr(err, "duplicate key"));
        free(out), free(err);
        unlink(path);
        assert_int_equal(run_main(3, argv2, base_env, &c, &out, &err), RIFT_E_PARSE);
        assert_string_equal(err, "rift-sample: --config needs a file name\n");
        free(out), free(err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults_apply_and_keep_other_fields),
                cmocka_unit_test(every_type_valid_invalid_and_limits),
                cmocka_unit_test(list_items_are_separate_strings),
                cmocka_unit_test(precedence_args_over_env_over_file_over_default),
                cmocka_unit_test(command_line_forms),
                cmocka_unit_test(error_messages_name_key_and_source),
                cmocka_unit_test(file_syntax_comments_whitespace),
                cmocka_unit_test(nul_byte_and_oversize_value),
                cmocka_unit_test(real_files_missing_and_oversize),
                cmocka_unit_test(struct_untouched_on_error),
                cmocka_unit_test(secrets_never_printed),
                cmocka_unit_test(validate_hook_sees_candidate),
                cmocka_unit_test(broken_tables_are_rejected),
                cmocka_unit_test(main_help_version_check),
                cmocka_unit_test(main_config_file_option),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
