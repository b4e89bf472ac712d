/* RPC benchmark: Health.Check round trips over Twirp on loopback with keep-alive.
 *   bench_rpc serve [PORT]                 lib/rpc_server on lib/http_server; prints "port N"; SIGTERM stops
 *   bench_rpc call URL SECONDS THREADS     THREADS clients (one connection each) calling for SECONDS; prints
 *                                          calls, errors, req/s, p50 and p99 latency */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>

#include "lib/http_server.h"
#include "lib/macro.h"
#include "lib/rpc_client.h"
#include "lib/rpc_server.h"
#include "lib/str.h"
#include "proto/health.pb-c.h"

#define MAX_THREADS 64
#define MAX_SAMPLES (4u * 1024 * 1024) /* latencies kept per thread */
#define MAX_SECONDS 600

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

struct worker {
        const char *url;  /* server base URL */
        double end;       /* monotonic second to stop at */
        uint32_t *lat_us; /* latency samples */
        size_t n;         /* samples taken */
        size_t errors;    /* failed calls */
        pthread_t thread; /* the worker */
};

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
        struct worker *w = arg;
        struct rift_rpc_client *c;
        Rift__Health__V1__CheckRequest rq = RIFT__HEALTH__V1__CHECK_REQUEST__INIT;

        if (rift_rpc_client_new(&(struct rift_rpc_client_config){ .base_url = w->url }, &c) < 0)
                return NULL;
        rq.service = "bench";
        for (double t = now_s(); t < w->end && w->n < MAX_SAMPLES;) {
                ProtobufCMessage *out = NULL;
                double t2;
                int r = rift_rpc_call(c, health.name, "Check", &rq.base,
                                      &rift__health__v1__check_response__descriptor, &out);

                t2 = now_s();
                if (r < 0 || ((Rift__Health__V1__CheckResponse *)out)->status !=
                                 RIFT__HEALTH__V1__CHECK_RESPONSE__STATUS__STATUS_SERVING)
                        w->errors++;
                else
                        w->lat_us[w->n++] = (uint32_t)((t2 - t) * 1e6);
                if (out)
                        protobuf_c_message_free_unpacked(out, NULL);
                t = t2;
        }
        rift_rpc_client_free(c);
        return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return x < y ? -1 : x > y;
}

static int report(struct worker *w, size_t threads, double seconds)
{
        size_t total = 0, errors = 0, k = 0;
        uint32_t *all;

        for (size_t i = 0; i < threads; i++) {
                total += w[i].n;
                errors += w[i].errors;
        }
        all = malloc((total ? total : 1) * sizeof(*all));
        if (!all)
                return 1;
        for (size_t i = 0; i < threads; i++) {
                memcpy(all + k, w[i].lat_us, w[i].n * sizeof(*all));
                k += w[i].n;
        }
        qsort(all, total, sizeof(*all), cmp_u32);
        printf("calls %zu errors %zu req/s %.0f p50_ms %.3f p99_ms %.3f\n", total, errors,
               (double)total / seconds, total ? all[total / 2] / 1000.0 : 0.0,
               total ? all[total * 99 / 100] / 1000.0 : 0.0);
        free(all);
        return errors > 0;
}

static int call(const char *url, uint64_t seconds, uint64_t threads)
{
        static struct worker w[MAX_THREADS];
        double start = now_s();
        int r;

        for (size_t i = 0; i < threads; i++) {
                w[i] = (struct worker){ .url = url, .end = start + (double)seconds };
                w[i].lat_us = malloc(MAX_SAMPLES * sizeof(uint32_t));
                if (!w[i].lat_us || pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
                        return 1;
        }
        for (size_t i = 0; i < threads; i++)
                pthread_join(w[i].thread, NULL);
        r = report(w, threads, now_s() - start);
        for (size_t i = 0; i < threads; i++)
                free(w[i].lat_us);
        return r;
}

int main(int argc, char **argv)
{
        uint64_t a = 0, b = 0;

        if (argc >= 2 && strcmp(argv[1], "serve") == 0 &&
            (argc == 2 || rift_parse_uint64(argv[2], 65535, &a) == 0))
                return serve((uint16_t)a);
        if (argc == 5 && strcmp(argv[1], "call") == 0 && rift_parse_uint64(argv[3], MAX_SECONDS, &a) == 0 &&
            rift_parse_uint64(argv[4], MAX_THREADS, &b) == 0 && a > 0 && b > 0)
                return call(argv[2], a, b);
        fprintf(stderr, "usage: %s serve [PORT] | call URL SECONDS THREADS\n", argv[0]);
        return 2;
}
