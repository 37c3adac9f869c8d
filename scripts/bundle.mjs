#!/usr/bin/env node
// Bundles the compiled agent (dist/agent, dist/src: what `tsc -p tsconfig.build.json` wrote) into
// dist/bundle/: main.cjs (the CLI, what bin/pbx-activation-agent.js starts) and fwconsole-main.cjs (the
// sandbox's simulated fwconsole), one file each.
//
// Why: a start of the agent used to spend most of its time finding, reading and compiling ~170 small files
// (95 of them zod's). In the bundle each module of ours still runs only when first needed (esbuild keeps a
// lazily imported module's code in a function), and Node reads one file. Code that finds files relative to
// itself (package.json, bin/) sits two levels below the package root in dist/src/x/ and dist/bundle/ alike.
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
        ? { path: 'zod/v4/locales/index.js', namespace: 'zod-english-only', pluginData: path.resolve(path.dirname(args.importer), '../locales') }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: args.pluginData,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: entry('agent/main.js'), 'fwconsole-main': entry('src/sandbox/fwconsole-main.js') },
  outdir,
  // The bundle names each module's file in a comment, relative to this directory: the package's top, so that
  // builds in different directories give the same bytes.
  absWorkingDir: path.dirname(dist),
  // Our modules were ES modules, strict by definition: strict in the bundle too, whatever tsconfig.json esbuild
  // would otherwise find above the build directory (the packaging builds in a scratch directory).
  tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
  bundle: true,
  splitting: false,
  // CommonJS, not ES modules: an ES module loads everything it imports (Node's built-in modules included) before
  // it starts, whereas a require() stays where the code needs it, so a command loads only what it uses.
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  platform: 'node',
  target: 'node20',
  // Bundled: our code, commander and zod (what every command loads). Outside, loaded from node_modules when the
  // code first needs them (a require() where the import was): native modules (better-sqlite3, ssh2: they find
  // their .node files by path) and the packages only some commands use (mail, metrics, the daemon's schedule,
  // logging, HTTP).
  external: ['better-sqlite3', 'ssh2', 'pino', 'axios', 'nodemailer', 'prom-client', 'node-cron'],
  // import.meta.url (files found relative to the code, createRequire) is this file's URL.
  define: { 'import.meta.url': '__agentModuleUrl' },
  banner: { js: "const __agentModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [zodEnglishOnly],
  legalComments: 'none',
  logLevel: 'warning',
});
