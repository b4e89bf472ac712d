/* rift-auth: wires configuration, the event loop and shutdown. Subcommands:
 *   rift-auth [--options]   serve the REST API (REST_PORT) and AuthService (RPC_PORT)
 *   rift-auth reset-admin   reset ADMIN_USERNAME to ADMIN_PASSWORD (forced change at next login)
 *   rift-auth rotate-key    add a new JWT signing key; older tokens stay valid until they expire */
#include <event2/event.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/memory.h"
#include "lib/config.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/rpc_server.h"
#include "services/auth/auth.h"

#ifndef RIFT_VERSION
#define RIFT_VERSION "0.1.0"
#endif

static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };
static const char *const db_schemes[] = { "sqlite", "mongodb", NULL };

#define F(x) offsetof(struct auth_config, x)
static const struct rift_config_option options[] = {
        { .key = "rest_port",
          .env = "REST_PORT",
          .type = RIFT_CONFIG_INT,
          .offset = F(rest_port),
          .def = "3000",
          .min = 0,
          .max = 65535,
          .help = "port of the REST API (0: any free port)" },
        { .key = "rpc_port",
          .env = "RPC_PORT",
          .type = RIFT_CONFIG_INT,
          .offset = F(rpc_port),
          .def = "3030",
          .min = 0,
          .max = 65535,
          .help = "port of the AuthService Twirp RPC (0: any free port)" },
        { .key = "bind_address",
          .env = "BIND_ADDRESS",
          .type = RIFT_CONFIG_STRING,
          .offset = F(bind_address),
          .def = "127.0.0.1",
          .max = 64,
          .help = "address both listeners bind" },
        { .key = "admin_username",
          .env = "ADMIN_USERNAME",
          .type = RIFT_CONFIG_STRING,
          .offset = F(admin_username),
          .flags = RIFT_CONFIG_REQUIRED,
          .max = AUTH_USERNAME_MAX,
          .help = "first administrator's username" },
        { .key = "admin_password",
          .env = "ADMIN_PASSWORD",
          .type = RIFT_CONFIG_STRING,
          .offset = F(admin_password),
          .flags = RIFT_CONFIG_REQUIRED | RIFT_CONFIG_SECRET,
          .max = AUTH_PASSWORD_MAX,
          .help = "first administrator's password (used at first start and by reset-admin)" },
        { .key = "db_server",
          .env = "DB_SERVER",
          .type = RIFT_CONFIG_URI,
          .offset = F(db_server),
          .def = "sqlite:///var/lib/rift/auth.db",
          .choices = db_schemes,
          .help = "store URI: sqlite:///path/auth.db or mongodb://host:port/db" },
        { .key = "jwt_expiry_mins",
          .env = "JWT_EXPIRY_MINS",
          .type = RIFT_CONFIG_INT,
          .offset = F(jwt_expiry_mins),
          .def = "1440",
          .min = 1,
          .max = 525600,
          .help = "login token lifetime in minutes" },
        { .key = "jwt_expiry",
          .env = "JWT_EXPIRY",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(jwt_expiry_ms),
          .min = 1000,
          .max = 31536000000LL,
          .help = "login token lifetime as a duration (\"90s\"); overrides JWT_EXPIRY_MINS" },
        { .key = "tls_cert",
          .env = "TLS_CERT_PATH",
          .type = RIFT_CONFIG_PATH,
          .offset = F(tls_cert),
          .help = "PEM certificate: serve both ports over TLS" },
        { .key = "tls_key",
          .env = "TLS_KEY_PATH",
          .type = RIFT_CONFIG_PATH,
          .offset = F(tls_key),
          .flags = RIFT_CONFIG_SECRET,
          .help = "PEM private key of tls_cert" },
        { .key = "allowed_origins",
          .env = "ALLOWED_ORIGINS",
          .type = RIFT_CONFIG_LIST,
          .offset = F(allowed_origins),
          .max = 64,
          .help = "exact browser origins allowed by CORS (none by default)" },
        { .key = "password_hash_memory",
          .env = "PASSWORD_HASH_MEMORY",
          .type = RIFT_CONFIG_SIZE,
          .offset = F(pwhash_memory),
          .def = "64MiB",
          .min = 8192,
          .max = 1073741824,
          .help = "argon2id memory per password hash" },
        { .key = "password_hash_ops",
          .env = "PASSWORD_HASH_OPS",
          .type = RIFT_CONFIG_INT,
          .offset = F(pwhash_ops),
          .def = "2",
          .min = 1,
          .max = 10,
          .help = "argon2id passes per password hash" },
        { .key = "audit_retention",
          .env = "AUDIT_RETENTION",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(audit_keep_ms),
          .def = "90d",
          .min = 1000,
          .max = 3650LL * 86400000,
          .help = "how long audit events (logins, role changes) are kept" },
        { .key = "log_level",
          .env = "LOG_LEVEL",
          .type = RIFT_CONFIG_ENUM,
          .offset = F(log_level),
          .def = "info",
          .choices = log_levels,
          .help = "least severe level logged" },
};

