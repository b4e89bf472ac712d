#!/usr/bin/env bash
# Builds the web portal (web/, TypeScript + Vite + Preact) into $BUILD/web, which rift-backend serves
# with PORTAL_DIR. Called by `make` (target `web`). Installs web/'s locked npm dependencies first
# (scripts/npm-install.sh). Without node/npm it says so and leaves the rest of `make` alone; a failing
# build of existing sources fails. Skips the build when nothing under web/ changed since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
out=$PWD/$BUILD/web

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "web: node/npm not found: the portal is not built (run scripts/deps.sh)" >&2
    exit 0
fi
if ! scripts/npm-install.sh web >/dev/null; then
    echo "web: npm dependencies could not be installed: the portal is not built" >&2
    exit 0
fi
stamp=$out/.built
if [[ -f $stamp && -z $(find web -path web/node_modules -prune -o -path web/dist -prune -o -type f -newer "$stamp" -print -quit) ]]; then
    exit 0
fi
echo "web: building the portal into $BUILD/web"
(cd web && RIFT_WEB_OUT="$out" ./node_modules/.bin/vite build --logLevel warn)
touch "$stamp"
