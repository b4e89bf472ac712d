#!/usr/bin/env bash
# make run: starts the local stack on the embedded defaults (SQLite under build/run/data) and prints
# where each service listens. Grows as services land; today it starts every service binary that exists.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUN=${RUN:-$PWD/$BUILD/run}
mkdir -p "$RUN/data" "$RUN/logs"
pids=()
cleanups=() # commands a fragment adds to undo what is not a process (run after every process has exited)
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for c in "${cleanups[@]}"; do "$c" || true; done
    cleanups=()
}
trap cleanup EXIT INT TERM

started=0
for f in scripts/run.d/*.sh; do
    [[ -f $f ]] || continue
    # each fragment starts one service if its binary exists, appending to pids and printing its address
    # shellcheck source=/dev/null
    source "$f"
done
if [[ $started -eq 0 ]]; then
    echo "run: no service binaries are built yet; nothing to start"
    exit 0
fi
echo "run: stack is up (logs in $RUN/logs); Ctrl-C to stop"
wait -n "${pids[@]}"
echo "run: a service exited; stopping the rest" >&2
exit 1
