#!/usr/bin/env bash
# rift-backend with N simulated infrastructures long-polling it: RSS, idle CPU, dispatch latency.
# Usage: BUILD=build bench/backend/run.sh [N...]   (default: 1000 10000)
# Then listExperiment requests/s with LIST_N (default 10000) stored experiments (list_bench.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-auth" "$BUILD/bin/rift-backend" >/dev/null
ulimit -n "$(ulimit -Hn)"   # one socket per simulated infrastructure on each side
for n in "${@:-1000 10000}"; do
    for k in $n; do
        echo "--- $k infrastructures"
        BUILD=$BUILD /usr/bin/python3 bench/backend/bench.py "$k"
    done
done
echo "--- listExperiment with ${LIST_N:-10000} experiments"
BUILD=$BUILD /usr/bin/python3 bench/backend/list_bench.py "${LIST_N:-10000}"
