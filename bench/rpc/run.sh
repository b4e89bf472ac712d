#!/usr/bin/env bash
# RPC benchmark: Health.Check round trips (Twirp over HTTP/1.1 keep-alive, protobuf) on loopback.
# The server (bench/rpc/bench_rpc.c serve) is pinned to one core, the callers to another; each caller
# thread keeps one connection and makes one call at a time. Prints req/s, p50/p99 and the server's CPU
# time per call (from /proc/PID/stat) per round, and the medians.
# Usage: BUILD=build bench/rpc/run.sh      env: DURATION (s, 10) THREADS (4) ROUNDS (3) SERVER_CPU (0)
#                                               CLIENT_CPU (1) SKIP_BUILD (use the built binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-10}
THREADS=${THREADS:-4}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
bin=$BUILD/bench/rpc/bench_rpc

[[ -n ${SKIP_BUILD:-} ]] || make --no-print-directory BUILD="$BUILD" "$bin" >/dev/null
tmp=$(mktemp -d /tmp/rift-bench-rpc.XXXXXX)
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

taskset -c "$SERVER_CPU" "$bin" serve >"$tmp/server.out" &
server=$!
for _ in $(seq 100); do grep -q '^port ' "$tmp/server.out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$(awk '/^port /{print $2}' "$tmp/server.out")"

echo "Health.Check, $THREADS caller threads for ${DURATION}s, server on cpu $SERVER_CPU, callers on cpu $CLIENT_CPU"
for r in $(seq "$ROUNDS"); do
    before=$(awk '{print $14 + $15}' "/proc/$server/stat")
    line=$(taskset -c "$CLIENT_CPU" "$bin" call "$url" "$DURATION" "$THREADS")
    echo "$line server_cpu_ticks $(($(awk '{print $14 + $15}' "/proc/$server/stat") - before))" | tee -a "$tmp/rounds.txt"
done
/usr/bin/python3 - "$tmp/rounds.txt" <<'PY'
import os, statistics, sys
rows = [dict(zip(l.split()[0::2], map(float, l.split()[1::2]))) for l in open(sys.argv[1]) if l.startswith("calls")]
tck = os.sysconf("SC_CLK_TCK")
for r in rows:
    r["server_us"] = r["server_cpu_ticks"] * 1e6 / tck / max(r["calls"], 1)
med = {k: statistics.median(r[k] for r in rows) for k in ("req/s", "p50_ms", "p99_ms", "server_us")}
print(f"median of {len(rows)} rounds: req/s {med['req/s']:.0f}  p50 {med['p50_ms']:.3f} ms  p99 {med['p99_ms']:.3f} ms"
      f"  server CPU {med['server_us']:.1f} us/call  errors {sum(r['errors'] for r in rows):.0f}")
PY
