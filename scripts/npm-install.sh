#!/usr/bin/env bash
# Installs the npm dependencies of a project folder from its committed package-lock.json (npm ci),
# locally in FOLDER/node_modules, never globally. Idempotent: skips when node_modules already holds
# exactly the locked versions. Safe to call from concurrent test runs (serialised with flock).
# Usage: scripts/npm-install.sh [FOLDER...]   (default: tests/graphql/js)
set -euo pipefail
cd "$(dirname "$0")/.."
folders=("$@")
((${#folders[@]})) || folders=(tests/graphql/js)

command -v npm >/dev/null 2>&1 || { echo "npm-install: npm not found (run scripts/deps.sh)" >&2; exit 1; }

# True when FOLDER/node_modules/.package-lock.json (written by npm ci) lists the same packages as the
# committed lock file.
up_to_date() {
    local dir=$1
    [[ -f $dir/node_modules/.package-lock.json ]] || return 1
    node -e '
        const fs = require("fs");
        const want = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).packages || {};
        const have = JSON.parse(fs.readFileSync(process.argv[2], "utf8")).packages || {};
        for (const [k, v] of Object.entries(want)) {
            if (k === "") continue;
            if (v.optional && !have[k]) continue;  // optional packages of other platforms are never installed
            if (!have[k] || have[k].version !== v.version) process.exit(1);
            if (!fs.existsSync(process.argv[3] + "/" + k + "/package.json")) process.exit(1);
        }' "$dir/package-lock.json" "$dir/node_modules/.package-lock.json" "$dir"
}

for dir in "${folders[@]}"; do
    [[ -f $dir/package-lock.json ]] || { echo "npm-install: $dir has no package-lock.json" >&2; exit 1; }
    exec 9>"${TMPDIR:-/tmp}/rift-npm-install-$(id -u)-${dir//\//_}.lock"
    flock 9
    if up_to_date "$dir"; then
        echo "npm-install: $dir up to date"
    else
        echo "npm-install: npm ci in $dir"
        (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    fi
    exec 9>&-
done
