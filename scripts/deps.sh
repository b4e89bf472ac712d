#!/usr/bin/env bash
# Installs every build and test dependency of Rift on Debian 12. Idempotent: a second run only checks.
# Usage: scripts/deps.sh [--quiet]
set -euo pipefail

PKGS=(
  build-essential pkg-config clang clang-format libclang-rt-14-dev
  libevent-dev libmongoc-dev libbson-dev libcjson-dev libsodium-dev libcurl4-openssl-dev libssl-dev libmbedtls-dev
  libprotobuf-c-dev protobuf-c-compiler libyaml-dev libsqlite3-dev libnl-route-3-dev
  libnetfilter-queue-dev libmnl-dev libcmocka-dev
  prometheus stress-ng iproute2 iptables iputils-ping wrk nginx-light openssl curl
  python3-pytest python3-yaml python3-requests nodejs npm jq util-linux systemd
  chromium
  prometheus-node-exporter
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# nodejs/npm may come from outside Debian on these machines: a working node counts as installed.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: all Debian packages present"
fi

# nginx-light's postinst may start a system nginx on port 80; benchmarks run their own on loopback.
if command -v service >/dev/null 2>&1 && pgrep -x nginx >/dev/null 2>&1; then
  nginx -s stop >/dev/null 2>&1 || true
fi

# npm tools used by tests (MongoDB-compatible server, graphql-js reference). Installed into
# build/node_modules-like folders by the scripts that need them: see scripts/mongo-compat.sh.
exit 0
