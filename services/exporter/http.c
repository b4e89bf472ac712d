/* The exporter's HTTP routes: GET /metrics (exposition text) and GET /status. */
#include "lib/http_server.h"
#include "lib/metrics.h"
#include "services/exporter/exporter.h"

static int h_metrics(struct rift_http_request *req, void *userdata)
{
        struct exporter_http *h = userdata;
        const char *data;
        size_t len;
        int r = exporter_results_render(h->results, h->reg, &data, &len);

        if (r < 0)
                return r;
        return rift_http_reply(req, 200, RIFT_METRICS_CONTENT_TYPE, data, len);
}

static int h_status(struct rift_http_request *req, void *userdata)
{
        static const char body[] = "{\"status\":\"up\"}";

        return rift_http_reply(req, 200, "application/json", body, sizeof(body) - 1);
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_GET, "/metrics", h_metrics },
        { RIFT_HTTP_GET, "/status", h_status },
};

int exporter_http_mount(struct rift_http_server *http, struct exporter_http *h)
{
        return rift_http_server_add_routes(http, routes, ARRAY_SIZE(routes), h);
}
