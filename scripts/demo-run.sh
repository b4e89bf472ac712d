#!/usr/bin/env bash
# Runs make run's sample experiment "rift-demo" (scripts/run.d/30-demo.sh) through GraphQL, follows it
# until it ends, then prints its log lines, the fault verdicts, the probe verdict and the resilience score.
# Usage: scripts/demo-run.sh   (RUN = make run's run directory, default build/run; DEMO_ADMIN_PASSWORD as
# for make run; DEMO_TIMEOUT seconds to wait for the end, default 120). Exit 0 when the run completed.
# shellcheck disable=SC2016 # GraphQL $variables are literal
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUN=${RUN:-$PWD/$BUILD/run}
timeout_s=${DEMO_TIMEOUT:-120}
env_file=$RUN/demo.env
grep -qx DEMO_READY "$env_file" 2>/dev/null || {
    echo "demo-run: no ready demo in $RUN (start \`make run\` as root first)" >&2
    exit 2
}
val() { sed -n "s/^$1=//p" "$env_file"; }
gql_url=$(val DEMO_GRAPHQL) auth=$(val DEMO_AUTH) project=$(val DEMO_PROJECT_ID) exp=$(val DEMO_EXPERIMENT_ID)

# the demo password 30-demo.sh set at the first login, or ADMIN_PASSWORD if the admin had changed it before
token=
for pw in "${DEMO_ADMIN_PASSWORD:-RiftDemo@2024}" ${ADMIN_PASSWORD:+"$ADMIN_PASSWORD"}; do
    token=$(curl -sS --max-time 15 -H 'Content-Type: application/json' \
        -d "$(jq -cn --arg u "$(val DEMO_ADMIN)" --arg p "$pw" '{username: $u, password: $p}')" \
        "$auth/login" | jq -r '.accessToken // empty' 2>/dev/null) || true
    [[ -z $token ]] || break
done
[[ -n $token ]] || { echo "demo-run: cannot log in (set DEMO_ADMIN_PASSWORD or ADMIN_PASSWORD)" >&2; exit 2; }

# $1 query, $2 variables: prints .data, exits on GraphQL errors
gql() {
    local out
    out=$(curl -sS --fail-with-body --max-time 30 -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $token" \
        -d "$(jq -cn --arg q "$1" --argjson v "$2" '{query: $q, variables: $v}')" "$gql_url")
    if jq -e '.errors' <<<"$out" >/dev/null; then
        echo "demo-run: $out" >&2
        exit 1
    fi
    jq -c '.data' <<<"$out"
}

# average ping RTT (ms) from the agent's namespace to the demo service, when we may enter it (root)
svc_ip=$(val DEMO_SERVICE_URL | sed -E 's|^http://([^:/]+).*|\1|')
rtt() {
    [[ $(id -u) -eq 0 ]] || return 0
    ip netns exec "$(val DEMO_NS)" ping -n -q -c "$1" -i 0.2 -W 2 "$svc_ip" 2>/dev/null |
        sed -nE 's|.* = [0-9.]+/([0-9.]+)/.*|\1|p'
}
base=$(rtt 5)

vars=$(jq -cn --arg p "$project" --arg e "$exp" '{p: $p, e: $e}')
run_id=$(gql 'mutation($p: ID!, $e: String!) { runChaosExperiment(projectID: $p, experimentID: $e) { experimentRunID } }' \
    "$vars" | jq -r '.runChaosExperiment.experimentRunID')
echo "demo-run: experiment $exp started, run $run_id (20 s of 200 ms latency to $(val DEMO_SERVICE_URL))"

q='query($p: ID!, $r: ID, $s: Int) { getExperimentRun(projectID: $p, experimentRunID: $r) { phase resiliencyScore
  faults { step fault verdict probeSuccessPercentage message probes { name verdict successPercent message } }
  logs(afterSeq: $s) { seq line } } }'
end=$((SECONDS + timeout_s)) phase='' seen=0
while ((SECONDS < end)); do
    rvars=$(jq -cn --arg p "$project" --arg r "$run_id" --argjson s "$seen" '{p: $p, r: $r, s: $s}')
    run=$(gql "$q" "$rvars" | jq -c '.getExperimentRun')
    phase=$(jq -r '.phase' <<<"$run")
    # log lines as they arrive
    jq -r --argjson s "$seen" '.logs[] | select(.seq > $s) | "  log \(.seq): \(.line)"' <<<"$run"
    if [[ -z ${during:-} ]] && jq -e '.logs[] | select(.line | test("linux-network-latency injected"))' \
        <<<"$run" >/dev/null && [[ -n $base ]]; then
        during=$(rtt 3)
        echo "demo-run: measured ping RTT from the agent's namespace to $svc_ip: ${base} ms before," \
             "${during:-?} ms with the fault"
    fi
    seen=$(jq --argjson s "$seen" '[$s, .logs[].seq] | max' <<<"$run")
    case $phase in Completed | Completed_With_Error | Stopped | Error | Timeout)
        jq -e '.logs | length == 0' <<<"$run" >/dev/null && break ;; # the last lines are read
    esac
    sleep 1
done
echo "demo-run: phase $phase"
jq -r '.faults[] | "demo-run: fault \(.step) (\(.fault)): verdict \(.verdict), probe success \(.probeSuccessPercentage)%"
  + (if (.message // "") != "" then " (\(.message))" else "" end)' <<<"$run"
jq -r '.faults[] | .probes[]? | "demo-run: probe \(.name): verdict \(.verdict), success \(.successPercent)%"
  + (if .message then " (\(.message))" else "" end)' <<<"$run"
echo "demo-run: resilience score $(jq -r '.resiliencyScore' <<<"$run")"
[[ $phase == Completed ]]
