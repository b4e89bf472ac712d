/* The load loop shared by the RPC benchmarks: THREADS callers, each with its own keep-alive
 * lib/rpc_client connection, call one method in a loop for SECONDS and record every latency. */
#ifndef RIFT_BENCH_RPC_LOAD_H
#define RIFT_BENCH_RPC_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/rpc_client.h"

#define BENCH_MAX_THREADS 64
#define BENCH_MAX_SECONDS 600

/* One call; true if the answer is what the benchmark expects. ud is shared by all threads (read-only). */
typedef bool (*bench_rpc_call_fn)(struct rift_rpc_client *c, const void *ud);

/* Runs the load and prints "calls N errors N req/s R p50_ms X p99_ms Y". Returns 0 if every call
 * succeeded, 1 otherwise. */
int bench_rpc_load(const char *url, uint64_t seconds, uint64_t threads, bench_rpc_call_fn fn, const void *ud);

#endif
