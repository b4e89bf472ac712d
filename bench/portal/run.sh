#!/usr/bin/env bash
# The portal in headless Chromium against real rift-auth + rift-backend on free ports: gzipped size of
# the JavaScript and CSS the login page and the experiment list load, and the time from navigation to
# the experiment list rendered with N experiments in the project (median of ROUNDS).
# Usage: BUILD=build bench/portal/run.sh [N]   (default 500; ROUNDS=15)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory BUILD="$BUILD" "$BUILD/bin/rift-auth" "$BUILD/bin/rift-backend" web >/dev/null
n=${1:-500}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rest=$(port) arpc=$(port) http=$(port) brpc=$(port)
cp -r "$BUILD/web" "$tmp/portal"
# the floor on this machine: a static page with the same 25-row table, no script, no API call
{ echo '<!doctype html><title>floor</title><table>'; for i in $(seq 25); do echo "<tr data-experiment=\"exp-$i\"><td>exp-$i</td><td>box</td></tr>"; done; echo '</table><p>Page 1 of 20 (500 experiments)</p>'; } >"$tmp/portal/bench-floor.html"
echo "window.RIFT_CONFIG = { authURL: \"http://127.0.0.1:$rest\", apiURL: \"\" };" >"$tmp/portal/config.js"
ADMIN_USERNAME=admin ADMIN_PASSWORD='Litmus@123' DB_SERVER="sqlite://$tmp/auth.db" REST_PORT=$rest RPC_PORT=$arpc \
    PASSWORD_HASH_MEMORY=64k PASSWORD_HASH_OPS=1 ALLOWED_ORIGINS="http://127.0.0.1:$http" \
    "$BUILD/bin/rift-auth" >"$tmp/auth.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$rest/status" >/dev/null && break; sleep 0.1; done
HTTP_PORT=$http RPC_PORT=$brpc DB_SERVER="sqlite://$tmp/backend.db" AUTH_RPC_ADDR=127.0.0.1:$arpc \
    PORTAL_DIR="$tmp/portal" "$BUILD/bin/rift-backend" >"$tmp/backend.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$http/status" >/dev/null && break; sleep 0.1; done
node bench/portal/bench.mjs "http://127.0.0.1:$http/" "http://127.0.0.1:$rest" "$n" "${ROUNDS:-15}"
