# Sourced by scripts/run-local.sh before 20-backend.sh: the secret that rift-backend's ResultService
# and rift-exporter (25-exporter.sh) share (docs/observability/README.md). Kept 0600 in
# $RUN/data/results.token so restarts agree; a RESULTS_TOKEN set by the caller wins.
if [[ -z ${RESULTS_TOKEN:-} ]]; then
    if [[ ! -s $RUN/data/results.token ]]; then
        (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$RUN/data/results.token")
    fi
    RESULTS_TOKEN=$(cat "$RUN/data/results.token")
fi
export RESULTS_TOKEN
