import { createHash } from 'node:crypto';
import { z } from 'zod';
import { keyedRecord } from '../config/keyed-map.js';
import { parseJson } from '../core/strict-json.js';
import { UsageError } from '../errors.js';
import { readTarGz, TarError, writeTarGz } from './tar.js';

/**
 * A capture bundle: what fwconsole printed on one PBX (read-only commands
 * only), the files next to it, and what each reader made of it, in one
 * tar.gz with a manifest. Operators send it when the agent did not understand
 * their PBX; `sandbox init --from-capture` turns it into a simulated PBX.
 */
export const BUNDLE_FORMAT = 'pbx-activation-agent-capture';

export const CapturedCommand = z.strictObject({
  /** Stable id: `sa-info`, `ma-list-json`, ... */
  name: z.string(),
  /** fwconsole's arguments (the sandbox replays by them), without the fwconsole path. */
  args: z.array(z.string()),
  /** The program: `fwconsole`, or another tool such as `php`. */
  program: z.string(),
  tty: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number(),
  /** Paths in the bundle of what it printed, byte for byte; null when it could not be started (see `error`). */
  stdout: z.string().nullable(),
  stderr: z.string().nullable(),
  error: z.string().nullable(),
});
export type CapturedCommand = z.infer<typeof CapturedCommand>;

export const CapturedFile = z.strictObject({
  /** Where it was read on the PBX. */
  source: z.string(),
  /** Path in the bundle; null when the file was absent or unreadable. */
  path: z.string().nullable(),
  /** `full`, or `head`: only the readable head of a licence file, never its signed or encoded body. */
  content: z.enum(['full', 'head']),
});
export type CapturedFile = z.infer<typeof CapturedFile>;

export const CaptureManifest = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(1),
  createdAt: z.string(),
  agentVersion: z.string(),
  /** `local`, or the SSH target. */
  shell: z.string(),
  fwconsole: z.string(),
  /** pbx.moduleAliases of the capturing agent: which licence key is which module. */
  moduleAliases: keyedRecord(z.string(), z.string()),
  redacted: z.boolean(),
  redactions: z.strictObject({ deploymentIds: z.number().int(), names: z.number().int() }).nullable(),
  commands: z.array(CapturedCommand),
  files: z.array(CapturedFile),
  /** Every other entry of the bundle with its size and SHA-256, so a damaged bundle is noticed. */
  entries: z.array(z.strictObject({ path: z.string(), bytes: z.number().int(), sha256: z.string() })),
});
export type CaptureManifest = z.infer<typeof CaptureManifest>;

export const MANIFEST_PATH = 'manifest.json';

export interface Bundle {
  readonly manifest: CaptureManifest;
  /** Entries by path (manifest excluded). */
  readonly files: ReadonlyMap<string, Buffer>;
}

export function packBundle(manifest: Omit<CaptureManifest, 'entries'>, files: ReadonlyMap<string, Buffer>): Buffer {
  const entries = [...files].map(([path, data]) => ({ path, bytes: data.length, sha256: sha256(data) }));
  const full: CaptureManifest = { ...manifest, entries };
  return writeTarGz([{ name: MANIFEST_PATH, data: Buffer.from(`${JSON.stringify(full, null, 2)}\n`) }, ...[...files].map(([name, data]) => ({ name, data }))]);
}

export function unpackBundle(data: Buffer, source: string): Bundle {
  const fix = 'Use a file written by `pbx-activation-agent capture` (a .tar.gz), as it was sent.';
  let entries: Map<string, Buffer>;
  try {
    entries = readTarGz(data);
  } catch (err) {
    if (err instanceof TarError) throw new UsageError(`${source} is not a capture bundle: ${err.message}`, fix);
    throw err;
  }
  const raw = entries.get(MANIFEST_PATH);
  if (!raw) throw new UsageError(`${source} is not a capture bundle: it has no ${MANIFEST_PATH}`, fix);
  const parsed = parseJson(raw.toString('utf8'));
  if (!parsed.ok) throw new UsageError(`${source}: ${MANIFEST_PATH} is not usable JSON (${parsed.problem})`, fix);
  const manifest = CaptureManifest.safeParse(parsed.value);
  if (!manifest.success) {
    throw new UsageError(`${source}: ${MANIFEST_PATH} is not a capture manifest: ${manifest.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, fix);
  }
  entries.delete(MANIFEST_PATH);
  for (const e of manifest.data.entries) {
    const file = entries.get(e.path);
    if (!file || file.length !== e.bytes || sha256(file) !== e.sha256) throw new UsageError(`${source}: ${e.path} is missing or damaged`, fix);
  }
  return { manifest: manifest.data, files: entries };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
