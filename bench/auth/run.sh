#!/usr/bin/env bash
# rift-auth benchmark: AuthService.ValidateRequest calls per second and p50/p99 latency (Twirp over
# HTTP/1.1 keep-alive, protobuf, warm token cache) on loopback, and the resident memory of an idle
# rift-auth holding USERS accounts and PROJECTS projects in SQLite. The server is pinned to one core,
# the callers to another. Production password hashing (argon2id 64 MiB) is used.
# Usage: BUILD=build bench/auth/run.sh    env: DURATION (s, 10) THREADS (4) ROUNDS (3) USERS (10000)
#                                              PROJECTS (1000) SERVER_CPU (0) CLIENT_CPU (1)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-10}
THREADS=${THREADS:-4}
ROUNDS=${ROUNDS:-3}
USERS=${USERS:-10000}
PROJECTS=${PROJECTS:-1000}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
bench=$BUILD/bench/auth/bench_auth
auth=$BUILD/bin/rift-auth

make --no-print-directory BUILD="$BUILD" "$bench" "$auth" >/dev/null
tmp=$(mktemp -d /tmp/rift-bench-auth.XXXXXX)
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mem_kb() {   # "rss N anon N file N pss N" in kB
    awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} END {printf "rss %d anon %d file %d", r, a, f}' "/proc/$1/status"
    awk '/^Pss:/ {p=$2} END {printf " pss %d\n", p}' "/proc/$1/smaps_rollup"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of the server, clock ticks
hz=$(getconf CLK_TCK)

"$bench" seed "sqlite://$tmp/auth.db" "$USERS" "$PROJECTS"
rest=$(free_port) rpc=$(free_port)
ADMIN_USERNAME=admin ADMIN_PASSWORD='Bench@Admin1' DB_SERVER="sqlite://$tmp/auth.db" REST_PORT=$rest RPC_PORT=$rpc \
    taskset -c "$SERVER_CPU" "$auth" >"$tmp/auth.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$rest/status" >/dev/null 2>&1 && break; sleep 0.1; done

url=http://127.0.0.1:$rest
first=$(curl -fsS -XPOST "$url/login" -d '{"username":"admin","password":"Bench@Admin1"}' | json '["accessToken"]')
curl -fsS -XPOST "$url/update/password" -H "Authorization: Bearer $first" \
    -d '{"oldPassword":"Bench@Admin1","newPassword":"Bench@Admin2"}' >/dev/null
login=$(curl -fsS -XPOST "$url/login" -d '{"username":"admin","password":"Bench@Admin2"}')
token=$(echo "$login" | json '["accessToken"]')
project=$(echo "$login" | json '["projectID"]')
sleep 3
echo "idle memory with $USERS users and $PROJECTS projects (kB): $(mem_kb "$server")"

results=()
for round in $(seq 1 "$ROUNDS"); do
    before=$(cpu_ticks "$server")
    line=$(taskset -c "$CLIENT_CPU" "$bench" validate "http://127.0.0.1:$rpc" "$DURATION" "$THREADS" "$token" "$project")
    ticks=$(($(cpu_ticks "$server") - before))
    calls=$(echo "$line" | awk '{print $2}')
    per_cpu_s=$(awk -v c="$calls" -v t="$ticks" -v hz="$hz" 'BEGIN { printf "%d", t ? c * hz / t : 0 }')
    line="$line server_cpu_s $(awk -v t="$ticks" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }') calls_per_server_cpu_s $per_cpu_s"
    echo "round $round: $line"
    results+=("$line")
done
echo "memory after the validation rounds (kB): $(mem_kb "$server")"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { printf '%s\n' "${results[@]}" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' | median; }
echo "median of $ROUNDS rounds: ValidateRequest $(col req/s) req/s, p50 $(col p50_ms) ms, p99 $(col p99_ms) ms," \
     "$(col calls_per_server_cpu_s) calls per second of server CPU"
