/* Benchmark server: lib/http_server answering GET /hello with a small fixed JSON body (the same bytes
 * nginx serves as a static file in bench/http/run.sh). Prints "port N" once listening; SIGTERM stops it.
 * Usage: bench_server [PORT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "lib/http_server.h"
#include "lib/macro.h"
#include "lib/str.h"

/* Keep in sync with bench/http/hello.json. */
static const char hello_body[] = "{\"status\":\"ok\",\"service\":\"rift-bench\",\"version\":\"0.1.0\"}\n";

static int hello(struct rift_http_request *req, void *userdata)
{
        return rift_http_reply(req, 200, "application/json", hello_body, sizeof(hello_body) - 1);
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_GET, "/hello", hello },
};

int main(int argc, char **argv)
{
        struct rift_http_server_config cfg = { .address = "127.0.0.1" };
        struct rift_http_server *srv = NULL;
        struct event_base *base = event_base_new();
        uint64_t port = 0;

        if (argc > 1 && rift_parse_uint64(argv[1], 65535, &port) < 0) {
                fprintf(stderr, "usage: %s [PORT]\n", argv[0]);
                return 2;
        }
        cfg.port = (uint16_t)port;
        if (!base || rift_http_server_new(base, &cfg, &srv) < 0 ||
            rift_http_server_add_routes(srv, routes, ARRAY_SIZE(routes), NULL) < 0 ||
            rift_http_server_watch_signals(srv) < 0) {
                fprintf(stderr, "bench_server: cannot start\n");
                return 1;
        }
        printf("port %u\n", rift_http_server_port(srv));
        fflush(stdout);
        event_base_dispatch(base);
        rift_http_server_free(srv);
        event_base_free(base);
        return 0;
}
