#!/usr/bin/env bash
# Slow installer test (minutes; not part of `npm run test:system`): builds a minimal
# Debian 12 root with debootstrap, with Debian's nodejs 18 in it as on FreePBX 17, runs
# systemd/install.sh --root into it twice, and checks that
#   - the system Node (18) is left exactly as it was,
#   - the agent runs on its private Node 20 inside the root (chroot), sandbox and all,
#   - the service user, directories and modes are as documented,
#   - the second install changes nothing.
# Needs root and the Debian package debootstrap. Usage: scripts/test-debootstrap.sh [WORKDIR]
# The Debian mirror is the one this host's apt uses (or $MIRROR).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d /tmp/pbx-agent-debootstrap.XXXXXX)}
mkdir -p "$WORK"
ROOT=$WORK/root
PREFIX=/opt/pbx-activation-agent

[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap and chroot need it)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is not installed: apt-get install debootstrap" >&2; exit 1; }
mirror=${MIRROR:-}
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "no Debian mirror found in this host's apt sources; set MIRROR" >&2; exit 1; }

fail() { echo "FAIL: $*" >&2; exit 1; }
# The host's Node settings mean nothing inside the root.
unset NODE_EXTRA_CA_CERTS NODE_OPTIONS
ok() { echo "ok: $*"; }
cleanup() { umount "$ROOT/proc" 2>/dev/null || true; umount -R "$ROOT/dev" 2>/dev/null || true; }
trap cleanup EXIT

if [ ! -x "$ROOT/usr/bin/node" ]; then
  echo "debootstrap bookworm (minbase + nodejs) into $ROOT ..."
  debootstrap --variant=minbase --include=nodejs bookworm "$ROOT" "$mirror" > "$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; fail "debootstrap failed (log: $WORK/debootstrap.log)"; }
fi
mount --rbind /dev "$ROOT/dev"  # with /dev/pts: script(1) needs pseudo-terminals
mount -t proc proc "$ROOT/proc"

node_before=$(sha256sum "$ROOT/usr/bin/node" | cut -d' ' -f1)
version_before=$(chroot "$ROOT" /usr/bin/node --version)
case $version_before in v18.*) ok "Debian's nodejs in the root is $version_before" ;; *) fail "expected Debian's nodejs 18, found $version_before" ;; esac

snapshot() {
  (cd "$ROOT" && find ./opt ./etc/pbx-activation-agent ./etc/systemd/system ./var/lib/pbx-activation-agent ./usr/lib/sysusers.d ./usr/lib/tmpfiles.d ./etc/polkit-1 ./usr/local/bin \
    -printf '%p %y %m %u %g %l\n' | sort
   find ./opt ./etc/pbx-activation-agent ./etc/systemd/system -type f -print0 | sort -z | xargs -0 sha256sum)
}

bash "$REPO/systemd/install.sh" --root "$ROOT" > "$WORK/install1.log"
first=$(snapshot)
bash "$REPO/systemd/install.sh" --root "$ROOT" > "$WORK/install2.log"
second=$(snapshot)
[ "$first" = "$second" ] || { diff <(echo "$first") <(echo "$second") | head -20; fail "the second install changed files"; }
ok "a second install changes nothing"

[ "$(sha256sum "$ROOT/usr/bin/node" | cut -d' ' -f1)" = "$node_before" ] || fail "the system node binary was changed"
[ "$(chroot "$ROOT" /usr/bin/node --version)" = "$version_before" ] || fail "the system node version changed"
ok "the system Node ($version_before) is untouched"

grep -q "^pbx-agent:" "$ROOT/etc/passwd" || fail "the user pbx-agent was not created"
# Names as the root's own passwd and group files say (chroot), not the host's.
inside() { chroot "$ROOT" stat -c "$1" "$2"; }
[ "$(inside '%U %a' /var/lib/pbx-activation-agent)" = "pbx-agent 750" ] || fail "state directory owner/mode: $(inside '%U %a' /var/lib/pbx-activation-agent)"
[ "$(inside '%U %G %a' /etc/pbx-activation-agent)" = "root pbx-agent 750" ] || fail "config directory owner/mode: $(inside '%U %G %a' /etc/pbx-activation-agent)"
[ "$(inside '%U %G %a' /etc/pbx-activation-agent/config.json)" = "root pbx-agent 640" ] || fail "config file owner/mode"
[ "$(inside '%U %a' /etc/pbx-activation-agent/portal-token)" = "root 600" ] || fail "token file owner/mode"
ok "user, directories and modes as documented"

grep -q "exec $PREFIX/runtime/bin/node " "$ROOT$PREFIX/bin/pbx-activation-agent" || fail "the wrapper does not use the private runtime"
runtime=$(chroot "$ROOT" "$PREFIX/runtime/bin/node" --version)
case $runtime in v20.*) ok "private runtime $runtime" ;; *) fail "private runtime is $runtime" ;; esac
chroot "$ROOT" "$PREFIX/bin/pbx-activation-agent" --version >/dev/null || fail "the agent does not start in the root"
chroot "$ROOT" sh -c "rm -rf /tmp/sb && $PREFIX/bin/pbx-activation-agent sandbox init /tmp/sb >/dev/null && $PREFIX/bin/pbx-activation-agent status --config /tmp/sb/agent.json" > "$WORK/status.txt" ||
  fail "sandbox + status inside the root failed"
grep -q 'areminder' "$WORK/status.txt" || fail "status shows no modules"
ok "the agent runs inside the Debian 12 root on the private Node (sandbox init + status)"
echo "all debootstrap checks passed ($WORK)"