static int check(const void *cfg_, char *msg, size_t size)
{
        const struct auth_config *cfg = cfg_;

        if (!cfg->tls_cert != !cfg->tls_key) {
                snprintf(msg, size, "TLS_CERT_PATH and TLS_KEY_PATH go together");
                return RIFT_E_INVALID;
        }
        for (char **o = cfg->allowed_origins; o && *o; o++)
                if (strchr(*o, '*')) {
                        snprintf(msg, size, "ALLOWED_ORIGINS takes exact origins, not patterns: %.64s", *o);
                        return RIFT_E_INVALID;
                }
        return 0;
}

static const struct rift_config_spec spec = {
        .program = "rift-auth",
        .version = RIFT_VERSION,
        .summary = "Rift's users, projects and tokens (subcommands: reset-admin, rotate-key)",
        .options = options,
        .n_options = ARRAY_SIZE(options),
        .size = sizeof(struct auth_config),
        .validate = check,
};

static int serve(struct auth_ctx *ctx)
{
        const struct auth_config *cfg = ctx->cfg;
        struct rift_http_server_config rest = { .address = cfg->bind_address,
                                                .port = (uint16_t)cfg->rest_port,
                                                .tls_cert = cfg->tls_cert,
                                                .tls_key = cfg->tls_key,
                                                .cors_origins = (const char *const *)cfg->allowed_origins };
        struct rift_http_server_config rpcc = rest;
        struct rift_http_server *http = NULL, *rpc_http = NULL;
        struct rift_rpc_server *rpc = NULL;
        struct event_base *base = event_base_new();
        int r = base ? 0 : -ENOMEM;

        rpcc.port = (uint16_t)cfg->rpc_port;
        rpcc.cors_origins = NULL;
        if (r < 0 || (r = auth_admin_bootstrap(ctx)) < 0 ||
            (r = rift_http_server_new(base, &rest, &http)) < 0 || (r = auth_routes_mount(ctx, http)) < 0 ||
            (r = rift_http_server_new(base, &rpcc, &rpc_http)) < 0 ||
            (r = rift_rpc_server_new(rpc_http, 0, &rpc)) < 0 || (r = auth_rpc_mount(ctx, rpc)) < 0 ||
            (r = rift_http_server_watch_signals(http)) < 0)
                goto out;
        malloc_trim(0); /* give back what start-up (index builds, the first hash) freed */
        log_info("listening", LOG_STR("address", cfg->bind_address),
                 LOG_INT("rest_port", rift_http_server_port(http)),
                 LOG_INT("rpc_port", rift_http_server_port(rpc_http)),
                 LOG_BOOL("tls", cfg->tls_cert != NULL));
        event_base_dispatch(base);
        log_info("stopped");
out:
        rift_http_server_free(rpc_http);
        rift_rpc_server_free(rpc);
        rift_http_server_free(http);
        if (base)
                event_base_free(base);
        return r;
}

static int rotate_key(struct auth_ctx *ctx)
{
        char kid[RIFT_MAX_ID + 1];
        int r = auth_keys_rotate(ctx->store, kid);

        if (r == 0)
                log_info("new signing key; tokens signed with older keys stay valid until they expire",
                         LOG_STR("kid", kid));
        return r;
}

static const struct {
        const char *name;                 /* subcommand, NULL = serve */
        int (*run)(struct auth_ctx *ctx); /* what it does */
} commands[] = {
        { NULL, serve },
        { "reset-admin", auth_admin_reset },
        { "rotate-key", rotate_key },
};

int main(int argc, char **argv)
{
        struct auth_config cfg = { 0 };
        struct auth_ctx *ctx = NULL;
        enum rift_log_level level;
        const char *cmd = NULL;
        size_t i;
        int r;

        rift_memory_tune_daemon();

        if (argc > 1 && argv[1][0] != '-') {
                cmd = argv[1];
                argv[1] = argv[0];
                argv++;
                argc--;
        }
        for (i = 0; i < ARRAY_SIZE(commands) &&
                    !(cmd ? commands[i].name && !strcmp(cmd, commands[i].name) : !commands[i].name);
             i++)
                ;
        if (i == ARRAY_SIZE(commands)) {
                fprintf(stderr, "rift-auth: unknown command %s (reset-admin, rotate-key)\n", cmd);
                return EXIT_FAILURE;
        }
        r = rift_config_main_args(&spec, argc, argv, &cfg);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        level = (enum rift_log_level)cfg.log_level; /* same order as log_levels[] */
        rift_log_init("rift-auth", level, 2);
        r = auth_ctx_new(&cfg, &ctx);
        if (r < 0)
                log_error("cannot open the auth database", LOG_STR("db", cfg.db_server), LOG_ERR(r));
        else
                r = commands[i].run(ctx);
        if (r < 0 && ctx)
                log_error("rift-auth failed", LOG_STR("command", cmd ? cmd : "serve"), LOG_ERR(r));
        auth_ctx_free(ctx);
        rift_config_free(&spec, &cfg);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
