#!/usr/bin/env bash
# Removes what install.sh installed. The store (/var/lib/pbx-activation-agent), the
# configuration and the portal token stay unless --purge is given; the service user too.
#
#   systemd/uninstall.sh [--root DIR] [--prefix /opt/pbx-activation-agent] [--purge]
set -euo pipefail

ROOT=""
PREFIX=/opt/pbx-activation-agent
PURGE=no
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
    --purge) PURGE=yes; shift ;;
    -h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$ROOT" ]; then ROOT=$(cd "$ROOT" && pwd); fi
say() { printf '%s\n' "uninstall: $*"; }

if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now pbx-activation-agent.service >/dev/null 2>&1 || true
fi
UNITS=$ROOT/etc/systemd/system
rm -f "$UNITS/multi-user.target.wants/pbx-activation-agent.service" \
  "$UNITS/pbx-activation-agent.service" "$UNITS/pbx-activation-agent-apply@.service" \
  "$ROOT/etc/polkit-1/rules.d/50-pbx-activation-agent.rules" "$ROOT/etc/sudoers.d/pbx-activation-agent" \
  "$ROOT/usr/lib/tmpfiles.d/pbx-activation-agent.conf" "$ROOT/usr/local/bin/pbx-activation-agent"
rm -rf "$UNITS/pbx-activation-agent.service.d" "${ROOT}${PREFIX:?}"
rmdir "$UNITS/multi-user.target.wants" 2>/dev/null || true
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

if [ "$PURGE" = yes ]; then
  rm -rf "$ROOT/var/lib/pbx-activation-agent" "$ROOT/etc/pbx-activation-agent"
  rm -f "$ROOT/usr/lib/sysusers.d/pbx-activation-agent.conf"
  if [ -f "$ROOT/etc/passwd" ] && grep -q '^pbx-agent:' "$ROOT/etc/passwd"; then
    userdel ${ROOT:+--root "$ROOT"} pbx-agent 2>/dev/null || say "could not remove the user pbx-agent; remove it with userdel"
  fi
  say "removed the program, the store and the configuration"
else
  say "removed the program; kept the store (/var/lib/pbx-activation-agent), the configuration (/etc/pbx-activation-agent) and the user pbx-agent (--purge removes them)"
fi
