#!/usr/bin/env bash
# make bench: runs every benchmark in bench/*/run.sh in turn (or the ones named: scripts/run-bench.sh http rpc).
# Benchmarks print figures and ratios; they are never pass/fail tests. Copy the figures into bench/README.md.
set -uo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
names=("$@")
if ((${#names[@]} == 0)); then
    for d in bench/*/run.sh; do names+=("$(basename "$(dirname "$d")")"); done
fi
status=0
for n in "${names[@]}"; do
    echo "=== bench/$n ==="
    if ! bench/"$n"/run.sh; then
        echo "bench/$n: failed to run" >&2
        status=1
    fi
done
exit $status
