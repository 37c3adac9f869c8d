import { chownSync, closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { readTextFile } from '../config/bounded-file.js';
import { ConfigError } from '../errors.js';
import type { PresentedKey } from '../pbx/ssh-target.js';
import type { FleetHost, Inventory } from './inventory.js';

export interface TrustDeps {
  /** Connects only as far as the key exchange and returns the key the host presents. */
  readonly probe: (host: FleetHost) => Promise<PresentedKey>;
  /** Shows the fingerprint and asks; true to record it. */
  readonly confirm: (host: FleetHost, key: PresentedKey) => Promise<boolean>;
}

export type TrustResult =
  | { readonly status: 'already-trusted'; readonly key: PresentedKey }
  | { readonly status: 'recorded'; readonly key: PresentedKey; readonly previous: string | null }
  | { readonly status: 'declined'; readonly key: PresentedKey; readonly previous: string | null };

/** `fleet trust HOST`: shows the host's key fingerprint and, once confirmed, pins it in the inventory. */
export async function trustHost(inventory: Inventory, host: FleetHost, deps: TrustDeps): Promise<TrustResult> {
  const key = await deps.probe(host);
  if (key.fingerprint === host.hostKey) return { status: 'already-trusted', key };
  if (!(await deps.confirm(host, key))) return { status: 'declined', key, previous: host.hostKey };
  pinHostKey(inventory.path, host.name, key.fingerprint);
  return { status: 'recorded', key, previous: host.hostKey };
}

/**
 * Writes the fingerprint into the host's entry, atomically (a temporary file
 * renamed over the inventory), keeping the file's mode, owner and indentation.
 */
export function pinHostKey(path: string, hostName: string, fingerprint: string): void {
  const text = readTextFile(path, 'inventory');
  const data = JSON.parse(text) as { hosts?: Array<Record<string, unknown>> };
  const entry = data.hosts?.find((h) => h.name === hostName);
  if (!entry) throw new ConfigError(path, [`hosts: no host named "${hostName}"`]);
  entry.hostKey = fingerprint;

  const stat = statSync(path);
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', stat.mode & 0o777);
  try {
    fchmodSync(fd, stat.mode & 0o777);
    writeSync(fd, `${JSON.stringify(data, null, indent)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    chownSync(tmp, stat.uid, stat.gid);
  } catch {
    // not root: the file stays ours, as the original was
  }
  renameSync(tmp, path);
}
