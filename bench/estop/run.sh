#!/usr/bin/env bash
# Emergency stop: time from the emergencyStop mutation to the last fault reverted with N real agents
# running faults, each in its own network namespaces (root).
# Usage: BUILD=build bench/estop/run.sh [N] [rounds] [rate-limit|partition]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
if [[ $(id -u) -ne 0 ]]; then
    echo "estop bench: needs root (network namespaces); skipped"
    exit 0
fi
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-auth" "$BUILD/bin/rift-backend" "$BUILD/bin/rift-agent" >/dev/null
ulimit -n "$(ulimit -Hn)"
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
RIFT_BUILD=$BUILD /usr/bin/python3 bench/estop/bench.py "${1:-50}" "${2:-3}" "${3:-rate-limit}"
