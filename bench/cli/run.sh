#!/usr/bin/env bash
# riftctl against a local rift-auth + rift-backend: wall time of the chaos commands (medians of REPS
# runs) and peak RSS. Usage: BUILD=build bench/cli/run.sh [REPS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-auth" "$BUILD/bin/rift-backend" "$BUILD/bin/riftctl" >/dev/null
BUILD=$BUILD /usr/bin/python3 bench/cli/bench.py "${1:-20}"
