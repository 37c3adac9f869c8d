#!/bin/sh
# Runs as root in pbx-activation-agent-apply@ACTION-DEPLOYMENT.service. The instance name
# is chosen by the (unprivileged) agent, so everything in it is checked before use.
set -eu
instance=${1:-}
action=${instance%%-*}
deployment=${instance#*-}
case $action in
  activate | update) ;;
  *) echo "apply: refusing unknown action '$action' (only activate, update)" >&2; exit 2 ;;
esac
case $deployment in
  '' | -* | *[!A-Za-z0-9-]*) echo "apply: refusing malformed deployment id" >&2; exit 2 ;;
esac
pbxid=$(tr -d ' \t\r\n' < "${SCHMOOZE_DIR:-/etc/schmooze}/pbxid" 2>/dev/null || true)
if [ "$deployment" != "$pbxid" ]; then
  echo "apply: deployment $deployment is not this PBX's (${pbxid:-no pbxid file}); nothing was run" >&2
  exit 3
fi
fwconsole=${FWCONSOLE:-/usr/sbin/fwconsole}
if [ "$action" = activate ]; then
  exec "$fwconsole" sa activate "$deployment"
fi
exec "$fwconsole" sa update
