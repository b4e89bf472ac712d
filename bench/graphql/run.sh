#!/usr/bin/env bash
# GraphQL benchmark: the portal's experiment-list query (50 items x 10 fields) executed in-process by
# Rift's engine (`gqlexec --bench`) and by graphql-js (`graphql()`, bench.mjs) on the same schema,
# fixture and query, alternating in one run. Prints each round, the medians, and the ratios
# (target: C >= 10x graphql-js's ops/s and < 1/10 of its peak RSS).
# Usage: bench/graphql/run.sh [N]      N = graphql-js iterations per round (default 3000)
# Env: BUILD (default build) selects $BUILD/tests/gqlexec; ROUNDS (default 5); C_N (default 10*N)
#      C iterations per round, so both sides run for comparable times.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-3000}
C_N=${C_N:-$((N * 10))}
ROUNDS=${ROUNDS:-5}
BUILD=${BUILD:-build}
GQLEXEC=$BUILD/tests/gqlexec
QUERY=bench/graphql/experiment_list.graphql
export RIFT_GQL_FIXTURE=$PWD/tests/graphql/fixture.json

scripts/npm-install.sh tests/graphql/js >/dev/null
have_c=0
if [[ -x $GQLEXEC ]]; then
    have_c=1
    # Both sides must give the same answer before their speed means anything.
    req=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' "$QUERY")
    c_out=$(printf '%s\n' "$req" | "$GQLEXEC")
    js_out=$(printf '%s\n' "$req" | node tests/graphql/js/run.mjs)
    /usr/bin/python3 - "$c_out" "$js_out" <<'PY' || { echo "bench: gqlexec and graphql-js answer differently" >&2; exit 1; }
import json, sys
c, js = (json.loads(s) for s in sys.argv[1:3])
items = js["data"]["listExperiments"]["items"]
assert len(items) == 50, len(items)
sys.exit(0 if c == js else 1)
PY
else
    echo "bench: $GQLEXEC not built (make BUILD=$BUILD $GQLEXEC): graphql-js side only" >&2
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "GraphQL benchmark: $(grep -c . "$QUERY") query lines, graphql-js N=$N, C N=$C_N, $ROUNDS rounds"
for ((r = 1; r <= ROUNDS; r++)); do
    if ((have_c)); then
        line=$("$GQLEXEC" --bench "$C_N" "$QUERY")
        echo "round $r  C           $line"
        echo "c $line" >>"$results"
    fi
    line=$(node bench/graphql/bench.mjs "$N" "$QUERY")
    echo "round $r  graphql-js  $line"
    echo "js $line" >>"$results"
done

/usr/bin/python3 - "$results" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, rest = line.split(" ", 1)
    kv = dict(re.findall(r"(\w+)=([0-9.]+)", rest))
    runs.setdefault(side, []).append((float(kv["ops_per_sec"]), float(kv["peak_rss_kb"])))
med = {s: (statistics.median(o for o, _ in v), statistics.median(m for _, m in v)) for s, v in runs.items()}
for side, name in (("c", "C (gqlexec)"), ("js", "graphql-js")):
    if side in med:
        print(f"median {name:12s} ops_per_sec={med[side][0]:.1f} peak_rss_kb={med[side][1]:.0f}")
if "c" in med:
    speed = med["c"][0] / med["js"][0]
    mem = med["c"][1] / med["js"][1]
    print(f"ratio throughput C/graphql-js = {speed:.1f}x (target >= 10x: {'met' if speed >= 10 else 'NOT met'})")
    print(f"ratio peak RSS   C/graphql-js = {mem:.3f} (target < 0.1: {'met' if mem < 0.1 else 'NOT met'})")
PY
((have_c)) || exit 1
