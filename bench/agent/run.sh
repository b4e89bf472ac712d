#!/usr/bin/env bash
# rift-agent: idle RSS/CPU, inject/revert latency, NFQUEUE shaper accuracy vs packet rate, CPU-stress
# accuracy next to stress-ng. Needs root (namespaces, cgroups).
# Usage: BUILD=build bench/agent/run.sh [idle] [latency] [shaper] [cpu]
#        BENCH_IDLE_SECONDS=300 for the issue's 5-minute idle window (default 60); BENCH_RUNS (10);
#        BENCH_IDLE_TLS=1 for an https control plane (pinned CA) in the idle figures
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-auth" "$BUILD/bin/rift-backend" "$BUILD/bin/rift-agent" >/dev/null
RIFT_BUILD=$PWD/$BUILD exec /usr/bin/python3 bench/agent/bench.py "$@"
