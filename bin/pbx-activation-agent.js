#!/usr/bin/env node
// Launcher: checks the runtime, then loads the compiled agent (npm ci builds it via `prepare`).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(
    `pbx-activation-agent needs Node.js 20 or newer; this is ${process.version} (${process.execPath}).\n` +
      'On FreePBX 17 the system Node is 18 and must stay: install the Debian package, which brings its own Node 24 (see README, "Runtime").\n',
  );
  process.exit(1);
}
// The installed agent (/usr/bin/pbx-activation-agent) names a cache directory: Node keeps the code it
// compiled there and the next start skips that work. One directory per user, since Node writes its cache
// files readable by their owner only. Node 20 has no compile cache: there this does nothing.
const cacheDir = process.env.PBX_AGENT_COMPILE_CACHE;
if (cacheDir && typeof module.enableCompileCache === 'function' && typeof process.getuid === 'function') {
  module.enableCompileCache(`${cacheDir}/node-${process.getuid()}`);
}
const entry = new URL('../dist/bundle/main.cjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('pbx-activation-agent is not built: run `npm ci` (or `npm run build`) in its directory.\n');
  process.exit(1);
}
// require(), not import(): importing a CommonJS file from an ES module first scans all of it for its exports.
module.createRequire(import.meta.url)(fileURLToPath(entry));
