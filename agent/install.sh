#!/bin/sh
# Installs rift-agent on this machine (or into --root DIR): the binary, the systemd units, and
# /etc/rift/agent.env (mode 0600) with the control-plane endpoint, infrastructure id and one-time access key.
#
#   install.sh --endpoint URL --infra-id ID (--access-key KEY | --access-key-file FILE|-)
#              [--binary PATH] [--root DIR] [--dry-run] [--no-enable] [--start]
#
# --root DIR   install under DIR instead of / (units are enabled with `systemctl --root`, nothing runs)
# --dry-run    print what would be done and change nothing
# A key given with --access-key is visible in `ps`; prefer --access-key-file (or - for stdin).
# Runtime libraries are not installed here. For an https endpoint the agent loads mbedTLS 2.28 when present
# (Debian 12: apt-get install libmbedtls14; ~4 MB less memory), else OpenSSL 3 (libssl3); see docs/agent.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
endpoint='' infra_id='' key='' key_file='' binary='' root='' dry_run=0 enable=1 start=0
units="rift-agent-recover.service rift-agent.service"

die() {
    echo "install.sh: $*" >&2
    exit 2
}

need_arg() {
    [ $# -ge 2 ] || die "$1 needs a value"
}

while [ $# -gt 0 ]; do
    case $1 in
    --endpoint) need_arg "$@"; endpoint=$2; shift ;;
    --infra-id) need_arg "$@"; infra_id=$2; shift ;;
    --access-key) need_arg "$@"; key=$2; shift ;;
    --access-key-file) need_arg "$@"; key_file=$2; shift ;;
    --binary) need_arg "$@"; binary=$2; shift ;;
    --root) need_arg "$@"; root=${2%/}; shift ;;
    --dry-run) dry_run=1 ;;
    --no-enable) enable=0 ;;
    --start) start=1 ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
    esac
    shift
done

if [ -n "$key_file" ]; then
    [ -z "$key" ] || die "--access-key and --access-key-file are exclusive"
    if [ "$key_file" = - ]; then key=$(head -c 4096); else key=$(head -c 4096 "$key_file"); fi
    key=$(printf '%s' "$key" | tr -d '\r\n')
fi

# Values go into an EnvironmentFile: refuse anything that could break out of one line or need quoting.
check_value() {
    [ -n "$2" ] || die "$1 is required"
    [ ${#2} -le 1024 ] || die "$1 is longer than 1024 characters"
    case $2 in
    *[!A-Za-z0-9._~:/?#@!\$\&\(\)*+,\;=%-]*) die "$1 contains characters not allowed in $root/etc/rift/agent.env" ;;
    esac
}
check_value --endpoint "$endpoint"
check_value --infra-id "$infra_id"
check_value --access-key "$key"
case $endpoint in
http://* | https://*) ;;
*) die "--endpoint must start with http:// or https://" ;;
esac

[ -n "$binary" ] || binary=$here/../build/bin/rift-agent
[ -f "$binary" ] || die "binary $binary not found (build it, or pass --binary)"
for u in $units; do
    [ -f "$here/systemd/$u" ] || die "unit $here/systemd/$u not found"
done
if [ -z "$root" ] && [ "$dry_run" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
    die "installing into / needs root (or use --root DIR / --dry-run)"
fi

run() {
    if [ "$dry_run" -eq 1 ]; then
        echo "would run: $*"
    else
        "$@"
    fi
}

# The agent's network process runs as the unprivileged system user "rift" (agent/privsep.c; without it,
# nobody). Under --root the user goes into that root's /etc/passwd, when it has one.
if [ -z "$root" ] || [ -f "$root/etc/passwd" ]; then
    if grep -q '^rift:' "$root/etc/passwd" 2>/dev/null; then
        :
    elif command -v useradd >/dev/null 2>&1; then
        run useradd ${root:+--root "$root"} --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "rift-agent network process" rift
    else
        echo "install.sh: no useradd here; the agent's network process will run as nobody" >&2
    fi
fi

run install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system"
run install -d -m 0750 "$root/etc/rift"
run install -d -m 0700 "$root/var/lib/rift-agent"
run install -m 0755 "$binary" "$root/usr/local/bin/rift-agent"
for u in $units; do
    run install -m 0644 "$here/systemd/$u" "$root/etc/systemd/system/$u"
done

env_file=$root/etc/rift/agent.env
if [ "$dry_run" -eq 1 ]; then
    echo "would write: $env_file (mode 0600) with RIFT_AGENT_CONTROL_PLANE, RIFT_AGENT_INFRA_ID, RIFT_AGENT_ACCESS_KEY"
else
    # Written under umask 077 into a temporary file and renamed: the key is never readable by others.
    tmp=$(umask 077 && mktemp "$root/etc/rift/.agent.env.XXXXXX")
    trap 'rm -f "$tmp"' EXIT
    {
        echo "# rift-agent settings, written by install.sh; read by rift-agent.service"
        echo "RIFT_AGENT_CONTROL_PLANE=$endpoint"
        echo "RIFT_AGENT_INFRA_ID=$infra_id"
        echo "RIFT_AGENT_ACCESS_KEY=$key"
        echo "RIFT_AGENT_JOURNAL=/var/lib/rift-agent"
    } >"$tmp"
    chmod 0600 "$tmp"
    mv -f "$tmp" "$env_file"
    trap - EXIT
fi

if [ "$enable" -eq 1 ]; then
    # $units is a list on purpose
    # shellcheck disable=SC2086
    if [ -n "$root" ]; then
        run systemctl --root="$root" enable $units
    else
        run systemctl daemon-reload
        run systemctl enable $units
        [ "$start" -eq 0 ] || run systemctl start rift-agent.service
    fi
fi
[ "$dry_run" -eq 1 ] || echo "rift-agent installed${root:+ into $root}"
