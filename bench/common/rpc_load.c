#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/common/rpc_load.h"

#define MAX_SAMPLES (4u * 1024 * 1024) /* latencies kept per thread */

struct worker {
        const char *url;      /* RPC base URL */
        bench_rpc_call_fn fn; /* the call */
        const void *ud;       /* its argument */
        double end;           /* monotonic second to stop at */
        uint32_t *lat_us;     /* latency samples */
        size_t n;             /* samples taken */
        size_t errors;        /* failed or unexpected answers */
        pthread_t thread;     /* the worker */
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

        if (rift_rpc_client_new(&(struct rift_rpc_client_config){ .base_url = w->url }, &c) < 0) {
                w->errors++;
                return NULL;
        }
        for (double t = now_s(); t < w->end && w->n < MAX_SAMPLES;) {
                bool good = w->fn(c, w->ud);
                double t2 = now_s();

                if (good)
                        w->lat_us[w->n++] = (uint32_t)((t2 - t) * 1e6);
                else
                        w->errors++;
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

static int report(const struct worker *w, size_t threads, double seconds)
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

int bench_rpc_load(const char *url, uint64_t seconds, uint64_t threads, bench_rpc_call_fn fn, const void *ud)
{
        static struct worker w[BENCH_MAX_THREADS];
        double start = now_s();
        size_t started = 0;
        int r = 1;

        if (threads == 0 || threads > BENCH_MAX_THREADS)
                return 1;
        for (; started < threads; started++) {
                w[started] =
                    (struct worker){ .url = url, .fn = fn, .ud = ud, .end = start + (double)seconds };
                w[started].lat_us = malloc(MAX_SAMPLES * sizeof(uint32_t));
                if (!w[started].lat_us || pthread_create(&w[started].thread, NULL, work, &w[started]) != 0) {
                        free(w[started].lat_us);
                        break;
                }
        }
        for (size_t i = 0; i < started; i++)
                pthread_join(w[i].thread, NULL);
        if (started == threads)
                r = report(w, threads, now_s() - start);
        for (size_t i = 0; i < started; i++)
                free(w[i].lat_us);
        return r;
}
