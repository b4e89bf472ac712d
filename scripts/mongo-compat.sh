#!/usr/bin/env bash
# Runs a MongoDB-compatible test server (congodb from @push.rocks/smartmongo, pure JavaScript, in
# memory) on 127.0.0.1, for the store's MongoDB tests. No mongod can be installed on Debian 12.
#   scripts/mongo-compat.sh start PORT DIR   install into DIR once (cached), start, wait until ready
#   scripts/mongo-compat.sh stop PORT DIR    stop the server started for PORT (no error if none)
# DIR is a folder under the build directory, e.g. build/mongo-compat. Needs node and npm and the npm
# registry on first use; nothing is installed globally. Versions are pinned in scripts/mongo-compat/.
set -euo pipefail

SMARTMONGO=@push.rocks/smartmongo@2.2.0
here=$(cd "$(dirname "$0")" && pwd)

usage() { echo "usage: $0 start|stop PORT DIR" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
cmd=$1 port=$2 dir=$3
[[ $port =~ ^[0-9]+$ && $port -gt 0 && $port -lt 65536 ]] || usage
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
app=$dir/congodb
pidfile=$dir/server-$port.pid
logfile=$dir/server-$port.log

install() {
    local stamp=$dir/.installed work
    if [[ -f $stamp && $(cat "$stamp") == "$SMARTMONGO $(sha256sum <"$here/mongo-compat/package-lock.json")" ]]; then
        return 0
    fi
    echo "mongo-compat: installing $SMARTMONGO into $dir" >&2
    work=$(mktemp -d "$dir/.install.XXXXXX")
    (cd "$work" && npm pack --silent "$SMARTMONGO" >/dev/null && tar xzf ./*.tgz)
    [[ -f $work/package/dist_ts/congodb/server/CongoServer.js ]] || { echo "mongo-compat: bad package" >&2; return 1; }
    rm -rf "$app.new"
    cp -r "$work/package/dist_ts/congodb" "$app.new"
    cp "$here/mongo-compat/package.json" "$here/mongo-compat/package-lock.json" "$app.new/"
    (cd "$app.new" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    rm -rf "$app" "$work"
    mv "$app.new" "$app"
    echo "$SMARTMONGO $(sha256sum <"$here/mongo-compat/package-lock.json")" >"$stamp"
}

running() { [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
    # one installer at a time per DIR
    exec 9>"$dir/.lock"
    flock 9
    install
    exec 9>&-
    if running; then
        echo "mongo-compat: already running on $port (pid $(cat "$pidfile"))" >&2
        return 0
    fi
    setsid node "$here/mongo-compat/server.mjs" "$app" "$port" >"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 150); do
        if grep -q "^ready $port" "$logfile" 2>/dev/null; then
            echo "mongo-compat: ready on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2
            return 0
        fi
        if ! running; then break; fi
        sleep 0.1
    done
    echo "mongo-compat: server did not start; log:" >&2
    cat "$logfile" >&2
    stop
    return 1
}

stop() {
    local pid
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile" "$logfile"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
