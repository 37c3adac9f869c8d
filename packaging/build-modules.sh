#!/usr/bin/env bash
# Installs the production packages into APP/node_modules (npm ci --omit=dev, offline: `npm ci` in the
# checkout has filled npm's cache) and builds their native parts (better-sqlite3, ssh2's crypto binding,
# cpu-features) from source for RUNTIME, against its headers, with that runtime first on PATH so npm,
# node-gyp and the packages' install scripts all run on it. Then checks that the runtime loads them and
# removes what was only needed to build. Called by packaging/build.sh; part of its module cache key.
#
#   packaging/build-modules.sh APP RUNTIME
set -euo pipefail
APP=${1:?usage: build-modules.sh APP RUNTIME}
RUNTIME=${2:?usage: build-modules.sh APP RUNTIME}
say() { printf '%s\n' "package: $*" >&2; }
die() { printf '%s\n' "package: error: $*" >&2; exit 1; }

cd "$APP"
export PATH=$RUNTIME/bin:$PATH
# better-sqlite3's prebuild-install would download a prebuilt binary from outside the npm registry: this
# file (read by prebuild-install from the package's directory upwards) makes it build from source instead.
printf 'buildFromSource=true\n' > .prebuild-installrc
# Paths of this build directory would end up in the binaries (assert messages): mapped away. Hardened as
# Debian builds its own packages (fortified functions, read-only relocations bound at load).
export CFLAGS="-ffile-prefix-map=$RUNTIME=/runtime -ffile-prefix-map=$APP=/app -D_FORTIFY_SOURCE=2"
export CXXFLAGS=$CFLAGS
export LDFLAGS="-Wl,-z,relro -Wl,-z,now"
say "npm ci --omit=dev (offline) on Node $(node --version)"
npm ci --omit=dev --ignore-scripts --offline --no-audit --no-fund --loglevel=error >/dev/null ||
  die "npm ci --omit=dev --offline failed: run 'npm ci' in the checkout first (it fills npm's cache)"
say "building the native modules against $RUNTIME/include/node"
log=$(mktemp)
if ! npm rebuild --offline --nodedir="$RUNTIME" --foreground-scripts > "$log" 2>&1; then
  tail -40 "$log" >&2
  die "building the native modules failed (the whole log: $log)"
fi
rm -f "$log" .prebuild-installrc

# Built here, for this runtime's ABI, and loadable by it (a failure to load is what a user would meet).
for native in better-sqlite3/build/Release/better_sqlite3.node ssh2/lib/protocol/crypto/build/Release/sshcrypto.node \
  cpu-features/build/Release/cpufeatures.node; do
  [ -f "node_modules/$native" ] || die "node_modules/$native was not built"
  [ -d "node_modules/${native%/*}/obj.target" ] || die "node_modules/$native was not compiled here (a prebuilt binary?)"
done
node -e '
  const Database = require("better-sqlite3");
  const db = new Database(":memory:");
  const { v } = db.prepare("select sqlite_version() as v").get();
  require("./node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node");
  require("cpu-features")();
  console.error(`package: Node ${process.version} (ABI ${process.versions.modules}) loads better-sqlite3 (SQLite ${v}), ssh2 and cpu-features`);
' || die "the runtime cannot load the native modules just built"

# Only the built .node files are needed to run; sources, object files and build configuration (which
# names this machine's paths) go.
# (Only node-gyp's build/ directories, next to a binding.gyp: pino's build/ is JavaScript.)
find node_modules -name binding.gyp -print0 | sort -z | while IFS= read -r -d '' gyp; do
  build=${gyp%/binding.gyp}/build
  [ -d "$build/Release" ] || continue
  find "$build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} +
done
rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src node_modules/better-sqlite3/build/Release/test_extension.node \
  node_modules/cpu-features/deps node_modules/cpu-features/src node_modules/cpu-features/buildcheck.gypi \
  node_modules/ssh2/lib/protocol/crypto/src node_modules/.bin node_modules/.package-lock.json node_modules/nan/tools
# Neither are the packages' development files (lint and git settings, hooks), pino's test suite and its
# documentation site (which loads scripts from CDNs).
find node_modules -mindepth 2 -name '.*' -prune -exec rm -rf {} +
rm -rf node_modules/pino/test node_modules/pino/index.html
# Debug symbols out (as Debian strips its packages); the dynamic symbols the runtime needs stay.
find node_modules -name '*.node' -type f -exec strip --strip-unneeded {} +
