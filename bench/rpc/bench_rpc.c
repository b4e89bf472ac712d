/* RPC benchmark: Health.Check round trips over Twirp on loopback with keep-alive.
 *   bench_rpc serve [PORT]                 lib/rpc_server on lib/http_server; prints "port N"; SIGTERM stops
 *   bench_rpc call URL SECONDS THREADS     THREADS clients (one connection each) calling for SECONDS; prints
 *                                          calls, errors, req/s, p50 and p99 latency */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "bench/common/rpc_load.h"
#include "lib/http_server.h"
#include "lib/macro.h"
#include "lib/rpc_client.h"
#include "lib/rpc_server.h"
#include "lib/str.h"
#include "proto/health.pb-c.h"

static int check(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        Rift__Health__V1__CheckResponse *out = malloc(sizeof(*out));

        if (!out)
                return -ENOMEM;
        rift__health__v1__check_response__init(out);
        out->status = RIFT__HEALTH__V1__CHECK_RESPONSE__STATUS__STATUS_SERVING;
        out->version = strdup("0.1.0");
        out->service = strdup("rift-bench");
        *ret_out = &out->base;
        return 0;
}

static const struct rift_rpc_method methods[] = {
        { "Check", &rift__health__v1__check_request__descriptor,
          &rift__health__v1__check_response__descriptor, check },
};
static const struct rift_rpc_service health = { "rift.health.v1.Health", methods, ARRAY_SIZE(methods) };

static int serve(uint16_t port)
{
        struct rift_http_server_config cfg = { .address = "127.0.0.1", .port = port };
        struct event_base *base = event_base_new();
        struct rift_http_server *srv = NULL;
        struct rift_rpc_server *rpc = NULL;

        if (!base || rift_http_server_new(base, &cfg, &srv) < 0 || rift_rpc_server_new(srv, 0, &rpc) < 0 ||
            rift_rpc_server_add_service(rpc, &health, NULL) < 0 || rift_http_server_watch_signals(srv) < 0) {
                fprintf(stderr, "bench_rpc: cannot start server\n");
                return 1;
        }
        printf("port %u\n", rift_http_server_port(srv));
        fflush(stdout);
        event_base_dispatch(base);
        rift_http_server_free(srv);
        rift_rpc_server_free(rpc);
        event_base_free(base);
        return 0;
}

static bool check_call(struct rift_rpc_client *c, const void *ud)
{
        Rift__Health__V1__CheckRequest rq = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;
        ProtobufCMessage *out = NULL;
        bool good;
        int r;

        rq.service = "bench";
        r = rift_rpc_call(c, health.name, "Check", &rq.base, &rift__health__v1__check_response__descriptor,
                          &out);
        good = r >= 0 && ((Rift__Health__V1__CheckResponse *)out)->status ==
                             RIFT__HEALTH__V1__CHECK_RESPONSE__STATUS__STATUS_SERVING;
        if (out)
                protobuf_c_message_free_unpacked(out, NULL);
        return good;
}

int main(int argc, char **argv)
{
        uint64_t a = 0, b = 0;

        if (argc >= 2 && strcmp(argv[1], "serve") == 0 &&
            (argc == 2 || rift_parse_uint64(argv[2], 65535, &a) == 0))
                return serve((uint16_t)a);
        if (argc == 5 && strcmp(argv[1], "call") == 0 &&
            rift_parse_uint64(argv[3], BENCH_MAX_SECONDS, &a) == 0 &&
            rift_parse_uint64(argv[4], BENCH_MAX_THREADS, &b) == 0 && a > 0 && b > 0)
                return bench_rpc_load(argv[2], a, b, check_call, NULL);
        fprintf(stderr, "usage: %s serve [PORT] | call URL SECONDS THREADS\n", argv[0]);
        return 2;
}
