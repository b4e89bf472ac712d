/* Table-driven configuration (STYLE rule 8). Each program declares one static const table of options
 * describing the fields of its own config struct; this module fills the struct from, in rising order of
 * precedence, the defaults, a config file, the environment and the command line (--key=value).
 *
 *   struct auth_config { int64_t rest_port; char *db_uri; char *jwt_secret; bool debug; };
 *   static const struct rift_config_option auth_options[] = {
 *           { .key = "rest_port", .env = "REST_PORT", .type = RIFT_CONFIG_INT,
 *             .offset = offsetof(struct auth_config, rest_port), .def = "3000", .min = 1, .max = 65535,
 *             .help = "port of the REST API" },
 *           { .key = "jwt_secret", .env = "JWT_SECRET", .type = RIFT_CONFIG_STRING,
 *             .offset = offsetof(struct auth_config, jwt_secret), .flags = RIFT_CONFIG_SECRET | RIFT_CONFIG_REQUIRED,
 *             .help = "key that signs login tokens" },
 *   };
 *   static const struct rift_config_spec auth_spec = { .program = "rift-auth", .version = RIFT_VERSION,
 *           .options = auth_options, .n_options = ARRAY_SIZE(auth_options) };
 *
 *   int main(int argc, char **argv) {
 *           struct auth_config cfg = { 0 };
 *           int r = rift_config_main_args(&auth_spec, argc, argv, &cfg);
 *           if (r <= 0)
 *                   return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;   // error printed, or --help etc. done
 *           ...
 *           rift_config_free(&auth_spec, &cfg);
 *   }
 *
 * File format: UTF-8 text, one `key = value` per line. Blank lines and lines whose first non-blank
 * character is `#` are ignored (there are no trailing comments, so a value may contain `#`). Whitespace
 * around key and value is dropped; there is no quoting or escaping. Unknown keys, duplicate keys, lines
 * without `=`, NUL bytes, values over RIFT_MAX_CONFIG_VALUE and files over RIFT_MAX_CONFIG_FILE are errors.
 *
 * Every value from every source is parsed and checked before anything is applied: on error the caller's
 * struct is untouched and the message names the key and the source, e.g.
 * "REST_PORT (environment): 70000 is out of range 1..65535". Values of secret options never appear in
 * messages or in --check-config output. An empty environment variable counts as unset. */
#ifndef RIFT_CONFIG_H
#define RIFT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"

/* The type of an option, which fixes the C type of its field in the program's struct. */
enum rift_config_type {
        RIFT_CONFIG_STRING,   /* char * (owned; NULL when unset); max = longest length if > 0 */
        RIFT_CONFIG_INT,      /* int64_t within [min, max] (both 0: any value) */
        RIFT_CONFIG_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
        RIFT_CONFIG_DURATION, /* int64_t milliseconds ("150ms", "5s", "2m", "1h"); [min, max] ms if max > 0 */
        RIFT_CONFIG_SIZE,     /* uint64_t bytes ("512", "10k", "4MiB"); [min, max] bytes if max > 0 */
        RIFT_CONFIG_ENUM,     /* int: index of the value in `choices` */
        RIFT_CONFIG_LIST,     /* char ** (owned, NULL-terminated; NULL when unset), comma-separated, items
                                 stripped, empty items rejected; max = most items if > 0 */
        RIFT_CONFIG_PATH,     /* char * (owned): a non-empty file system path, no control characters */
        RIFT_CONFIG_URI,      /* char * (owned): scheme:rest; `choices` (optional) lists allowed schemes */
};

/* Option flags. */
#define RIFT_CONFIG_SECRET (1u << 0) /* value never printed (shown as [secret]) nor put in messages */
#define RIFT_CONFIG_REQUIRED                                                                                 \
        (1u << 1) /* some source must set it: no default, file, env or argument = error */

