import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { keyedRecord } from '../config/keyed-map.js';
import { parseJson } from '../core/strict-json.js';
import { UsageError } from '../errors.js';
import { STATUS_LANGUAGES } from '../pbx/readers/status-words.generated.js';

const SIM_LANGUAGES: ReadonlySet<string> = new Set(['en', 'it', 'de', ...STATUS_LANGUAGES.map((l) => l.lang)]);

/**
 * The sandbox's whole world in one editable JSON file (`DIR/state.json`):
 * the simulated PBX's licence and modules, its quirks and faults, and the
 * portal's entitlements, which are also what Sangoma's activation server
 * hands the simulated `sa activate` (so purchases need no portal server).
 * Tests and operators edit it to set up any situation.
 */
const DateText = z.string().min(1);

export const SimModule = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]+$/),
  version: z.string().default('17.0.1'),
  license: z.string().default('Commercial'),
  status: z.enum(['enabled', 'disabled', 'needs-upgrade', 'not-installed', 'broken']).default('enabled'),
  /** Printed instead of the localised status word, to simulate texts the agent does not know. */
  statusText: z.string().optional(),
  /** The Signature column: `Sangoma`, `Unsigned`, `Unknown`, or '' (signature checking off). */
  signature: z.string().default('Sangoma'),
  /** Licence key when it differs from the module name (e.g. cdrpro). */
  licenseKey: z.string().optional(),
});

export const FwconsoleFault = z.enum(['none', 'hang', 'garbage', 'empty', 'exit-1', 'network', 'no-change', 'slow']);
export type FwconsoleFault = z.infer<typeof FwconsoleFault>;

export const SimPbx = z.strictObject({
  deploymentId: z.string(),
  productName: z.string().default('PBXact UC'),
  registeredTo: z.string().default('Example Telecom Ltd'),
  activated: z.boolean().default(true),
  /**
   * Language of `ma list` status words: `en`, `it` or `de` (words seen on older systems, such as
   * German `Aktivieren`), or a FreePBX language code (`ru_RU`, `ja_JP`...) for the framework's own translations.
   */
  language: z
    .string()
    .refine((l) => SIM_LANGUAGES.has(l), { message: `one of ${[...SIM_LANGUAGES].join(', ')}` })
    .default('en'),
  /** `sa info` refuses to run without a TTY, like the real one. */
  requireTty: z.boolean().default(true),
  /** The uid that counts as root for `sa activate` / `sa update` (set another to simulate a non-root agent). */
  rootUid: z.number().int().default(0),
  ioncubeNoise: z.boolean().default(true),
  /** `down`: activation servers unreachable. */
  network: z.enum(['up', 'down']).default('up'),
  /** Seconds "Apache" is restarting after `sa activate`; fwconsole reads fail meanwhile. */
  apacheRestartSeconds: z.number().min(0).default(2),
  apacheDownUntil: z.number().nullable().default(null),
  /** Seconds a `slow` fault adds, and how long a `hang` lasts (until killed). */
  slowSeconds: z.number().min(0).default(3),
  activationExpiry: DateText,
  supportContract: z.strictObject({ expiration: DateText, organization: z.string() }).nullable(),
  /** Licence key -> expiry text exactly as fwconsole prints it (YYYY-MM-DD, DD-Mon-YYYY or Never). */
  licence: keyedRecord(z.string(), DateText),
  modules: z.array(SimModule),
  /** Per-command faults: keys "sa info", "sa update", "sa activate", "ma list". */
  faults: keyedRecord(z.string(), FwconsoleFault).prefault({}),
  /** How many times each command ran, for tests ("sa activate": 1). */
  calls: keyedRecord(z.string(), z.number()).prefault({}),
  /**
   * Set by `sandbox init --from-capture`: fwconsole prints exactly what the captured PBX printed,
   * by its arguments (`sa info --no-ansi`, `ma list --format=json`...); anything else was not captured.
   */
  captured: z
    .strictObject({
      source: z.string(),
      commands: keyedRecord(z.string(), z.strictObject({ stdout: z.string(), exitCode: z.number().int() })),
      pbxid: z.string().nullable(),
    })
    .nullable()
    .default(null),
});

export const PortalModule = z.strictObject({
  name: z.string(),
  licenseExpires: DateText,
  maintenanceExpires: DateText,
  /** Whether `sa update` (not only `sa activate`) would pick this date up. Purchases are not. */
  visibleToUpdate: z.boolean().default(true),
});

export const PortalDeployment = z.strictObject({
  name: z.string().default(''),
  supportContractExpires: DateText.nullable().default(null),
  activationExpires: DateText.nullable().default(null),
  modules: keyedRecord(z.string(), PortalModule),
  /** Bumped on every change; used for ETags and the change feed. */
  revision: z.number().int().default(1),
  updatedAt: z.string(),
});

export const PortalFault = z.enum(['none', 'slow', '5xx', '429', 'bad-json', 'bad-schema', 'hang', 'trickle', 'reset', 'unauthorized', 'redirect-loop', 'huge']);
export type PortalFault = z.infer<typeof PortalFault>;

export const SimPortal = z.strictObject({
  /** The token the simulated portal accepts (the sandbox writes it to DIR/portal-token too). */
  token: z.string(),
  fault: PortalFault.default('none'),
  /** Seconds the `slow` fault waits before answering; `429` and `5xx` ask to come back after retryAfterSeconds. */
  slowSeconds: z.number().min(0).default(3),
  retryAfterSeconds: z.number().int().min(0).default(1),
  /** Base URL once `sandbox portal` runs. */
  url: z.string().nullable().default(null),
  deployments: keyedRecord(z.string(), PortalDeployment),
  /** Monotonic counter for the change feed. */
  cursor: z.number().int().default(0),
  changes: z.array(z.strictObject({ cursor: z.number().int(), deploymentId: z.string(), at: z.string() })).default([]),
});

export const SandboxState = z.strictObject({
  version: z.literal(1),
  pbx: SimPbx,
  portal: SimPortal,
});

export type SandboxState = z.output<typeof SandboxState>;
export type SimPbx = z.output<typeof SimPbx>;
export type SimModule = z.output<typeof SimModule>;

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

export function readState(dir: string): SandboxState {
  const path = statePath(dir);
  let json;
  try {
    json = parseJson(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read sandbox state ${path}: ${(err as Error).message}`, 'Is this a sandbox directory? Create one with `sandbox init DIR`.');
  }
  if (!json.ok) throw new UsageError(`cannot read sandbox state ${path}: ${json.problem}`, 'Fix the file, or start afresh with `sandbox init DIR --force`.');
  const parsed = SandboxState.safeParse(json.value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UsageError(`sandbox state ${path} is invalid: ${problems}`, 'Fix the file, or start afresh with `sandbox init DIR --force`.');
  }
  return parsed.data;
}

export function writeState(dir: string, state: SandboxState): void {
  const path = statePath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Read-modify-write under a lock file, so a purchase and a simulated
 * `sa activate` running at the same moment do not lose each other's change.
 */
export function updateState<T>(dir: string, change: (state: SandboxState) => T): T {
  const lock = join(dir, 'state.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isStale(lock) || Date.now() > deadline) rmSync(lock, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    const state = readState(dir);
    const result = change(state);
    writeState(dir, state);
    return result;
  } finally {
    rmSync(lock, { force: true });
  }
}

function isStale(lock: string): boolean {
  try {
    return Date.now() - statSync(lock).mtimeMs > 5_000;
  } catch {
    return false;
  }
}
