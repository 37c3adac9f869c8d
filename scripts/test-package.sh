#!/usr/bin/env bash
# The release test (CI runs it from .ci/run; about 10 minutes cold, less warm). Needs root and the Debian
# packages debootstrap, dpkg-dev, lintian, systemd, g++, make, python3. It fails loudly, never skips.
#
#   1. builds the release (npm run package) and builds it again from scratch elsewhere: the same bytes;
#   2. lintian: no errors;
#   3. in a debootstrapped Debian 12 with Debian's nodejs 18 installed first (as on FreePBX 17):
#      - a previous version (an older commit, with one store migration fewer, packaged with a lower
#        version) installed with dpkg -i, configured, checked; then this version over it: the
#        configuration and the store are kept, the store is migrated;
#      - the agent runs from /usr/bin on the private Node 24 (sandbox init + check + status); the system
#        Node's binary and version are unchanged; user, directories and modes as documented; the units
#        pass systemd-analyze verify;
#      - dpkg -r keeps the configuration and the store, dpkg -P removes them, and nothing is left that
#        the package did not own;
#   4. the tarball's install.sh --root into another copy of that system gives the same files as dpkg -i,
#      and its uninstall.sh --purge leaves nothing behind.
#
#   scripts/test-package.sh [WORKDIR]    (a WORKDIR named here is kept, for a look at the logs)
#
# Cached between runs on the same machine, under $PBX_AGENT_CI_CACHE (/var/cache/pbx-activation-agent-ci):
# the Debian root (keyed by its suite and packages), the runtime tarball and the built native modules
# (packaging/build.sh's cache), and the previous version's package (keyed by its commit and the build
# scripts). The Debian mirror is the one this host's apt uses (or $MIRROR).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
KEEP_WORK=${1:+yes}
WORK=${1:-$(mktemp -d /tmp/pbx-agent-package-test.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
CACHE=${PBX_AGENT_CI_CACHE:-/var/cache/pbx-activation-agent-ci}
NAME=pbx-activation-agent
# The newest commit whose store has one migration fewer than the next (migration 5, `history --module`'s
# index): the previous version of the upgrade test. Its production packages are this checkout's.
PREVIOUS_COMMIT=6ab6ea5^
SUITE=bookworm
# nodejs first, as on FreePBX 17; the package's dependencies: systemd, polkitd (which needs dbus and logind),
# procps (the unit reloads with /bin/kill).
DEBIAN_PACKAGES=nodejs,systemd,dbus,libpam-systemd,polkitd,procps
STARTED=$SECONDS

fail() { echo "FAIL: $*" >&2; exit 1; }
PASSED=0
ok() { echo "ok: $*"; PASSED=$((PASSED + 1)); }
step() { echo "--- $* ($((SECONDS - STARTED)) s)"; }
[ "$(id -u)" = 0 ] || fail "run as root (debootstrap, chroot and mount need it)"
for tool in debootstrap chroot dpkg-deb lintian systemd-analyze mount git; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (apt-get install debootstrap dpkg-dev lintian systemd; .ci/run does this)"
done
mkdir -p "$CACHE"
# The host's Node settings mean nothing inside the root.
unset NODE_EXTRA_CA_CERTS NODE_OPTIONS
MOUNTS=()
cleanup() {
  local m
  for m in "${MOUNTS[@]}"; do umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT

# --- 1. build, and build again: the same bytes -------------------------------------------------------------
step "building the release"
export PBX_AGENT_BUILD_CACHE=$CACHE/build
VERSION=$(node -p "require('$REPO/package.json').version")
DEB=$REPO/release/${NAME}_${VERSION}_amd64.deb
TARBALL=$REPO/release/$NAME-$VERSION-linux-x64.tar.gz
t0=$SECONDS
(cd "$REPO" && npm run --silent package) || fail "npm run package failed"
ok "npm run package: $((SECONDS - t0)) s; .deb $(du -h "$DEB" | cut -f1), tarball $(du -h "$TARBALL" | cut -f1)"

step "building it again from scratch in another directory (native modules compiled again)"
t0=$SECONDS
PBX_AGENT_RELEASE_DIR=$WORK/rebuild PBX_AGENT_BUILD_DIR=$WORK/rebuild-tmp bash "$REPO/packaging/build.sh" --no-module-cache >/dev/null ||
  fail "the second build failed"
for artifact in "$DEB" "$TARBALL"; do
  cmp "$artifact" "$WORK/rebuild/${artifact##*/}" || fail "${artifact##*/} differs between two builds (diffoscope shows where)"
done
rm -rf "$WORK/rebuild-tmp"
ok "two builds give the same bytes: $(sha256sum "$DEB" | cut -c1-16)... ($((SECONDS - t0)) s)"

step "the previous version ($PREVIOUS_COMMIT)"
previous_commit=$(git -C "$REPO" rev-parse --verify "$PREVIOUS_COMMIT^{commit}") ||
  fail "commit $PREVIOUS_COMMIT is not in this clone (a shallow clone? fetch the history)"
recipe=$(cat "$REPO/packaging/build.sh" "$REPO/packaging/build-modules.sh" "$REPO/packaging/debian/"* "$REPO/systemd/"*.sh "$REPO/packaging/runtime.env" | sha256sum | cut -c1-12)
PREVIOUS_VERSION=0.0.1~git${previous_commit:0:7}
PREVIOUS_DEB=$CACHE/previous-${previous_commit:0:12}-$recipe.deb
if [ ! -f "$PREVIOUS_DEB" ]; then
  rm -rf "$WORK/previous-src"
  mkdir -p "$WORK/previous-src"
  git -C "$REPO" archive "$previous_commit" | tar -x -C "$WORK/previous-src"
  PBX_AGENT_VERSION=$PREVIOUS_VERSION SOURCE_DATE_EPOCH=$(git -C "$REPO" log -1 --format=%ct "$previous_commit") \
    PBX_AGENT_RELEASE_DIR=$WORK/previous PBX_AGENT_BUILD_DIR=$WORK/previous-tmp \
    bash "$REPO/packaging/build.sh" --source "$WORK/previous-src" >/dev/null || fail "building the previous version failed"
  mv "$WORK/previous/${NAME}_${PREVIOUS_VERSION}_amd64.deb" "$PREVIOUS_DEB"
  rm -rf "$WORK/previous-src" "$WORK/previous-tmp" "$WORK/previous"
fi
ok "previous version $PREVIOUS_VERSION: $PREVIOUS_DEB"

# --- 2. lintian ------------------------------------------------------------------------------------------
step "lintian"
lintian --allow-root --no-tag-display-limit "$DEB" > "$WORK/lintian.txt" 2>&1 || true
if grep -q '^E: ' "$WORK/lintian.txt"; then cat "$WORK/lintian.txt" >&2; fail "lintian reports errors"; fi
ok "lintian: no errors; $(grep -c '^W: ' "$WORK/lintian.txt" || true) warnings, $(grep -c '^[IP]: ' "$WORK/lintian.txt" || true) notes (overrides: packaging/debian/lintian-overrides)"

# --- 3. the Debian 12 root -------------------------------------------------------------------------------
step "Debian $SUITE root with $DEBIAN_PACKAGES"
base=$CACHE/root-$SUITE-minbase-$(printf '%s' "$DEBIAN_PACKAGES" | sha256sum | cut -c1-12)
if [ ! -f "$base/.complete" ]; then
  mirror=${MIRROR:-}
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || fail "no Debian mirror found in this host's apt sources; set MIRROR"
  rm -rf "$base"
  t0=$SECONDS
  # nodejs goes in with the system, before anything of ours, as FreePBX 17 has it.
  debootstrap --variant=minbase --include="$DEBIAN_PACKAGES" "$SUITE" "$base" "$mirror" > "$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; fail "debootstrap failed (log: $WORK/debootstrap.log)"; }
  chroot "$base" apt-get clean
  touch "$base/.complete"
  ok "debootstrap: $((SECONDS - t0)) s (cached as $base)"
fi
fresh_root() { # fresh_root DIR: a copy of the cached root with /dev and /proc, unmounted at exit
  rm -rf "$1"
  cp -a "$base" "$1"
  mount --rbind /dev "$1/dev" # with /dev/pts: script(1) gives fwconsole its pseudo-terminal
  mount -t proc proc "$1/proc"
  MOUNTS+=("$1/dev" "$1/proc")
}
unmount_root() {
  umount -R "$1/dev"
  umount "$1/proc"
}
# Every path of the system but the kernel's, dpkg's own records and logs, with type, mode, owner and
# content hash (symlink target), not sizes of directories (they depend on the order of creation): what
# "the same files" means.
snapshot() {
  (cd "$1" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./sys -o -path ./run -o -path ./tmp -o -path ./var/lib/dpkg \
    -o -path ./var/log -o -path ./var/cache/debconf -o -path ./var/cache/apt -o -path ./var/cache/ldconfig -o -path ./srv -o -name .complete \) -prune \
    -o -printf '%p %y %m %U:%G %l\n' | sort)
  local hashed=() dir
  for dir in ./opt ./etc ./usr/bin ./lib/systemd ./usr/lib/sysusers.d ./usr/lib/tmpfiles.d ./usr/share/doc ./usr/share/polkit-1 \
    ./var/lib/$NAME ./var/cache/$NAME; do
    if [ -e "$1/$dir" ]; then hashed+=("$dir"); fi
  done
  (cd "$1" && find "${hashed[@]}" -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
in_root() { chroot "$ROOT" "$@"; }
node_ok() { # the system Node is the one Debian installed
  [ "$(sha256sum "$ROOT/usr/bin/node" | cut -d' ' -f1)" = "$node_sha" ] || fail "the system node binary was changed"
  [ "$(in_root /usr/bin/node --version)" = "$node_version" ] || fail "the system node's version changed"
}

ROOT=$WORK/upgrade
fresh_root "$ROOT"
pristine=$(snapshot "$ROOT")
node_sha=$(sha256sum "$ROOT/usr/bin/node" | cut -d' ' -f1)
node_version=$(in_root /usr/bin/node --version)
case $node_version in v18.*) ok "Debian's nodejs in the root: $node_version" ;; *) fail "expected Debian's nodejs 18, found $node_version" ;; esac

step "dpkg -i the previous version, configure it, run a check"
cp "$PREVIOUS_DEB" "$ROOT/tmp/previous.deb"
cp "$DEB" "$ROOT/tmp/current.deb"
in_root dpkg -i /tmp/previous.deb > "$WORK/dpkg-previous.log" 2>&1 || { cat "$WORK/dpkg-previous.log"; fail "dpkg -i of the previous version failed"; }
[ "$(in_root $NAME --version)" = "$PREVIOUS_VERSION" ] || fail "the previous version does not run: $(in_root $NAME --version 2>&1)"
# A simulated PBX (the sandbox's fwconsole), the agent's configuration in /etc pointing at it, the store in /var/lib.
in_root $NAME sandbox init /srv/pbx > /dev/null || fail "sandbox init in the root failed"
in_root /opt/$NAME/runtime/bin/node -e '
  const fs = require("node:fs");
  const config = JSON.parse(fs.readFileSync("/srv/pbx/agent.json", "utf8"));
  config.store = { path: "/var/lib/pbx-activation-agent/agent.db" };
  fs.writeFileSync("/etc/pbx-activation-agent/config.json", JSON.stringify(config, null, 2) + "\n");
'
in_root $NAME check > "$WORK/check-previous.txt" 2>&1 || { cat "$WORK/check-previous.txt"; fail "check with the previous version failed"; }
store_facts() { # schema version and number of runs of the store
  in_root /opt/$NAME/runtime/bin/node -e '
    const Database = require("/opt/pbx-activation-agent/app/node_modules/better-sqlite3");
    const db = new Database("/var/lib/pbx-activation-agent/agent.db", { readonly: true });
    console.log(db.pragma("user_version", { simple: true }), db.prepare("select count(*) as n from runs").get().n);
  '
}
read -r schema_before runs_before <<< "$(store_facts)"
config_sha=$(sha256sum "$ROOT/etc/$NAME/config.json" | cut -d' ' -f1)
ok "previous version installed and checked: store schema $schema_before, $runs_before run(s)"

step "dpkg -i this version over it"
in_root dpkg -i /tmp/current.deb > "$WORK/dpkg-upgrade.log" 2>&1 < /dev/null || { cat "$WORK/dpkg-upgrade.log"; fail "the upgrade failed"; }
[ "$(in_root $NAME --version)" = "$VERSION" ] || fail "after the upgrade the agent says $(in_root $NAME --version 2>&1)"
[ "$(sha256sum "$ROOT/etc/$NAME/config.json" | cut -d' ' -f1)" = "$config_sha" ] || fail "the upgrade changed the configuration"
[ ! -e "$ROOT/etc/$NAME/config.json.dpkg-new" ] && [ ! -e "$ROOT/etc/$NAME/config.json.dpkg-old" ] || fail "dpkg left a config.json.dpkg-* beside the configuration"
in_root $NAME check > "$WORK/check-current.txt" 2>&1 || { cat "$WORK/check-current.txt"; fail "check after the upgrade failed"; }
read -r schema_after runs_after <<< "$(store_facts)"
migrations=$(cd "$REPO" && node -e 'import("./dist/src/store/migrations.js").then((m) => console.log(m.MIGRATIONS.length))')
[ "$schema_before" -lt "$migrations" ] || fail "the previous version's store is already at schema $schema_before: the upgrade migrates nothing"
[ "$schema_after" = "$migrations" ] || fail "the store is at schema $schema_after after the upgrade, expected $migrations"
[ "$runs_after" -gt "$runs_before" ] || fail "the store lost its runs ($runs_before before, $runs_after after)"
ok "upgrade $PREVIOUS_VERSION -> $VERSION: configuration kept, store kept ($runs_before -> $runs_after runs) and migrated (schema $schema_before -> $schema_after)"

step "the agent on the private Node 24, the system Node untouched"
runtime=$(in_root /opt/$NAME/runtime/bin/node --version)
. "$REPO/packaging/runtime.env"
[ "$runtime" = "v$NODE_RUNTIME_VERSION" ] || fail "the private runtime is $runtime, expected v$NODE_RUNTIME_VERSION"
grep -q "^exec /opt/$NAME/runtime/bin/node " "$ROOT/usr/bin/$NAME" || fail "/usr/bin/$NAME does not run the private runtime"
in_root sh -c "rm -rf /tmp/sb && $NAME sandbox init /tmp/sb >/dev/null && $NAME check --config /tmp/sb/agent.json >/dev/null && $NAME status --config /tmp/sb/agent.json" > "$WORK/status.txt" ||
  fail "sandbox init + check + status in the root failed"
grep -q areminder "$WORK/status.txt" || fail "status shows no modules"
[ -n "$(ls -A "$ROOT/var/cache/$NAME/node-0" 2>/dev/null)" ] || fail "no compile cache was written for root in /var/cache/$NAME/node-0"
node_ok
ok "sandbox init + check + status from /usr/bin on $runtime; compile cache written; the system Node ($node_version) untouched"

step "user, directories and modes"
grep -q "^pbx-agent:" "$ROOT/etc/passwd" || fail "the user pbx-agent was not created"
mode() { in_root stat -c '%U %G %a' "$1"; }
expect_mode() { [ "$(mode "$1")" = "$2" ] || fail "$1: $(mode "$1"), expected $2"; }
expect_mode /var/lib/$NAME "pbx-agent pbx-agent 750"
expect_mode /var/cache/$NAME "pbx-agent pbx-agent 750"
expect_mode /etc/$NAME "root pbx-agent 750"
expect_mode /etc/$NAME/config.json "root pbx-agent 640"
expect_mode /etc/$NAME/portal-token "root root 600"
expect_mode /usr/bin/$NAME "root root 755"
expect_mode /opt/$NAME/runtime/bin/node "root root 755"
[ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/$NAME.service")" = "/lib/systemd/system/$NAME.service" ] || fail "the service is not enabled"
ok "user pbx-agent, /var/lib and /var/cache 0750 pbx-agent, /etc 0750 root:pbx-agent, config 0640, token 0600 root; the service enabled"

step "systemd-analyze verify inside the root"
# --man=no: the root has no man program; the page the units name is checked for below.
in_root systemd-analyze verify --man=no /lib/systemd/system/$NAME.service "/lib/systemd/system/$NAME-apply@activate-63198234567.service" > "$WORK/verify.txt" 2>&1 ||
  { cat "$WORK/verify.txt"; fail "systemd-analyze verify failed"; }
[ ! -s "$WORK/verify.txt" ] || { cat "$WORK/verify.txt"; fail "systemd-analyze verify complained"; }
[ -f "$ROOT/usr/share/man/man1/$NAME.1.gz" ] || fail "the man page the units name (man:$NAME(1)) is not installed"
ok "the installed units pass systemd-analyze verify"

step "dpkg -r keeps the configuration and the store; dpkg -P removes them"
in_root dpkg -r $NAME > "$WORK/dpkg-remove.log" 2>&1 || { cat "$WORK/dpkg-remove.log"; fail "dpkg -r failed"; }
[ "$(sha256sum "$ROOT/etc/$NAME/config.json" | cut -d' ' -f1)" = "$config_sha" ] || fail "dpkg -r changed or removed the configuration"
[ -f "$ROOT/var/lib/$NAME/agent.db" ] || fail "dpkg -r removed the store"
[ ! -e "$ROOT/opt/$NAME" ] && [ ! -e "$ROOT/usr/bin/$NAME" ] || fail "dpkg -r left the program"
left=$(diff <(printf '%s\n' "$pristine") <(snapshot "$ROOT") | grep '^>' | grep -v -e " \./etc/$NAME[/ ]" -e " \./var/lib/$NAME[/ ]" \
  -e ' \./etc/\(passwd\|group\|shadow\|gshadow\)-\? ' -e " \./etc/\(passwd\|group\|shadow\|gshadow\)-\?\$" || true)
[ -z "$left" ] || { printf '%s\n' "$left" | head -20; fail "dpkg -r left files besides the configuration and the store"; }
in_root dpkg -P $NAME > "$WORK/dpkg-purge.log" 2>&1 || { cat "$WORK/dpkg-purge.log"; fail "dpkg -P failed"; }
# dpkg removes an empty directory no other package owns when its last file goes: /opt, made by debootstrap.
left=$(diff <(printf '%s\n' "$pristine") <(snapshot "$ROOT") | grep '^[<>]' | grep -v -e ' \./etc/\(passwd\|group\|shadow\|gshadow\)-\? ' -e " \./etc/\(passwd\|group\|shadow\|gshadow\)-\?\$" \
  -e '^< \./opt d ' || true)
[ -z "$left" ] || { printf '%s\n' "$left" | head -20; fail "dpkg -P left (or removed) files"; }
node_ok
ok "dpkg -r kept config and store and nothing else; dpkg -P left nothing but the user pbx-agent (as Debian does)"
unmount_root "$ROOT"
rm -rf "$ROOT"

# --- 4. the tarball's install.sh gives what dpkg -i gives --------------------------------------------------
step "the tarball's install.sh --root against dpkg -i, in two fresh copies of the root"
ROOT=$WORK/deb
fresh_root "$ROOT"
cp "$DEB" "$ROOT/tmp/current.deb"
in_root dpkg -i /tmp/current.deb > "$WORK/dpkg-fresh.log" 2>&1 || { cat "$WORK/dpkg-fresh.log"; fail "dpkg -i into a fresh root failed"; }
rm "$ROOT/tmp/current.deb"
by_dpkg=$(snapshot "$ROOT")
unmount_root "$ROOT"
rm -rf "$ROOT"
ROOT=$WORK/tarball
rm -rf "$ROOT" "$WORK/unpacked"
cp -a "$base" "$ROOT"
mkdir -p "$WORK/unpacked"
tar -xzf "$TARBALL" -C "$WORK/unpacked"
bash "$WORK/unpacked/$NAME-$VERSION/install.sh" --root "$ROOT" > "$WORK/install.log" || { cat "$WORK/install.log"; fail "install.sh --root failed"; }
by_script=$(snapshot "$ROOT")
diff <(printf '%s\n' "$by_dpkg") <(printf '%s\n' "$by_script") > "$WORK/install-vs-dpkg.diff" ||
  { head -30 "$WORK/install-vs-dpkg.diff"; fail "install.sh --root and dpkg -i give different files ($WORK/install-vs-dpkg.diff)"; }
ok "install.sh --root and dpkg -i give the same files, owners and modes"
bash "$WORK/unpacked/$NAME-$VERSION/install.sh" --root "$ROOT" > "$WORK/install2.log" || fail "install.sh --root a second time failed"
[ "$(snapshot "$ROOT")" = "$by_script" ] || fail "install.sh a second time changed files"
bash "$ROOT/opt/$NAME/libexec/uninstall.sh" --root "$ROOT" --purge > "$WORK/uninstall.log" || fail "uninstall.sh --purge failed"
left=$(diff <(printf '%s\n' "$pristine") <(snapshot "$ROOT") | grep '^[<>]' | grep -v -e ' \./etc/\(passwd\|group\|shadow\|gshadow\)-\? ' -e " \./etc/\(passwd\|group\|shadow\|gshadow\)-\?\$" || true)
[ -z "$left" ] || { printf '%s\n' "$left" | head -20; fail "uninstall.sh --purge left (or removed) files"; }
ok "install.sh again changes nothing; uninstall.sh --purge leaves nothing but the user"
rm -rf "$ROOT" "$WORK/unpacked"

echo "all package checks passed in $((SECONDS - STARTED)) s"
# A work directory of its own (not named on the command line) goes: the roots and builds take a gigabyte.
if [ -z "$KEEP_WORK" ]; then rm -rf "$WORK"; fi
echo "package: $PASSED passed, 0 failed"
