/* rift-exporter: wires configuration, the event loop and shutdown.
 *   rift-exporter [--options]    serve litmuschaos_* metrics on HTTP_PORT/metrics */
#include <errno.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/config.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/metrics.h"
#include "services/exporter/exporter.h"

static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };
static const char *const url_schemes[] = { "http", "https", NULL };

#define F(x) offsetof(struct exporter_config, x)
static const struct rift_config_option options[] = {
        { .key = "http_port",
          .env = "HTTP_PORT",
          .type = RIFT_CONFIG_INT,
          .offset = F(http_port),
          .def = "8082",
          .min = 0,
          .max = 65535,
          .help = "port of /metrics and /status" },
        { .key = "bind_address",
          .env = "BIND_ADDRESS",
          .type = RIFT_CONFIG_STRING,
          .offset = F(bind_address),
          .def = "127.0.0.1",
          .max = 64,
          .help = "address the listener binds" },
        { .key = "server_addr",
          .env = "SERVER_ADDR",
          .type = RIFT_CONFIG_URI,
          .offset = F(server_addr),
          .def = "http://127.0.0.1:8000",
          .choices = url_schemes,
          .help = "rift-backend's RPC URL (ResultService, the backend's RPC_PORT)" },
        { .key = "results_token",
          .env = "RESULTS_TOKEN",
          .type = RIFT_CONFIG_STRING,
          .offset = F(results_token),
          .max = 256,
          .flags = RIFT_CONFIG_SECRET | RIFT_CONFIG_REQUIRED,
          .help = "the backend's RESULTS_TOKEN" },
        { .key = "tsdb_scrape_interval",
          .env = "TSDB_SCRAPE_INTERVAL",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(scrape_interval),
          .def = "10s",
          .min = 100,
          .max = 3600000,
          .help = "how long litmuschaos_experiment_verdict stays 1 after a new verdict" },
        { .key = "sync_interval",
          .env = "SYNC_INTERVAL",
          .type = RIFT_CONFIG_DURATION,
          .offset = F(sync_interval_ms),
          .def = "5s",
          .min = 100,
          .max = 3600000,
          .help = "how often to fetch changed results from the backend" },
        { .key = "max_series",
          .env = "MAX_SERIES",
          .type = RIFT_CONFIG_INT,
          .offset = F(max_series),
          .def = "200000",
          .min = 1,
          .max = 10000000,
          .help = "series per metric family (results beyond are dropped and counted)" },
        { .key = "log_level",
          .env = "LOG_LEVEL",
          .type = RIFT_CONFIG_ENUM,
          .offset = F(log_level),
          .def = "info",
          .choices = log_levels,
          .help = "least severe level logged" },
};

static const struct rift_config_spec spec = {
        .program = "rift-exporter",
        .version = EXPORTER_VERSION,
        .summary = "litmuschaos_* metrics of Rift's experiment results for Prometheus",
        .options = options,
        .n_options = ARRAY_SIZE(options),
        .size = sizeof(struct exporter_config),
};

static int serve(const struct exporter_config *cfg)
{
        struct rift_http_server_config hc = { .address = cfg->bind_address,
                                              .port = (uint16_t)cfg->http_port };
        struct rift_http_server *http = NULL;
        struct rift_metrics *reg = NULL;
        struct exporter_results *results = NULL;
        struct exporter_sync *sync = NULL;
        struct exporter_http routes;
        struct event_base *base = event_base_new();
        int r = base ? 0 : -ENOMEM;

        if (r < 0 || (r = rift_metrics_new((size_t)cfg->max_series, &reg)) < 0 ||
            (r = exporter_results_new(reg, (size_t)cfg->max_series, cfg->scrape_interval, rift_now_ms,
                                      &results)) < 0)
                goto out;
        routes = (struct exporter_http){ .reg = reg, .results = results };
        if ((r = rift_http_server_new(base, &hc, &http)) < 0 ||
            (r = exporter_http_mount(http, &routes)) < 0 ||
            (r = exporter_sync_new(cfg, base, reg, results, &sync)) < 0 ||
            (r = rift_http_server_watch_signals(http)) < 0)
                goto out;
        log_info("listening", LOG_STR("address", cfg->bind_address),
                 LOG_INT("http_port", rift_http_server_port(http)), LOG_STR("server", cfg->server_addr));
        event_base_dispatch(base);
        log_info("stopped");
out:
        exporter_sync_free(sync);
        rift_http_server_free(http);
        rift_metrics_free(reg);
        exporter_results_free(results);
        if (base)
                event_base_free(base);
        return r;
}

int main(int argc, char **argv)
{
        struct exporter_config cfg = { 0 };
        int r = rift_config_main_args(&spec, argc, argv, &cfg);

        rift_memory_tune_daemon();
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        rift_log_init("rift-exporter", (enum rift_log_level)cfg.log_level, 2);
        r = serve(&cfg);
        if (r < 0)
                log_error("rift-exporter failed", LOG_ERR(r));
        rift_config_free(&spec, &cfg);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
