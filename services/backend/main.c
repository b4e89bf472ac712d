/* rift-backend: wires configuration, the event loop and shutdown.
 *   rift-backend [--options]        serve GraphQL (HTTP_PORT) and InfraService (RPC_PORT)
 *   rift-backend --print-schema     print the GraphQL schema (SDL) and exit */
#include <event2/event.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/memory.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/graphql/graphql.h"
#include "lib/http_server.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/rpc_server.h"
#include "services/backend/backend.h"

static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };
static const char *const db_schemes[] = { "sqlite", "mongodb", NULL };
static const char *const url_schemes[] = { "http", "https", NULL };

#define F(x) offsetof(struct backend_config, x)
static const struct rift_config_option options[] = {
        { .key = "http_port",
          .env = "HTTP_PORT",
          .type = RIFT_CONFIG_INT,
          .offset = F(http_port),
          .def = "8080",
          .min = 0,
          .max = 65535,
          .help = "port of GraphQL, status, metrics and the portal" },
        { .key = "rpc_port",
          .env = "RPC_PORT",
          .type = RIFT_CONFIG_INT,
          .offset = F(rpc_port),
          .def = "8000",
          .min = 0,
          .max = 65535,
          .help = "port of InfraService (Twirp)" },
        { .key = "bind_address",
          .env = "BIND_ADDRESS",
          .type = RIFT_CONFIG_STRING,
          .offset = F(bind_address),
          .def = "127.0.0.1",
          .max = 64,
          .help = "address both listeners bind" },
        { .key = "db_server",
          .env = "DB_SERVER",
          .type = RIFT_CONFIG_URI,
          .offset = F(db_server),
          .def = "sqlite:///var/lib/rift/backend.db",
          .choices = db_schemes,
          .help = "store URI: sqlite:///path/backend.db or mongodb://host:port/db" },
        { .key = "auth_rpc_addr",
          .env = "AUTH_RPC_ADDR",
          .type = RIFT_CONFIG_STRING,
          .offset = F(auth_rpc_addr),
          .def = "127.0.0.1:3030",
          .max = 256,
          .help = "host:port of rift-auth's RPC listener" },
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
          .help = "exact browser origins allowed by CORS" },
        { .key = "portal_dir",
          .env = "PORTAL_DIR",
          .type = RIFT_CONFIG_PATH,
          .offset = F(portal_dir),
          .help = "directory of the portal's static files, served at /" },
        { .key = "public_rpc_url",
          .env = "SERVER_ADDR",
          .type = RIFT_CONFIG_URI,
          .offset = F(public_rpc_url),
          .choices = url_schemes,
          .help = "InfraService URL agents use (install command); default http://BIND_ADDRESS:RPC_PORT" },
        { .key = "infra_timeout",
          .env = "INFRA_INACTIVITY_TIMEOUT",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(infra_timeout_ms),
          .def = "90s",
          .min = 100,
          .max = 86400000,
          .help = "heartbeat silence after which an infrastructure is inactive" },
        { .key = "poll_timeout",
          .env = "INFRA_POLL_TIMEOUT",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(poll_timeout_ms),
          .def = "30s",
          .min = 10,
          .max = 600000,
          .help = "longest InfraService.Poll wait" },
        { .key = "run_timeout_grace",
          .env = "RUN_TIMEOUT_GRACE",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(run_grace_ms),
          .def = "5m",
          .min = 100,
          .max = 86400000,
          .help = "a Running run becomes Timeout this long after its faults' total duration" },
        { .key = "audit_retention",
          .env = "AUDIT_RETENTION",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(audit_keep_ms),
          .def = "90d",
          .min = 1000,
          .max = 3650LL * 86400000,
          .help = "how long audit events are kept" },
        { .key = "run_queue_timeout",
          .env = "RUN_QUEUE_TIMEOUT",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(queue_timeout_ms),
          .def = "10m",
          .min = 100,
          .max = 604800000,
          .help = "a Queued run its infrastructure has not picked up by then becomes Timeout" },
        { .key = "auth_cache",
          .env = "AUTH_CACHE_TTL",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(auth_cache_ms),
          .def = "5s",
          .min = 0,
          .max = 60000,
          .help = "how long a ValidateRequest answer is reused" },
        { .key = "log_level",
          .env = "LOG_LEVEL",
          .type = RIFT_CONFIG_ENUM,
          .offset = F(log_level),
          .def = "info",
          .choices = log_levels,
          .help = "least severe level logged" },
        { .key = "enable_gql_introspection",
          .env = "ENABLE_GQL_INTROSPECTION",
          .type = RIFT_CONFIG_BOOL,
          .offset = F(introspection),
          .def = "true",
          .help = "answer __schema and __type queries (Litmus's variable; switch off in production)" },
        { .key = "results_token",
          .env = "RESULTS_TOKEN",
          .type = RIFT_CONFIG_STRING,
          .offset = F(results_token),
          .max = 256,
          .flags = RIFT_CONFIG_SECRET,
          .help = "bearer token rift-exporter presents to ResultService; unset = service off" },
        { .key = "hub_dirs",
          .env = "HUB_DIRS",
          .type = RIFT_CONFIG_LIST,
          .offset = F(hub_dirs),
          .max = 16,
          .help = "chaos-charts directories (faults/<category>/<fault>/fault.yaml) served as extra hubs" },
        { .key = "print_schema",
          .type = RIFT_CONFIG_BOOL,
          .offset = F(print_schema),
          .help = "print the GraphQL schema (SDL) and exit" },
        { .key = "sse_max_streams",
          .env = "SSE_MAX_STREAMS",
          .type = RIFT_CONFIG_INT,
          .offset = F(sse_max_streams),
          .def = "1000",
          .min = 1,
          .max = 100000,
          .help = "live run streams (GET /sse/runs/...) open at once" },
        { .key = "sse_max_per_run",
          .env = "SSE_MAX_PER_RUN",
          .type = RIFT_CONFIG_INT,
          .offset = F(sse_max_per_run),
          .def = "50",
          .min = 1,
          .max = 100000,
          .help = "live streams of one run" },
        { .key = "sse_ping",
          .env = "SSE_PING_INTERVAL",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(sse_ping_ms),
          .def = "15s",
          .min = 100,
          .max = 3600000,
          .help = "keep-alive comment interval of live streams" },
        { .key = "sse_max_buffer",
          .env = "SSE_MAX_BUFFER",
          .type = RIFT_CONFIG_SIZE,
          .offset = F(sse_max_buffer),
          .def = "1MiB",
          .min = 131072,
          .max = 67108864,
          .help = "unsent bytes one live stream may hold" },
        { .key = "sse_slow_client_timeout",
          .env = "SSE_SLOW_CLIENT_TIMEOUT",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(sse_slow_ms),
          .def = "10s",
          .min = 100,
          .max = 3600000,
          .help = "a live stream whose backlog does not shrink this long is dropped" },
};

