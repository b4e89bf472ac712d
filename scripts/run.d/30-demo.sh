# Sourced by scripts/run-local.sh after 10-auth.sh and 20-backend.sh: the "first run" demo. As root, it
# creates two network namespaces joined by a veth (nothing on the host's own interfaces changes):
#   $DEMO_NS      where rift-agent runs (10.203.0.1), with a relay on its 127.0.0.1:$DEMO_RELAY_PORT to
#                 rift-backend's InfraService on this host's 127.0.0.1 (scripts/demo-relay.py)
#   $DEMO_SVC_NS  a small HTTP service on http://10.203.0.2:$DEMO_SVC_PORT/
# then, through the public APIs only: logs in as the admin (changing the forced initial password to
# $DEMO_ADMIN_PASSWORD when needed), creates the environment "demo", registers a Linux infrastructure in
# the admin's project, starts `rift-agent run` in $DEMO_NS and saves the experiment "rift-demo" (latency
# on the service's address plus an HTTP probe on it). scripts/demo-run.sh runs it. What it created is
# written to $RUN/demo.env. Uses $BUILD, $RUN, pids, cleanups, auth_rest, backend_http, backend_rpc.
# Variables (defaults): DEMO_NS (rift-demo), DEMO_SVC_NS (rift-demo-svc), DEMO_VETH (rdemo0), DEMO_NET
# (10.203.0, a /24 that exists only inside the namespaces), DEMO_SVC_PORT (8088), DEMO_RELAY_PORT (8000),
# DEMO_ADMIN_PASSWORD (RiftDemo@2024). The namespaces are removed by run-local.sh's cleanup.
# shellcheck disable=SC2016,SC2154 # GraphQL $variables are literal; ports come from 10-auth.sh, 20-backend.sh
demo_ns=${DEMO_NS:-rift-demo}
demo_svc_ns=${DEMO_SVC_NS:-rift-demo-svc}
demo_veth=${DEMO_VETH:-rdemo0}
demo_svc_port=${DEMO_SVC_PORT:-8088}
demo_relay_port=${DEMO_RELAY_PORT:-8000}
demo_net=${DEMO_NET:-10.203.0}
demo_admin=${ADMIN_USERNAME:-admin}
demo_password=${DEMO_ADMIN_PASSWORD:-RiftDemo@2024}

demo_fail() { echo "run: demo: $*; the demo is skipped (services keep running)" >&2; return 1; }

# POST JSON $2 to $1 with the bearer token $demo_token (if set); prints the body, fails on HTTP errors
demo_post() {
    curl -sS --fail-with-body --max-time 15 -H 'Content-Type: application/json' \
        ${demo_token:+-H "Authorization: Bearer $demo_token"} -d "$2" "$1"
}

# GraphQL call: $1 query, $2 variables (JSON). Prints .data; fails (printing the errors) if any.
demo_gql() {
    local out
    out=$(demo_post "http://127.0.0.1:$backend_http/query" "$(jq -cn --arg q "$1" --argjson v "$2" \
        '{query: $q, variables: $v}')") || return 1
    if jq -e '.errors' <<<"$out" >/dev/null; then
        echo "$out" >&2
        return 1
    fi
    jq -c '.data' <<<"$out"
}

demo_netns_down() {
    local ns p
    for ns in "$demo_ns" "$demo_svc_ns"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}

demo_netns_up() {
    local ns
    for ns in "$demo_ns" "$demo_svc_ns"; do
        if ip netns list | grep -qx "$ns\( .*\)\?"; then
            [[ -z $(ip netns pids "$ns") ]] || { demo_fail "namespace $ns is in use (another make run?)"; return 1; }
            ip netns del "$ns"
        fi
    done
    ip netns add "$demo_ns" && ip netns add "$demo_svc_ns" || return 1
    cleanups+=(demo_netns_down)
    ip -n "$demo_ns" link add "$demo_veth" type veth peer name "${demo_veth}p" netns "$demo_svc_ns" &&
        ip -n "$demo_ns" addr add "$demo_net.1/24" dev "$demo_veth" &&
        ip -n "$demo_svc_ns" addr add "$demo_net.2/24" dev "${demo_veth}p" &&
        for ns in "$demo_ns" "$demo_svc_ns"; do
            ip -n "$ns" link set lo up || return 1
        done &&
        ip -n "$demo_ns" link set "$demo_veth" up && ip -n "$demo_svc_ns" link set "${demo_veth}p" up
}

