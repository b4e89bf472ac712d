/* The process state of rift-backend (store, schema, engine, AuthService client, metrics) and the plain
 * HTTP routes: /status, /readiness, /metrics and the portal's static files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/graphql/graphql.h"
#include "lib/http_server.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/rpc_client.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define MAX_STATIC_FILE (32u * 1024 * 1024) /* largest portal file served */

int64_t backend_now_ms(void)
{
        return rift_now_ms();
}

cJSON *backend_keep(struct gql_req *q, cJSON *doc)
{
        if (doc)
                cJSON_AddItemToArray(q->keep, doc);
        return doc;
}

void backend_hash_key(const char *key, char ret[65])
{
        unsigned char h[32];

        crypto_generichash(h, sizeof(h), (const unsigned char *)key, strlen(key), NULL, 0);
        for (size_t i = 0; i < sizeof(h); i++) {
                ret[2 * i] = "0123456789abcdef"[h[i] >> 4];
                ret[2 * i + 1] = "0123456789abcdef"[h[i] & 15];
        }
        ret[64] = '\0';
}

static int store_prepare(struct rift_store *s)
{
        static const struct {
                const char *coll;  /* collection */
                const char *field; /* indexed field */
        } indexes[] = {
                { BC_ENVS, "projectID" },    { BC_INFRAS, "projectID" },       { BC_EXPS, "projectID" },
                { BC_RUNS, "experimentID" }, { BC_TASKS, "infraID" },          { BC_LOGS, "taskID" },
                { BC_EVENTS, "infraID" },    { BC_INFRAS, "lastHeartbeatMs" }, { BC_TASKS, "state" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(indexes); i++) {
                int r = rift_store_ensure_index(s, indexes[i].coll, &indexes[i].field, 1, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *const result_label[] = { "result", NULL };
static const char *const method_label[] = { "method", "code", NULL };
static const struct rift_metric_def metric_defs[] = {
        { .name = "rift_backend_graphql_requests_total",
          .help = "POST /query requests by result (ok, errors, denied, bad_request).",
          .type = RIFT_METRIC_COUNTER,
          .labels = result_label },
        { .name = "rift_backend_infra_rpc_total",
          .help = "InfraService calls by method and result code.",
          .type = RIFT_METRIC_COUNTER,
          .labels = method_label },
};

static int auth_client_new(struct backend_ctx *b)
{
        char url[300];
        struct rift_rpc_client_config rc = { .base_url = url };
        int r;

        snprintf(url, sizeof(url), "%s://%s", b->cfg->tls_cert ? "https" : "http", b->cfg->auth_rpc_addr);
        rc.http.timeout_ms = 5000;
        r = rift_rpc_client_new(&rc, &b->auth);
        if (r == 0)
                r = rift_rpc_client_attach(b->auth, b->base);
        return r;
}

int backend_ctx_new(const struct backend_config *cfg, struct event_base *base, struct backend_ctx **ret)
{
        struct backend_ctx *b = calloc(1, sizeof(*b));
        struct rift_metric *h[ARRAY_SIZE(metric_defs)];
        struct gql_limits lim;
        int r;

        if (!b)
                return -ENOMEM;
        b->cfg = cfg;
        b->base = base;
        gql_limits_default(&lim);
        lim.introspection = cfg->introspection;
        if ((r = rift_crypto_init()) < 0 || (r = rift_store_open(cfg->db_server, &b->store)) < 0 ||
            (r = store_prepare(b->store)) < 0 || (r = backend_schema_new(&b->schema)) < 0 ||
            (r = gql_engine_new(b->schema, &lim, &b->engine)) < 0 ||
            (r = authz_cache_new(1024, &b->cache)) < 0 || (r = auth_client_new(b)) < 0 ||
            (r = rift_metrics_new(0, &b->metrics)) < 0 ||
            (r = rift_metrics_register_all(b->metrics, metric_defs, ARRAY_SIZE(metric_defs), h)) < 0 ||
            (r = backend_obs_new(b)) < 0) {
                log_error("cannot start", LOG_STR("db", cfg->db_server), LOG_ERR(r));
                backend_ctx_free(b);
                return r;
        }
        b->m_requests = h[0];
        b->m_rpc = h[1];
        *ret = b;
        return 0;
}

void backend_ctx_free(struct backend_ctx *b)
{
        if (!b)
                return;
        if (b->liveness)
                event_free(b->liveness);
        if (b->cross_wake)
                event_free(b->cross_wake);
        rift_rpc_client_free(b->auth);
        backend_sse_free(b); /* after the AuthService client: no authorisation answer can come any more */
        authz_cache_free(b->cache);
        gql_engine_free(b->engine);
        gql_schema_free(b->schema);
        rift_metrics_free(b->metrics);
        backend_obs_free(b->obs);
        rift_store_close(b->store);
        free(b);
}

static int h_status(struct rift_http_request *req, void *userdata)
{
        static const char body[] = "{\"status\":\"up\"}";
        return rift_http_reply(req, 200, "application/json", body, sizeof(body) - 1);
}

static int h_readiness(struct rift_http_request *req, void *userdata)
{
        struct backend_ctx *b = userdata;
        uint64_t n;
        int r = rift_store_count(b->store, BC_ENVS, NULL, &n);
        const char *body = r < 0 ? "{\"database\":\"down\"}" : "{\"database\":\"up\"}";

        return rift_http_reply(req, r < 0 ? 503 : 200, "application/json", body, strlen(body));
}

static int h_metrics(struct rift_http_request *req, void *userdata)
{
        struct backend_ctx *b = userdata;
        _cleanup_(rift_buf_free) struct rift_buf out = RIFT_BUF_INIT(4u << 20);
        int r = rift_metrics_format(b->metrics, &out);

        if (r < 0)
                return r;
        return rift_http_reply(req, 200, RIFT_METRICS_CONTENT_TYPE, out.data, out.len);
}

static const char *content_type(const char *path)
{
        static const struct {
                const char *ext;  /* file name suffix */
                const char *type; /* its Content-Type */
        } types[] = {
                { ".html", "text/html; charset=utf-8" },
                { ".js", "text/javascript" },
                { ".css", "text/css" },
                { ".json", "application/json" },
                { ".svg", "image/svg+xml" },
                { ".png", "image/png" },
                { ".ico", "image/x-icon" },
                { ".woff2", "font/woff2" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                if (rift_endswith(path, types[i].ext))
                        return types[i].type;
        return "application/octet-stream";
}

static int read_file(int dir, const char *rel, struct rift_buf *out)
{
        int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        ssize_t n;
        char chunk[65536];

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_STATIC_FILE) {
                close(fd);
                return RIFT_E_NOTFOUND;
        }
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
                if (rift_buf_append(out, chunk, (size_t)n) < 0)
                        break;
        close(fd);
        return n == 0 ? 0 : RIFT_E_TOOBIG;
}

/* GET /<path> from PORTAL_DIR; no "..", no dot files, no symlinks at the last component; unknown
 * paths without an extension get index.html (the portal routes in the browser). */
static int h_static(struct rift_http_request *req, void *userdata)
{
        struct backend_ctx *b = userdata;
        const char *path = rift_http_request_path(req);
        _cleanup_(rift_buf_free) struct rift_buf out = RIFT_BUF_INIT(MAX_STATIC_FILE);
        const char *rel;
        int dir, r;

        if (!b->cfg->portal_dir)
                return RIFT_E_NOTFOUND;
        rel = path[0] == '/' ? path + 1 : path;
        if (strstr(rel, "..") || strstr(rel, "/.") || rel[0] == '.' || strlen(rel) > PATH_MAX / 2)
                return RIFT_E_NOTFOUND;
        if (rel[0] == '\0')
                rel = "index.html";
        dir = open(b->cfg->portal_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return RIFT_E_NOTFOUND;
        r = read_file(dir, rel, &out);
        if (r < 0 && !strchr(strrchr(rel, '/') ? strrchr(rel, '/') : rel, '.')) {
                rift_buf_reset(&out);
                rel = "index.html";
                r = read_file(dir, rel, &out);
        }
        close(dir);
        if (r < 0)
                return RIFT_E_NOTFOUND;
        return rift_http_reply(req, 200, content_type(rel), out.data, out.len);
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_GET, "/status", h_status },
        { RIFT_HTTP_GET, "/readiness", h_readiness },
        { RIFT_HTTP_GET, "/metrics", h_metrics },
};
static const struct rift_http_route static_routes[] = {
        { RIFT_HTTP_GET | RIFT_HTTP_HEAD, "/", h_static },
        { RIFT_HTTP_GET | RIFT_HTTP_HEAD, "/*", h_static },
};

int backend_http_mount(struct backend_ctx *b, struct rift_http_server *http)
{
        int r = rift_http_server_add_routes(http, routes, ARRAY_SIZE(routes), b);

        if (r == 0)
                r = backend_query_mount(b, http);
        if (r == 0)
                r = backend_sse_mount(b, http);
        if (r == 0)
                r = rift_http_server_add_routes(http, static_routes, ARRAY_SIZE(static_routes), b);
        return r;
}
