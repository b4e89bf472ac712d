#!/usr/bin/env bash
# rift-exporter holding N results (experiments of one fault step each, from a stand-in ResultService)
# scraped side by side with prometheus-node-exporter: scrape time (median, p90) and RSS of each.
# Usage: BUILD=build bench/exporter/run.sh [N...]   (default: 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-exporter" >/dev/null
command -v prometheus-node-exporter >/dev/null || { echo "prometheus-node-exporter missing: scripts/deps.sh" >&2; exit 1; }
for n in "${@:-10000}"; do
    echo "--- $n results"
    BUILD=$BUILD /usr/bin/python3 bench/exporter/bench.py "$n"
done
