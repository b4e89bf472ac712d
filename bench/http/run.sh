#!/usr/bin/env bash
# HTTP benchmark: wrk with keep-alive on loopback against (a) lib/http_server answering a small JSON GET
# (bench/http/bench_server.c) and (b) a private nginx serving the same bytes as a static file. Each server
# is pinned to one core, wrk to another; rounds alternate the two sides; medians and the ratio are printed,
# with each server's CPU time per request (from /proc/PID/stat), which the shared machine disturbs less.
# Usage: BUILD=build bench/http/run.sh      env: DURATION (s, 10) CONNS (50) ROUNDS (3)
#                                                SERVER_CPU (0) CLIENT_CPU (1) SKIP_BUILD (use the built binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

[[ -n ${SKIP_BUILD:-} ]] || make --no-print-directory BUILD="$BUILD" "$BUILD/bench/http/bench_server" >/dev/null
tmp=$(mktemp -d /tmp/rift-bench-http.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cpu_ticks() { # pid: user + system CPU time so far, in clock ticks
    awk '{print $14 + $15}' "/proc/$1/stat"
}

wait_http() { # url: bounded wait until it answers 200
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench: $1 did not come up" >&2
    return 1
}

# (a) Rift
taskset -c "$SERVER_CPU" "$BUILD/bench/http/bench_server" >"$tmp/rift.out" &
pids+=($!)
rift_pid=$!
for _ in $(seq 100); do grep -q '^port ' "$tmp/rift.out" 2>/dev/null && break; sleep 0.1; done
rift_url="http://127.0.0.1:$(awk '/^port /{print $2}' "$tmp/rift.out")/hello"

# (b) nginx with a private prefix: never the system configuration
nport=$(free_port)
mkdir -p "$tmp/www" "$tmp/temp"
cp bench/http/hello.json "$tmp/www/hello"
cat >"$tmp/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    client_body_temp_path $tmp/temp/body;
    proxy_temp_path $tmp/temp/proxy;
    fastcgi_temp_path $tmp/temp/fastcgi;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    server {
        listen 127.0.0.1:$nport;
        location = /hello { default_type application/json; alias $tmp/www/hello; }
    }
}
NGINX
taskset -c "$SERVER_CPU" nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" &
pids+=($!)
nginx_pid=$!
nginx_url="http://127.0.0.1:$nport/hello"

wait_http "$rift_url"
wait_http "$nginx_url"
if ! cmp -s <(curl -fsS "$rift_url") <(curl -fsS "$nginx_url"); then
    echo "bench: the two servers answer different bodies" >&2
    exit 1
fi

echo "wrk -t1 -c$CONNS -d${DURATION}s --latency, servers on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU, $ROUNDS rounds"
for r in $(seq "$ROUNDS"); do
    for side in rift nginx; do
        url=$rift_url pid=$rift_pid
        [[ $side == nginx ]] && url=$nginx_url pid=$nginx_pid
        before=$(cpu_ticks "$pid")
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" >"$tmp/$side.$r.txt"
        echo "cpu_ticks $(($(cpu_ticks "$pid") - before))" >>"$tmp/$side.$r.txt"
        echo "round $r $side: $(grep 'Requests/sec' "$tmp/$side.$r.txt")"
    done
done

/usr/bin/python3 - "$tmp" "$ROUNDS" <<'PY'
import os, re, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}
def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {}
    for pct, val, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
        lat[pct] = float(val) * unit[u]
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    total = int(re.search(r"(\d+) requests in", text).group(1))
    ticks = int(re.search(r"cpu_ticks (\d+)", text).group(1))
    cpu_us = ticks * 1e6 / os.sysconf("SC_CLK_TCK") / total
    return rps, lat.get("50"), lat.get("99"), cpu_us, int(errs.group(1)) if errs else 0
res = {}
for side in ("rift", "nginx"):
    runs = [parse(f"{tmp}/{side}.{r}.txt") for r in range(1, rounds + 1)]
    res[side] = tuple(statistics.median(x[i] for x in runs) for i in range(4)) + (sum(x[4] for x in runs),)
print(f"{'server':<8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'cpu us/req':>10} {'non-2xx':>8}")
for side, (rps, p50, p99, cpu, bad) in res.items():
    print(f"{side:<8} {rps:>10.0f} {p50:>8.3f} {p99:>8.3f} {cpu:>10.1f} {bad:>8}")
print(f"ratio rift/nginx req/s: {res['rift'][0] / res['nginx'][0]:.2f}")
print(f"ratio nginx/rift server CPU per request (req/s per core if each had the core to itself): "
      f"{res['nginx'][3] / res['rift'][3]:.2f}")
PY
