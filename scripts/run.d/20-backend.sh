# Sourced by scripts/run-local.sh after 10-auth.sh: starts rift-backend if it is built. Uses $BUILD, $RUN,
# pids, started, and auth_rpc (rift-auth's RPC port, set by 10-auth.sh). Data lives in
# $RUN/data/backend.db; the log in $RUN/logs/rift-backend.log. BACKEND_HTTP_PORT, BACKEND_RPC_PORT and
# the backend's own variables (DB_SERVER is not shared: use BACKEND_DB_SERVER) win over the defaults.
if [[ -x $BUILD/bin/rift-backend ]]; then
    backend_http=${BACKEND_HTTP_PORT:-8080}
    backend_rpc=${BACKEND_RPC_PORT:-8000}
    # the portal: a copy of $BUILD/web whose config.js names rift-auth's port (the browser calls it directly;
    # 10-auth.sh allows this origin)
    portal_dir=
    if [[ -f $BUILD/web/index.html ]]; then
        portal_dir=$RUN/portal
        rm -rf "$portal_dir" && cp -r "$BUILD/web" "$portal_dir"
        printf 'window.RIFT_CONFIG = { authURL: location.protocol + "//" + location.hostname + ":%s", apiURL: "" };\n' \
            "${auth_rest:-3000}" >"$portal_dir/config.js"
    fi
    PORTAL_DIR=${PORTAL_DIR:-$portal_dir} \
    HTTP_PORT=$backend_http RPC_PORT=$backend_rpc \
    DB_SERVER=${BACKEND_DB_SERVER:-sqlite://$RUN/data/backend.db} \
    AUTH_RPC_ADDR=${AUTH_RPC_ADDR:-127.0.0.1:${auth_rpc:-3030}} \
        "$BUILD/bin/rift-backend" >>"$RUN/logs/rift-backend.log" 2>&1 &
    pids+=($!)
    started=1
    for _ in $(seq 1 50); do
        curl -fsS "http://127.0.0.1:$backend_http/status" >/dev/null 2>&1 && break
        kill -0 "${pids[-1]}" 2>/dev/null || { echo "run: rift-backend exited; see $RUN/logs/rift-backend.log" >&2; break; }
        sleep 0.1
    done
    if [[ -n ${PORTAL_DIR:-$portal_dir} ]]; then echo "run: portal on http://127.0.0.1:$backend_http/"; fi
    echo "run: rift-backend GraphQL on http://127.0.0.1:$backend_http/query," \
         "InfraService on http://127.0.0.1:$backend_rpc/twirp/rift.infra.v1.InfraService"
fi
