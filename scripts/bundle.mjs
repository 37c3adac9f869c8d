#!/usr/bin/env node
// Bundles the compiled agent (dist/agent, dist/src: what `tsc -p tsconfig.build.json` wrote) into
// dist/bundle/: main.js (the CLI, what bin/pbx-activation-agent.js starts), fwconsole-main.js (the sandbox's
// simulated fwconsole) and the chunks they load lazily, one per command.
//
// Why: a start of the agent used to spend most of its time finding, reading and compiling ~170 small files
// (95 of them zod's); the bundle is a handful of files, tree-shaken. The dependencies that load files of their
// own at run time stay outside (native modules, and those the code loads with createRequire when first needed):
// they are imported from node_modules as before.
//
//   node scripts/bundle.mjs [DIST]     DIST defaults to ./dist (the packaging build passes its own)
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dist = path.resolve(process.argv[2] ?? 'dist');
const outdir = path.join(dist, 'bundle');
const entry = (file) => {
  const full = path.join(dist, file);
  if (!existsSync(full)) {
    process.stderr.write(`bundle: ${full} is missing: compile first (tsc -p tsconfig.build.json)\n`);
    process.exit(1);
  }
  return full;
};

// zod re-exports all of its ~50 message locales as `z.locales`, so a bundler cannot leave them out, and they
// are most of its code. The agent never switches zod's locale (its messages are its own; English is zod's
// default, imported by zod directly): `z.locales` in the bundle holds English only.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.resolve(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-english-only' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: entry('agent/main.js'), 'fwconsole-main': entry('src/sandbox/fwconsole-main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Chunks beside the entries, not in a subdirectory: code that finds files relative to itself (package.json,
  // bin/, the sandbox's fwconsole) sits two levels below the package root in dist/src/x/ and in dist/bundle/ alike.
  chunkNames: '[name]-[hash]',
  // Bundled: commander and zod (what every command loads) and our own code. Outside: native modules
  // (better-sqlite3, ssh2: they find their .node files by path) and what the code loads on demand.
  external: ['better-sqlite3', 'ssh2', 'pino', 'axios', 'nodemailer', 'prom-client', 'node-cron'],
  // commander is CommonJS: its require() calls of Node's built-in modules need a require in an ES module.
  banner: { js: "import { createRequire as __agentCreateRequire } from 'node:module';\nconst require = __agentCreateRequire(import.meta.url);" },
  plugins: [zodEnglishOnly],
  legalComments: 'none',
  logLevel: 'warning',
});