static int check(const void *cfg_, char *msg, size_t size)
{
        const struct backend_config *cfg = cfg_;

        if (!cfg->tls_cert != !cfg->tls_key) {
                snprintf(msg, size, "TLS_CERT_PATH and TLS_KEY_PATH go together");
                return RIFT_E_INVALID;
        }
        if (!strchr(cfg->auth_rpc_addr, ':')) {
                snprintf(msg, size, "AUTH_RPC_ADDR: expected host:port");
                return RIFT_E_INVALID;
        }
        return 0;
}

static const struct rift_config_spec spec = {
        .program = "rift-backend",
        .version = BACKEND_VERSION,
        .summary = "Rift's Chaos Center API (GraphQL) and InfraService",
        .options = options,
        .n_options = ARRAY_SIZE(options),
        .size = sizeof(struct backend_config),
        .validate = check,
};

static int print_schema(void)
{
        _cleanup_(rift_buf_free) struct rift_buf out = RIFT_BUF_INIT(1u << 20);
        struct gql_schema *s = NULL;
        int r = backend_schema_new(&s);

        if (r == 0)
                r = gql_schema_print_sdl(s, &out);
        if (r == 0)
                printf("%.*s\n", (int)out.len, out.data);
        gql_schema_free(s);
        return r;
}

static int serve(const struct backend_config *cfg)
{
        struct rift_http_server_config hc = { .address = cfg->bind_address,
                                              .port = (uint16_t)cfg->http_port,
                                              .tls_cert = cfg->tls_cert,
                                              .tls_key = cfg->tls_key,
                                              .max_body = BACKEND_MAX_QUERY_BODY,
                                              .cors_origins = (const char *const *)cfg->allowed_origins };
        struct rift_http_server_config rc = hc;
        struct rift_http_server *http = NULL, *rpc_http = NULL;
        struct rift_rpc_server *rpc = NULL;
        struct backend_ctx *b = NULL;
        struct event_base *base = event_base_new();
        int r = base ? 0 : -ENOMEM;

        rc.port = (uint16_t)cfg->rpc_port;
        rc.cors_origins = NULL;
        rc.max_body = RIFT_MAX_RPC_MESSAGE; /* a full PushLogs batch (500 lines of 4 KiB) is about 2 MiB */
        rc.timeout_ms = (int)cfg->poll_timeout_ms + 30000; /* long polls outlive the default timeout */
        if (r < 0 || (r = hub_dir_load(cfg->hub_dirs)) < 0 || (r = backend_ctx_new(cfg, base, &b)) < 0 ||
            (r = rift_http_server_new(base, &hc, &http)) < 0 || (r = backend_http_mount(b, http)) < 0 ||
            (r = rift_http_server_new(base, &rc, &rpc_http)) < 0 ||
            (r = rift_rpc_server_new(rpc_http, 0, &rpc)) < 0 || (r = infra_rpc_mount(b, rpc)) < 0 ||
            (r = results_rpc_mount(b, rpc)) < 0 || (r = infra_liveness_start(b)) < 0 ||
            (r = rift_http_server_watch_signals(http)) < 0)
                goto out;
        log_info("listening", LOG_STR("address", cfg->bind_address),
                 LOG_INT("http_port", rift_http_server_port(http)),
                 LOG_INT("rpc_port", rift_http_server_port(rpc_http)),
                 LOG_BOOL("tls", cfg->tls_cert != NULL));
        event_base_dispatch(base);
        log_info("stopped");
out:
        if (b)
                infra_rpc_drop_waiters(b);
        rift_http_server_free(rpc_http);
        rift_rpc_server_free(rpc);
        rift_http_server_free(http);
        backend_ctx_free(b);
        hub_dir_free_all();
        if (base)
                event_base_free(base);
        return r;
}

int main(int argc, char **argv)
{
        struct backend_config cfg = { 0 };
        int r = rift_config_main_args(&spec, argc, argv, &cfg);

        rift_memory_tune_daemon();

        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        rift_log_init("rift-backend", (enum rift_log_level)cfg.log_level, 2);
        r = cfg.print_schema ? print_schema() : serve(&cfg);
        if (r < 0)
                log_error("rift-backend failed", LOG_ERR(r));
        rift_config_free(&spec, &cfg);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
