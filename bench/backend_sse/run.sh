#!/usr/bin/env bash
# rift-backend's live run stream: N clients following one run (GET /sse/runs/{id}): backend RSS and
# idle CPU with the streams open, and delivery latency (PushLogs answered -> line received by every client).
# Usage: BUILD=build bench/backend_sse/run.sh [N...]   (default: 10 100 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-auth" "$BUILD/bin/rift-backend" >/dev/null
ulimit -n "$(ulimit -Hn)"
for n in ${@:-10 100 1000}; do
    echo "--- $n streams"
    BUILD=$BUILD /usr/bin/python3 bench/backend_sse/bench.py "$n"
done