# the HTTP service in $demo_svc_ns and the relay to the backend in $demo_ns; waits until both answer
demo_services() {
    mkdir -p "$RUN/demo-www"
    echo "Rift demo service: if you can read this, it is up." >"$RUN/demo-www/index.html"
    ip netns exec "$demo_svc_ns" /usr/bin/python3 -m http.server --bind "$demo_net.2" \
        --directory "$RUN/demo-www" "$demo_svc_port" >>"$RUN/logs/demo-service.log" 2>&1 &
    pids+=($!)
    /usr/bin/python3 scripts/demo-relay.py "/run/netns/$demo_ns" "$demo_relay_port" "$backend_rpc" \
        >>"$RUN/logs/demo-relay.log" 2>&1 &
    pids+=($!)
    demo_url="http://$demo_net.2:$demo_svc_port/"
    for _ in $(seq 1 50); do
        ip netns exec "$demo_ns" curl -fsS --max-time 1 -o /dev/null "$demo_url" 2>/dev/null &&
            ip netns exec "$demo_ns" curl -sS --max-time 1 -o /dev/null \
                "http://127.0.0.1:$demo_relay_port/" 2>/dev/null && return 0
        sleep 0.1
    done
    demo_fail "the demo service or the relay did not come up (see $RUN/logs/demo-*.log)"
}

# logs the admin in; the forced first password change goes to $demo_password. Sets demo_token, demo_project.
demo_login() {
    local out pw
    for pw in "${ADMIN_PASSWORD:-Litmus@123}" "$demo_password"; do
        demo_token=
        out=$(demo_post "http://127.0.0.1:$auth_rest/login" \
            "$(jq -cn --arg u "$demo_admin" --arg p "$pw" '{username: $u, password: $p}')") || continue
        demo_token=$(jq -r '.accessToken // empty' <<<"$out")
        [[ -n $demo_token ]] && break
    done
    [[ -n $demo_token ]] || {
        demo_fail "cannot log in as $demo_admin with ADMIN_PASSWORD or DEMO_ADMIN_PASSWORD (set one to its password)"
        return 1
    }
    # only while the forced first change is pending (403 password_change_required on other endpoints)
    if [[ $(curl -sS --max-time 15 -H "Authorization: Bearer $demo_token" \
        "http://127.0.0.1:$auth_rest/list_projects") == *password_change_required* ]] && demo_post "http://127.0.0.1:$auth_rest/update/password" \
        "$(jq -cn --arg o "$pw" --arg n "$demo_password" '{oldPassword: $o, newPassword: $n}')" >/dev/null; then
        echo "run: demo: changed $demo_admin's initial password to $demo_password (DEMO_ADMIN_PASSWORD)"
        pw=$demo_password
        demo_token=
        out=$(demo_post "http://127.0.0.1:$auth_rest/login" \
            "$(jq -cn --arg u "$demo_admin" --arg p "$pw" '{username: $u, password: $p}')") || return 1
        demo_token=$(jq -r '.accessToken // empty' <<<"$out")
    fi
    demo_project=$(jq -r '.projectID // empty' <<<"$out")
    [[ -n $demo_token && -n $demo_project ]] || { demo_fail "login as $demo_admin gave no token/project: $out"; return 1; }
}

# environment "demo" and a Linux infrastructure; a second make run on the same data reuses both
# (the agent keeps its access key in $RUN/data/demo-agent). Sets demo_infra, demo_key.
demo_register() {
    demo_key=
    if [[ -f $RUN/demo.env && -f $RUN/data/demo-agent/access_key ]]; then
        demo_infra=$(sed -n 's/^DEMO_INFRA_ID=//p' "$RUN/demo.env")
        [[ -n $demo_infra ]] && return 0
    fi
    demo_gql 'mutation($p: ID!) { createEnvironment(projectID: $p, request: {environmentID: "demo",
        name: "Demo", type: NON_PROD, tags: ["demo"]}) { environmentID } }' \
        "$(jq -cn --arg p "$demo_project" '{p: $p}')" >/dev/null 2>&1 || true   # exists already: fine
    local out
    out=$(demo_gql 'mutation($p: ID!) { registerInfra(projectID: $p, request: {name: "demo-box",
        environmentID: "demo", infrastructureType: Linux, platformName: "linux"}) { infraID token } }' \
        "$(jq -cn --arg p "$demo_project" '{p: $p}')") || { demo_fail "registerInfra failed"; return 1; }
    demo_infra=$(jq -r '.registerInfra.infraID' <<<"$out")
    demo_key=$(jq -r '.registerInfra.token' <<<"$out")
}

