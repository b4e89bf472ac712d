/* libFuzzer target: the config file parser (lib/config.c) on arbitrary bytes, with a sample table that
 * uses every option type. A loaded configuration is also formatted, reloaded over itself and freed, so
 * ASan sees every path that touches owned strings. An input whose first byte is 0x01 is instead split
 * at newlines into command-line arguments that are also used as the environment ("NAME=value"). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every option type, laid out like a service's config struct. */
struct fuzz_config {
        int64_t port;      /* INT */
        bool flag;         /* BOOL */
        int64_t wait_ms;   /* DURATION */
        uint64_t max_body; /* SIZE */
        int mode;          /* ENUM */
        char **origins;    /* LIST */
        char *dir;         /* PATH */
        char *uri;         /* URI */
        char *secret;      /* STRING, secret */
};

static const char *const modes[] = { "a", "bb", "ccc", NULL };
static const char *const schemes[] = { "http", "https", "mongodb", NULL };

static const struct rift_config_option options[] = {
        { .key = "port",
          .env = "PORT",
          .type = RIFT_CONFIG_INT,
          .offset = offsetof(struct fuzz_config, port),
          .def = "80",
          .min = 1,
          .max = 65535 },
        { .key = "flag", .type = RIFT_CONFIG_BOOL, .offset = offsetof(struct fuzz_config, flag) },
        { .key = "wait",
          .type = RIFT_CONFIG_DURATION,
          .offset = offsetof(struct fuzz_config, wait_ms),
          .def = "5s",
          .min = 1,
          .max = 86400000 },
        { .key = "max_body",
          .type = RIFT_CONFIG_SIZE,
          .offset = offsetof(struct fuzz_config, max_body),
          .def = "1MiB",
          .max = 1 << 30 },
        { .key = "mode",
          .type = RIFT_CONFIG_ENUM,
          .offset = offsetof(struct fuzz_config, mode),
          .def = "a",
          .choices = modes },
        { .key = "origins",
          .type = RIFT_CONFIG_LIST,
          .offset = offsetof(struct fuzz_config, origins),
          .max = 8 },
        { .key = "dir",
          .type = RIFT_CONFIG_PATH,
          .offset = offsetof(struct fuzz_config, dir),
          .def = "/tmp" },
        { .key = "uri",
          .type = RIFT_CONFIG_URI,
          .offset = offsetof(struct fuzz_config, uri),
          .choices = schemes },
        { .key = "secret",
          .type = RIFT_CONFIG_STRING,
          .offset = offsetof(struct fuzz_config, secret),
          .max = 64,
          .flags = RIFT_CONFIG_SECRET },
};

static const struct rift_config_spec spec = {
        .program = "fuzz-config",
        .options = options,
        .n_options = ARRAY_SIZE(options),
        .size = sizeof(struct fuzz_config),
};

#define MAX_ARGS 16

/* Splits a copy of the input at newlines into at most MAX_ARGS strings; returns the copy to free. */
static char *split_args(const uint8_t *data, size_t size, char **argv, int *argc)
{
        char *copy = malloc(size + 1), *p;

        if (!copy)
                return NULL;
        memcpy(copy, data, size);
        copy[size] = '\0';
        for (p = copy; *argc < MAX_ARGS;) {
                argv[(*argc)++] = p;
                p = strchr(p, '\n');
                if (!p)
                        break;
                *p++ = '\0';
        }
        return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rift_config_sources src = { .file_text = (const char *)data, .file_len = size };
        char *argv[MAX_ARGS + 1] = { 0 }, *copy = NULL;
        enum rift_config_source sources[ARRAY_SIZE(options)];
        struct rift_buf out = RIFT_BUF_INIT(1 << 20);
        struct fuzz_config cfg = { 0 };
        char *error = NULL;

        if (size > 0 && data[0] == 1) {
                copy = split_args(data + 1, size - 1, argv, &src.argc);
                if (!copy)
                        return 0;
                src = (struct rift_config_sources){ .argc = src.argc, .argv = argv, .envp = argv };
        }
        if (rift_config_load(&spec, &src, &cfg, sources, &error) < 0) {
                if (!error)
                        abort(); /* every failure explains itself */
                free(error);
                free(copy);
                return 0;
        }
        if (rift_config_format(&spec, &cfg, sources, &out) < 0)
                abort();
        /* a second load over a loaded struct must free the first one's strings */
        if (rift_config_load(&spec, &src, &cfg, NULL, NULL) < 0)
                abort();
        rift_buf_free(&out);
        rift_config_free(&spec, &cfg);
        free(copy);
        return 0;
}