/* One configuration option: one line of a program's static const table. */
struct rift_config_option {
        const char *key;            /* file key and command-line name (--key=value): [a-z0-9_]+ */
        const char *env;            /* environment variable (Litmus's name where Litmus has one), or NULL */
        enum rift_config_type type; /* parser, and the C type of the field */
        size_t offset;              /* offsetof() the field in the program's config struct */
        const char *def;            /* default, written as a file value would be; NULL = unset/0/false */
        int64_t min, max;           /* limits, meaning depends on type (see enum rift_config_type) */
        const char *const *choices; /* ENUM: accepted names; URI: accepted schemes (NULL-terminated) */
        unsigned flags;             /* RIFT_CONFIG_SECRET, RIFT_CONFIG_REQUIRED */
        const char *help;           /* one line for --help */
};

/* Where an option's effective value came from. */
enum rift_config_source {
        RIFT_CONFIG_SRC_DEFAULT,
        RIFT_CONFIG_SRC_FILE,
        RIFT_CONFIG_SRC_ENV,
        RIFT_CONFIG_SRC_ARGS,
};

/* A program's whole configuration description. */
struct rift_config_spec {
        const char *program;                      /* name used in --help and --version, e.g. "rift-auth" */
        const char *version;                      /* printed by --version */
        const char *summary;                      /* one line printed under the usage line, or NULL */
        const struct rift_config_option *options; /* the table */
        size_t n_options;                         /* ARRAY_SIZE(table) */
        size_t size;                              /* sizeof the program's config struct */
        /* Optional cross-field check run on the fully parsed candidate before it is applied; returns 0,
         * or a negative code after writing a message (without the program name) into msg. */
        int (*validate)(const void *cfg, char *msg, size_t msg_size);
};

/* The inputs of one load. Every member is optional. */
struct rift_config_sources {
        const char *file_path; /* config file to read, or NULL */
        const char *file_text; /* in-memory file contents instead of file_path (tests, fuzzing) */
        size_t file_len;       /* length of file_text */
        char *const *envp;     /* NULL-terminated "NAME=value" list (e.g. environ), or NULL */
        int argc;              /* number of entries in argv */
        char *const *argv;     /* "--key=value" (or "--key value", or "--flag" for bools) arguments */
};

/* Builds the configuration from all sources into cfg. cfg must be zero-initialised or come from an earlier
 * load. On success the old owned strings in cfg are freed, every option field is set, and, if
 * ret_sources is not NULL, ret_sources[i] tells where option i came from (n_options entries). On failure
 * cfg is untouched, returns a negative code and, if ret_error is not NULL, stores an allocated message. */
int rift_config_load(const struct rift_config_spec *spec, const struct rift_config_sources *src, void *cfg,
                     enum rift_config_source *ret_sources, char **ret_error);

/* Frees the owned strings and lists of cfg and sets those fields to NULL. Accepts NULL cfg. */
void rift_config_free(const struct rift_config_spec *spec, void *cfg);

/* Appends the effective configuration, one `key = value  # source` line per option, secrets as
 * [secret]; sources may be NULL. */
int rift_config_format(const struct rift_config_spec *spec, const void *cfg,
                       const enum rift_config_source *sources, struct rift_buf *out);

/* Appends the --help text generated from the table. */
int rift_config_format_help(const struct rift_config_spec *spec, struct rift_buf *out);

/* Name of a source: "default", "file", "environment", "command line". */
const char *rift_config_source_name(enum rift_config_source source);

/* The standard command line of every Rift binary: --config FILE, --check-config, --help, --version and
 * --key=value for every option; reads the environment. Returns 1 when the program should run with cfg
 * filled, 0 when it should exit successfully (help, version, a valid --check-config), or a negative code
 * after printing the error to stderr. */
int rift_config_main_args(const struct rift_config_spec *spec, int argc, char **argv, void *cfg);

/* rift_config_main_args with explicit environment and output streams (for tests). */
int rift_config_main(const struct rift_config_spec *spec, int argc, char **argv, char *const *envp, FILE *out,
                     FILE *err, void *cfg);

#endif
