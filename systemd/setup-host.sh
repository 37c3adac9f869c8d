#!/bin/sh
# Prepares the host once the agent's files are in place: the service user, its directories, the owners and
# modes of the configuration and the token, and on a FreePBX host the asterisk group for the service.
# Run by the Debian package's postinst and by install.sh (/opt/pbx-activation-agent/libexec/setup-host.sh).
# Idempotent; never replaces the configuration, the token or the store.
#
#   setup-host.sh [--root DIR]    DIR: a system image being prepared (nothing is started either way)
set -eu

ROOT=
if [ "${1:-}" = --root ]; then ROOT=${2:?--root needs a directory}; fi
NAME=pbx-activation-agent
SERVICE_USER=pbx-agent
say() { printf '%s\n' "$NAME: $*"; }

# --- the user (sysusers.d), or useradd where systemd-sysusers is missing -----------------------------------
if [ -f "$ROOT/etc/passwd" ] && ! grep -q "^$SERVICE_USER:" "$ROOT/etc/passwd"; then
  if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers ${ROOT:+--root="$ROOT"} "$NAME.conf"
  else
    useradd ${ROOT:+--root "$ROOT"} --system --user-group --home-dir /var/lib/$NAME --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
  say "created the system user $SERVICE_USER"
fi
ids() { # uid:gid of the service user inside ROOT; empty in a bare scratch root
  [ -f "$ROOT/etc/passwd" ] || return 0
  awk -F: -v u="$SERVICE_USER" '$1 == u { print $3 ":" $4 }' "$ROOT/etc/passwd"
}
AGENT_IDS=$(ids)
AGENT_GID=${AGENT_IDS#*:}
chown_if_root() { # chown only where it means something: as root, with the user known
  if [ -n "$AGENT_IDS" ] && [ "$(id -u)" = 0 ]; then chown "$@"; fi
}

# --- directories (tmpfiles.d: the store, the configuration, the compile cache) -----------------------------
if [ -n "$AGENT_IDS" ] && command -v systemd-tmpfiles >/dev/null 2>&1; then
  systemd-tmpfiles ${ROOT:+--root="$ROOT"} --create "$NAME.conf"
else
  # What the tmpfiles.d lines say, for a system without systemd-tmpfiles or a bare scratch root.
  for dir in /var/lib/$NAME /var/cache/$NAME /etc/$NAME; do
    mkdir -p "$ROOT$dir"
    chmod 0750 "$ROOT$dir"
  done
  chown_if_root "$AGENT_IDS" "$ROOT/var/lib/$NAME" "$ROOT/var/cache/$NAME"
  chown_if_root "0:$AGENT_GID" "$ROOT/etc/$NAME"
fi

# --- configuration and token ---------------------------------------------------------------------------
CONF=$ROOT/etc/$NAME
if [ -f "$CONF/config.json" ]; then
  chmod 0640 "$CONF/config.json"
  chown_if_root "0:$AGENT_GID" "$CONF/config.json"
fi
if [ ! -e "$CONF/portal-token" ]; then
  : > "$CONF/portal-token"
  say "created an empty /etc/$NAME/portal-token: put the portal token in it (if a portal is used)"
fi
# Read by systemd (LoadCredential=) as root; the service sees its own copy only.
chmod 0600 "$CONF/portal-token"
if [ "$(id -u)" = 0 ]; then chown 0:0 "$CONF/portal-token"; fi

# --- what the checkout installer of 0.1.0 left: units in /etc (they would hide the new ones), links -------
units=$ROOT/etc/systemd/system
for unit in $NAME.service $NAME-apply@.service; do
  if [ -f "$units/$unit" ] && grep -q '^Documentation=file:///opt/pbx-activation-agent/app/README.md' "$units/$unit"; then
    rm -f "$units/$unit"
    say "removed $units/$unit, written by an earlier install.sh (the unit is now in /lib/systemd/system)"
  fi
done
if [ "$(readlink "$units/multi-user.target.wants/$NAME.service" 2>/dev/null)" = "/etc/systemd/system/$NAME.service" ]; then
  ln -sfn "/lib/systemd/system/$NAME.service" "$units/multi-user.target.wants/$NAME.service"
fi
if [ "$(readlink "$ROOT/usr/local/bin/$NAME" 2>/dev/null)" = "/opt/$NAME/bin/$NAME" ]; then rm -f "$ROOT/usr/local/bin/$NAME"; fi
rm -f "$ROOT/etc/polkit-1/rules.d/50-$NAME.rules"

# --- on FreePBX: fwconsole's reads need the asterisk group ---------------------------------------------
dropin=$ROOT/etc/systemd/system/$NAME.service.d
if [ -f "$ROOT/etc/group" ] && grep -q '^asterisk:' "$ROOT/etc/group"; then
  # fwconsole reads (sa info, ma list) need FreePBX's files, readable by the asterisk group, and may append
  # to FreePBX's log ('-': no error where that directory does not exist).
  mkdir -p "$dropin"
  printf '%s\n' '# Written by pbx-activation-agent (setup-host.sh) because this host has the asterisk group.' \
    '[Service]' 'SupplementaryGroups=asterisk' 'ReadWritePaths=-/var/log/asterisk' > "$dropin/asterisk-group.conf"
  chmod 0644 "$dropin/asterisk-group.conf"
elif [ -f "$dropin/asterisk-group.conf" ]; then
  rm -f "$dropin/asterisk-group.conf"
  rmdir "$dropin" 2>/dev/null || true
fi