demo_agent() {
    mkdir -p "$RUN/data/demo-agent"
    # nsenter joins the network namespace only (ip netns exec would remount /sys and hide the cgroups)
    RIFT_AGENT_CONTROL_PLANE="http://127.0.0.1:$demo_relay_port" RIFT_AGENT_INFRA_ID="$demo_infra" \
    RIFT_AGENT_ACCESS_KEY="$demo_key" RIFT_AGENT_JOURNAL="$RUN/data/demo-agent" \
    RIFT_AGENT_POLL_WAIT=${RIFT_AGENT_POLL_WAIT:-2s} RIFT_AGENT_HEARTBEAT_INTERVAL=${RIFT_AGENT_HEARTBEAT_INTERVAL:-5s} \
        nsenter --net="/run/netns/$demo_ns" "$BUILD/bin/rift-agent" run >>"$RUN/logs/rift-agent.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        [[ -f $RUN/data/demo-agent/access_key ]] && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    demo_fail "rift-agent did not register (see $RUN/logs/rift-agent.log)"
}

# the sample experiment: 200 ms latency towards the service for 20 s, probed by an HTTP GET every second
demo_experiment() {
    local m
    m=$(jq -cn --arg dev "$demo_veth" --arg ip "$demo_net.2" --arg url "$demo_url" '{groups: [{steps: [
        {name: "latency", fault: "linux-network-latency", duration: "20s", probes: ["demo-http"],
         tunables: {NETWORK_LATENCY: "200", NETWORK_INTERFACES: $dev, DESTINATION_IPS: $ip}}]}],
        probes: [{name: "demo-http", type: "httpProbe", mode: "Continuous",
         runProperties: {probeTimeout: "2s", interval: "1s", probePollingInterval: "1s", attempt: 1},
         "httpProbe/inputs": {url: $url, method: {get: {criteria: "==", responseCode: "200"}}}}]}')
    demo_gql 'mutation($p: ID!, $r: SaveChaosExperimentRequest!) { saveChaosExperiment(projectID: $p, request: $r) }' \
        "$(jq -cn --arg p "$demo_project" --arg m "$m" --arg i "$demo_infra" \
            '{p: $p, r: {id: "rift-demo", name: "rift-demo", description: "first-run demo: latency + HTTP probe",
              manifest: $m, infraID: $i}}')" >/dev/null || { demo_fail "saveChaosExperiment failed"; return 1; }
}

demo_start() {
    { command -v jq && command -v nsenter; } >/dev/null || { demo_fail "jq and nsenter are needed"; return 1; }
    [[ -n ${backend_http:-} && -n ${auth_rest:-} ]] || { demo_fail "rift-auth and rift-backend must run"; return 1; }
    [[ ! -f $RUN/demo.env ]] || sed -i '/^DEMO_READY$/d' "$RUN/demo.env" # a previous start's
    demo_netns_up || { demo_fail "cannot create the demo namespaces"; return 1; }
    demo_services && demo_login && demo_register && demo_agent && demo_experiment || return 1
    {
        echo "DEMO_GRAPHQL=http://127.0.0.1:$backend_http/query"
        echo "DEMO_AUTH=http://127.0.0.1:$auth_rest"
        echo "DEMO_ADMIN=$demo_admin"
        echo "DEMO_PROJECT_ID=$demo_project"
        echo "DEMO_INFRA_ID=$demo_infra"
        echo "DEMO_EXPERIMENT_ID=rift-demo"
        echo "DEMO_SERVICE_URL=$demo_url"
        echo "DEMO_NS=$demo_ns"
    } >"$RUN/demo.env"
    echo "run: demo: namespaces $demo_ns (rift-agent, 127.0.0.1:$demo_relay_port relays to the backend) and" \
         "$demo_svc_ns (HTTP service $demo_url), joined by veth $demo_veth"
    echo "run: demo: environment \"demo\", infrastructure $demo_infra in $demo_admin's project $demo_project;" \
         "rift-agent log in $RUN/logs/rift-agent.log"
    echo "run: demo: experiment \"rift-demo\" saved (200 ms latency to $demo_net.2 for 20 s + HTTP probe on" \
         "$demo_url); run it with: RUN=$RUN scripts/demo-run.sh"
    echo "DEMO_READY" >>"$RUN/demo.env"
}

if [[ -x $BUILD/bin/rift-agent ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "run: demo: the demo agent needs root (network namespaces, faults); skipped"
    else
        demo_start || true
    fi
fi
