# Sourced by scripts/run-local.sh after 20-backend.sh: starts rift-exporter if it is built, reading
# results from the backend's RPC port (backend_rpc, set by 20-backend.sh) with RESULTS_TOKEN
# (15-results-token.sh). EXPORTER_HTTP_PORT (default 8082) chooses where /metrics listens; when that
# port is taken the exporter is skipped with a message (the rest of the stack does not need it).
# Log: $RUN/logs/rift-exporter.log.
if [[ -x $BUILD/bin/rift-exporter ]]; then
    exporter_http=${EXPORTER_HTTP_PORT:-8082}
    if (exec 3<>"/dev/tcp/127.0.0.1/$exporter_http") 2>/dev/null; then
        echo "run: rift-exporter skipped: 127.0.0.1:$exporter_http is in use (set EXPORTER_HTTP_PORT)" >&2
    else
        HTTP_PORT=$exporter_http SERVER_ADDR="http://127.0.0.1:${backend_rpc:-8000}" \
            "$BUILD/bin/rift-exporter" >>"$RUN/logs/rift-exporter.log" 2>&1 &
        pids+=($!)
        started=1
        for _ in $(seq 1 50); do
            curl -fsS "http://127.0.0.1:$exporter_http/status" >/dev/null 2>&1 && break
            kill -0 "${pids[-1]}" 2>/dev/null || { echo "run: rift-exporter exited; see $RUN/logs/rift-exporter.log" >&2; break; }
            sleep 0.1
        done
        echo "run: rift-exporter litmuschaos_* metrics on http://127.0.0.1:$exporter_http/metrics"
    fi
fi
