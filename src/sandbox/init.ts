import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calendarDate } from '../core/expiry.js';
import { unpackBundle, type Bundle } from '../capture/bundle.js';
import { MAX_UNPACKED_BYTES } from '../capture/tar.js';
import { FileReadError, readBoundedFile } from '../config/bounded-file.js';
import { UsageError } from '../errors.js';
import { stateFromCapture } from './from-capture.js';
import { writeSchmoozeFiles, schmoozeDir } from './licence-file.js';
import { DEFAULT_DEPLOYMENT_ID, defaultScenario } from './scenario.js';
import { statePath, writeState } from './state.js';

export interface SandboxInitOptions {
  readonly force?: boolean;
  readonly deploymentId?: string;
  readonly now?: Date;
  /** A capture bundle (path): the simulated fwconsole prints exactly what that PBX printed. */
  readonly fromCapture?: string;
}

export interface SandboxPaths {
  readonly dir: string;
  readonly state: string;
  readonly fwconsole: string;
  readonly config: string;
  readonly store: string;
  readonly tokenFile: string;
}

export function sandboxPaths(dir: string): SandboxPaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    state: statePath(abs),
    fwconsole: join(abs, 'bin', 'fwconsole'),
    config: join(abs, 'agent.json'),
    store: join(abs, 'agent.db'),
    tokenFile: join(abs, 'portal-token'),
  };
}

/**
 * Creates a simulated FreePBX in `dir`: its state, an executable fwconsole,
 * /etc/schmooze files, a portal token and an agent config pointing at them.
 */
export function initSandbox(dir: string, options: SandboxInitOptions = {}): SandboxPaths {
  const paths = sandboxPaths(dir);
  if (existsSync(paths.state) && !options.force) {
    throw new UsageError(`${paths.dir} already holds a sandbox`, "Use --force to start it afresh (the agent's store there is kept), or choose another directory.");
  }
  const now = options.now ?? new Date();
  mkdirSync(join(paths.dir, 'bin'), { recursive: true });

  const token = randomBytes(24).toString('base64url');
  // The person running the sandbox stands for root: the simulated activation succeeds for them.
  const scenario = defaultScenario(calendarDate(now), {
    deploymentId: options.deploymentId ?? DEFAULT_DEPLOYMENT_ID,
    rootUid: process.getuid?.() ?? 0,
    token,
    now: now.toISOString(),
  });
  const bundle = options.fromCapture === undefined ? null : readBundle(options.fromCapture);
  const state = bundle ? stateFromCapture(bundle, scenario, basename(options.fromCapture!), now) : scenario;
  writeState(paths.dir, state);
  writeSchmoozeFiles(paths.dir, state.pbx);
  writeFileSync(paths.tokenFile, `${token}\n`, { mode: 0o600 });
  chmodSync(paths.tokenFile, 0o600);
  writeFwconsole(paths);
  const aliases = bundle ? bundle.manifest.moduleAliases : undefined;
  writeFileSync(paths.config, `${JSON.stringify(sandboxConfig(paths, state.pbx.deploymentId, aliases), null, 2)}\n`);
  return paths;
}

function readBundle(path: string): Bundle {
  let data: Buffer;
  try {
    // A bundle compresses what it holds: it is never bigger than what it may unpack to.
    data = readBoundedFile(path, MAX_UNPACKED_BYTES);
  } catch (err) {
    const why = err instanceof FileReadError ? err.message : `cannot read ${path}: ${(err as Error).message}`;
    throw new UsageError(why, 'Give the path of a bundle written by `pbx-activation-agent capture`.');
  }
  return unpackBundle(data, path);
}

/** The agent configuration for a sandbox: the real agent, pointed at the simulated PBX. */
export function sandboxConfig(paths: SandboxPaths, deploymentId: string, moduleAliases: Readonly<Record<string, string>> = { cdrpro: 'cdrreports' }): Record<string, unknown> {
  return {
    deploymentId,
    pbx: {
      fwconsole: paths.fwconsole,
      schmoozeDir: schmoozeDir(paths.dir),
      settleDelay: '1s',
      settleTimeout: '30s',
      moduleAliases,
    },
    store: { path: paths.store },
  };
}

/**
 * The simulated fwconsole's program: beside this code in the bundle (dist/bundle/fwconsole-main.cjs, what
 * bin/ runs) or in the compiled tree (dist/src/sandbox/fwconsole-main.js); when this code runs from
 * TypeScript sources (the test runner), the compiled tree's.
 */
function fwconsoleProgram(): string {
  const here = fileURLToPath(new URL('./', import.meta.url));
  const candidates = [join(here, 'fwconsole-main.cjs'), join(here, 'fwconsole-main.js'), join(here.replace(/\/src\/sandbox\/$/, '/dist/src/sandbox/'), 'fwconsole-main.js')];
  return candidates.find((file) => existsSync(file)) ?? candidates[candidates.length - 1]!;
}

function writeFwconsole(paths: SandboxPaths): void {
  const entry = fwconsoleProgram();
  const script = [
    `#!${process.execPath}`,
    '// Simulated fwconsole of a pbx-activation-agent sandbox. Behaviour: see state.json.',
    `import(${JSON.stringify(`file://${entry}`)})`,
    `  .then((m) => m.main(${JSON.stringify(paths.dir)}, process.argv.slice(2)))`,
    "  .catch((err) => { process.stderr.write(String(err && err.stack || err) + '\\n'); process.exitCode = 255; });",
    '',
  ].join('\n');
  writeFileSync(paths.fwconsole, script, { mode: 0o755 });
  chmodSync(paths.fwconsole, 0o755);
}
