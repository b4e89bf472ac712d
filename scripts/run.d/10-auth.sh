# Sourced by scripts/run-local.sh: starts rift-auth if it is built. Uses $BUILD, $RUN, pids, started.
# Data lives in $RUN/data/auth.db; the log in $RUN/logs/rift-auth.log. Environment variables set by the
# caller (ADMIN_USERNAME, ADMIN_PASSWORD, REST_PORT, RPC_PORT, ...) win over the local defaults below.
if [[ -x $BUILD/bin/rift-auth ]]; then
    auth_rest=${REST_PORT:-3000}
    auth_rpc=${RPC_PORT:-3030}
    ADMIN_USERNAME=${ADMIN_USERNAME:-admin} \
    ADMIN_PASSWORD=${ADMIN_PASSWORD:-Litmus@123} \
    DB_SERVER=${DB_SERVER:-sqlite://$RUN/data/auth.db} \
    REST_PORT=$auth_rest RPC_PORT=$auth_rpc \
    ALLOWED_ORIGINS=${ALLOWED_ORIGINS:-http://127.0.0.1:${BACKEND_HTTP_PORT:-8080},http://localhost:${BACKEND_HTTP_PORT:-8080}} \
        "$BUILD/bin/rift-auth" >>"$RUN/logs/rift-auth.log" 2>&1 &
    pids+=($!)
    started=1
    for _ in $(seq 1 50); do
        curl -fsS "http://127.0.0.1:$auth_rest/status" >/dev/null 2>&1 && break
        kill -0 "${pids[-1]}" 2>/dev/null || { echo "run: rift-auth exited; see $RUN/logs/rift-auth.log" >&2; break; }
        sleep 0.1
    done
    echo "run: rift-auth REST on http://127.0.0.1:$auth_rest (login admin / ${ADMIN_PASSWORD:-Litmus@123}," \
         "change it at first login), AuthService RPC on http://127.0.0.1:$auth_rpc"
fi
