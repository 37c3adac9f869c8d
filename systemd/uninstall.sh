#!/usr/bin/env bash
# Removes what install.sh installed (from the release tarball; also /opt/pbx-activation-agent/libexec/uninstall.sh).
# The store (/var/lib/pbx-activation-agent) and the configuration stay unless --purge is given, as with
# `dpkg -r` and `dpkg -P`. The user pbx-agent stays either way (as Debian leaves system users).
# A Debian package installation is removed with apt (apt remove / apt purge pbx-activation-agent).
#
#   uninstall.sh [--root DIR] [--purge]
set -euo pipefail

NAME=pbx-activation-agent
ROOT=""
PURGE=no
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --purge) PURGE=yes; shift ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$ROOT" ]; then ROOT=$(cd "$ROOT" && pwd); fi
say() { printf '%s\n' "uninstall: $*"; }
if [ -z "$ROOT" ] && command -v dpkg-query >/dev/null && dpkg-query -W -f '${Status}' "$NAME" 2>/dev/null | grep -q ' installed$'; then
  echo "uninstall: $NAME was installed by its Debian package: apt remove $NAME (or apt purge $NAME)" >&2
  exit 1
fi
LIVE=no
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then LIVE=yes; fi

if [ "$LIVE" = yes ]; then systemctl disable --now "$NAME.service" >/dev/null 2>&1 || true; fi
rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/$NAME.service" \
  "$ROOT/lib/systemd/system/$NAME.service" "$ROOT/lib/systemd/system/$NAME-apply@.service" \
  "$ROOT/usr/bin/$NAME" "$ROOT/usr/lib/sysusers.d/$NAME.conf" "$ROOT/usr/lib/tmpfiles.d/$NAME.conf" \
  "$ROOT/usr/share/polkit-1/rules.d/50-$NAME.rules" "$ROOT/usr/share/man/man1/$NAME.1.gz" \
  "$ROOT/usr/share/lintian/overrides/$NAME"
rm -rf "${ROOT:?}/opt/$NAME" "$ROOT/usr/share/doc/$NAME" "$ROOT/var/cache/$NAME"
if [ "$LIVE" = yes ]; then systemctl daemon-reload; fi

if [ "$PURGE" = yes ]; then
  rm -rf "$ROOT/var/lib/$NAME" "$ROOT/etc/$NAME" "$ROOT/etc/systemd/system/$NAME.service.d"
  say "removed the program, the store and the configuration (the user pbx-agent stays: userdel pbx-agent)"
else
  say "removed the program; kept the store (/var/lib/$NAME) and the configuration (/etc/$NAME); --purge removes them"
fi
