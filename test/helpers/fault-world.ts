import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { connectAgentConfig } from '../../src/sandbox/portal-side.js';
import { startPortalServer } from '../../src/sandbox/portal-server.js';
import { Store } from '../../src/store/store.js';
import { BIN, runCli, type CliResult } from './cli.js';
import { editConfig } from './cycle.js';
import type { Receiver } from './receiver.js';
import { makeSandbox, type TestSandbox } from './sandbox.js';

/**
 * Fault tests: a sandbox PBX with the portal simulator on 127.0.0.1 and the
 * real CLI, as in test/cli; the store is only opened by the CLI (and, between
 * runs, by the test to inspect it).
 */
export interface FaultWorld {
  readonly sandbox: TestSandbox;
  readonly config: string;
  readonly dir: string;
  cli(args: readonly string[], options?: { timeoutMs?: number }): Promise<CliResult>;
  /** Opens the store (wherever the config puts it), hands it to `look` and closes it again. */
  inspect<T>(look: (store: Store) => T): T;
}

/** A fault world for one test, closed after it. */
export async function faultWorld(dir: string): Promise<FaultWorld> {
  const world = await openFaultWorld(dir);
  open.push(world);
  return world;
}

const open: OpenWorld[] = [];
afterEach(async () => {
  for (const world of open.splice(0)) await world.close();
});

/** A fault world shared by the tests of a describe block (rows of a table run one after another on it). */
export function sharedFaultWorld(): () => FaultWorld {
  let world: OpenWorld | null = null;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pbx-agent-test-'));
    world = await openFaultWorld(join(dir, 's'));
  });
  afterAll(async () => {
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => world!;
}

interface OpenWorld extends FaultWorld {
  close(): Promise<void>;
}

/** A sandbox and the portal simulator, wired as cycleWorld (test/helpers/cycle.ts) wires them; the store is left to the CLI. */
async function openFaultWorld(dir: string): Promise<OpenWorld> {
  const sandbox = makeSandbox(dir);
  sandbox.edit((s) => void (s.pbx.apacheRestartSeconds = 0.3));
  const portal = await startPortalServer(sandbox.dir);
  connectAgentConfig(sandbox.dir, portal.url);
  const config = sandbox.config;
  editConfig(config, (c) => {
    c.pbx.settleDelay = '100ms';
    c.pbx.settleTimeout = '10s';
    c.portal.retries = 1;
    c.portal.retryBase = '50ms';
  });
  return {
    sandbox,
    config,
    dir: sandbox.dir,
    cli: (args, options = {}) => runCli([...args, '--config', config], options),
    inspect(look) {
      const store = Store.open(storePath(config));
      try {
        return look(store);
      } finally {
        store.close();
      }
    },
    close: () => portal.close(),
  };
}

/** `store.path` of an agent config (tests move the store elsewhere). */
export function storePath(config: string): string {
  const path = (JSON.parse(readFileSync(config, 'utf8')) as { store?: { path?: string } }).store?.path;
  return resolve(dirname(config), path!);
}

/** Sends the world's alerts to a webhook receiver. */
export function alertTo(world: FaultWorld, receiver: Receiver, timeout = '10s'): void {
  editConfig(world.config, (c) => void (c.alerts = { channels: [{ type: 'webhook', name: 'hook', url: receiver.url, timeout }] }));
}

/** The current items as `status --json` would list them: [item, expiry]. */
export function itemDates(store: Store): Array<[string, string]> {
  return store.expiries.items().map((i) => [i.item, i.expiry]);
}

/** Everything the store says changed: one `item old -> new (source)` line per recorded change, oldest first. */
export function changeLines(store: Store): string[] {
  return store.expiries
    .changes()
    .reverse()
    .map((c) => `${c.item} ${c.oldExpiry ?? '(new)'} -> ${c.newExpiry ?? '(gone)'} (${c.source})`);
}

/** `check` (or any command) started as a child the test may kill; stderr (the JSON log) is collected. */
export interface Spawned {
  readonly pid: number;
  stderr(): string;
  /** Exit code, or 128 + signal number. */
  readonly exited: Promise<number>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnCli(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 0))),
  );
  return { pid: child.pid!, stderr: () => err, exited, kill: (signal) => void child.kill(signal) };
}

/** The JSON log lines of a CLI run (its stderr), unparsable lines skipped. */
export function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** A small seeded PRNG (mulberry32): the same seed gives the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
