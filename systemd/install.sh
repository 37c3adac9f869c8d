#!/usr/bin/env bash
# Installs pbx-activation-agent as a systemd service on a system without dpkg, from the release tarball
# (pbx-activation-agent-<version>-linux-x64.tar.gz: no npm, no compiler needed). On Debian 12 / FreePBX 17,
# install the .deb instead (apt install ./pbx-activation-agent_<version>_amd64.deb): same files.
#
#   sudo ./install.sh [--root DIR]
#
# --root DIR   install into DIR as an image builder would (nothing is started there)
#
# From a git checkout (developers, after `npm ci`), it first builds the tarball (`npm run package`) and
# installs that. Idempotent: run it again to upgrade. The configuration, the token and the store are
# never replaced. The system's Node.js is never used or changed: the agent brings its own runtime.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
NAME=pbx-activation-agent
ROOT=""
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { printf '%s\n' "install: $*"; }
die() { printf '%s\n' "install: error: $*" >&2; exit 1; }

if [ ! -d "$HERE/tree" ]; then
  # A checkout: build the tarball, then install from it.
  [ -x "$HERE/../packaging/build.sh" ] || die "$HERE holds neither a release tree (tree/) nor a checkout"
  say "building the release from the checkout (npm run package)"
  bash "$HERE/../packaging/build.sh" >/dev/null
  version=$(node -p "require('$HERE/../package.json').version")
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  tar -xzf "$HERE/../release/$NAME-$version-linux-x64.tar.gz" -C "$work"
  bash "$work/$NAME-$version/install.sh" "${ARGS[@]}"
  exit 0
fi

TREE=$HERE/tree
if [ -n "$ROOT" ]; then ROOT=$(mkdir -p "$ROOT" && cd "$ROOT" && pwd); fi
LIVE=no
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then LIVE=yes; fi

# --- can this system run it ------------------------------------------------------------------------------
os=unknown
if [ -r "$ROOT/etc/os-release" ]; then os=$(. "$ROOT/etc/os-release" && echo "${ID:-unknown}:${VERSION_ID:-}"); fi
case $os in
  sangoma:7* | centos:7* | rhel:7*)
    die "this is $os (FreePBX 16 / SNG7): its glibc 2.17 cannot run Node.js 24. Run the agent on another host in fleet mode (README, \"Fleet\")" ;;
esac
[ "$(uname -m)" = x86_64 ] || [ -n "$ROOT" ] || die "this release is for x86_64; this machine is $(uname -m)"
if [ -z "$ROOT" ] && ! "$TREE/opt/$NAME/runtime/bin/node" -e 0 2>/dev/null; then
  die "the bundled Node.js does not run here (it needs glibc 2.28 or newer): run the agent on another host in fleet mode (README, \"Fleet\")"
fi
say "installing $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$TREE/opt/$NAME/app/package.json") into ${ROOT:-/} ($os)"

# --- files ----------------------------------------------------------------------------------------------
FIRST=yes
if [ -d "$ROOT/opt/$NAME/app" ]; then FIRST=no; fi
if [ "$LIVE" = yes ]; then systemctl stop "$NAME.service" 2>/dev/null || true; fi
# /opt/pbx-activation-agent is the agent's alone: replaced whole, so no file of an older version stays.
rm -rf "$ROOT/opt/.$NAME.new"
mkdir -p "$ROOT/opt"
cp -R --preserve=mode,timestamps "$TREE/opt/$NAME" "$ROOT/opt/.$NAME.new"
rm -rf "${ROOT:?}/opt/$NAME.old"
if [ -d "$ROOT/opt/$NAME" ]; then mv "$ROOT/opt/$NAME" "$ROOT/opt/$NAME.old"; fi
mv "$ROOT/opt/.$NAME.new" "$ROOT/opt/$NAME"
rm -rf "${ROOT:?}/opt/$NAME.old"
# Everything else file by file, as dpkg does: directories that exist keep their owner and mode, new ones
# get the tree's; the configuration is a configuration file, never replaced.
(cd "$TREE" && find . -path "./opt/$NAME" -prune -o -type d -print | sort) | while IFS= read -r dir; do
  if [ ! -d "$ROOT/$dir" ]; then mkdir -p "$ROOT/$dir" && chmod "$(stat -c %a "$TREE/$dir")" "$ROOT/$dir"; fi
done
(cd "$TREE" && find . -path "./opt/$NAME" -prune -o ! -type d -print | sort) | while IFS= read -r file; do
  if [ "$file" = "./etc/$NAME/config.json" ] && [ -e "$ROOT/$file" ]; then continue; fi
  cp -P --preserve=mode,timestamps "$TREE/$file" "$ROOT/$file.new"
  mv -f "$ROOT/$file.new" "$ROOT/$file"
done

# --- user, directories, token (as the Debian package's postinst) ------------------------------------------
"$ROOT/opt/$NAME/libexec/setup-host.sh" ${ROOT:+--root "$ROOT"}
if [ "$FIRST" = yes ]; then
  mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
  ln -sfn "/lib/systemd/system/$NAME.service" "$ROOT/etc/systemd/system/multi-user.target.wants/$NAME.service"
fi
if [ "$LIVE" = yes ]; then
  systemctl daemon-reload
  if systemctl is-enabled --quiet "$NAME.service"; then
    systemctl start "$NAME.service"
    say "$NAME.service is running (journalctl -u $NAME)"
  fi
else
  say "$NAME.service is enabled in ${ROOT:-/}; it starts at the next boot"
fi
say "done. Edit /etc/$NAME/config.json, then check the host: sudo $NAME doctor"
