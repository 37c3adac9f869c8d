import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { FileReadError, readTextFile } from '../config/bounded-file.js';
import { controlCharacterProblems, formatIssues, jsonProblem } from '../config/load.js';
import { PbxSettings } from '../config/schema.js';
import { DEPLOYMENT_ID } from '../core/items.js';
import { parseJson } from '../core/strict-json.js';
import { ConfigError, UsageError } from '../errors.js';
import { FINGERPRINT } from '../pbx/host-key.js';
import type { SshTarget } from '../pbx/ssh-target.js';

export const DEFAULT_INVENTORY_HINT = 'Every key is documented in the README under "Fleet: many PBXs over SSH".';

/** A PBX of the fleet, with defaults applied and paths resolved. Holds no secret, only where secrets are. */
export interface FleetHost extends SshTarget {
  /** The deployment this host must report, when the inventory says; the cycle refuses another. */
  readonly deploymentId: string | null;
  readonly privateKeyFile: string;
  readonly passphraseFile: string | null;
  /** fwconsole path, timeouts... as for the local agent; `sudo` prefixes the activation command. */
  readonly pbx: PbxSettings;
}

export interface Inventory {
  readonly path: string;
  readonly hosts: readonly FleetHost[];
}

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Remote paths reach a command line: absolute, and only characters every shell reads literally. */
const RemotePath = z.string().regex(/^\/[A-Za-z0-9_/.,:=@%+-]*$/, 'must be an absolute path on the PBX made of letters, digits and /._,:=@%+-');

/** The per-host PBX settings: the agent's own `pbx` keys, with remote paths; `sudo` is a host key. */
const HostPbx = PbxSettings.omit({ sudo: true }).extend({
  fwconsole: RemotePath.default('/usr/sbin/fwconsole'),
  schmoozeDir: RemotePath.default('/etc/schmooze'),
});

/**
 * Validates a partial `pbx` object but keeps the raw value, so defaults and
 * host values can be merged before they are parsed once (durations included).
 */
const PbxOverrides = z.unknown().superRefine((value, ctx) => {
  const parsed = HostPbx.safeParse(value);
  if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
});

const shared = {
  port: z.number().int().min(1).max(65535),
  user: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, 'must be a login name'),
  /** The SSH private key (mode 0600); relative paths are relative to the inventory file. */
  privateKeyFile: z.string().min(1),
  /** Its passphrase, alone in a file (mode 0600), when the key is encrypted. */
  passphraseFile: z.string().min(1),
  sudo: z.boolean(),
  pbx: PbxOverrides,
};

const Defaults = z.strictObject(shared).partial();

const Host = z
  .strictObject({
    name: z.string().regex(HOST_NAME, 'must be letters, digits, ".", "_" or "-" (it names the host in the store and on the command line)'),
    address: z.string().regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address'),
    deploymentId: z.string().regex(DEPLOYMENT_ID, 'must be letters, digits and dashes'),
    hostKey: z.string().regex(FINGERPRINT, 'must be a SHA256 fingerprint as `ssh-keygen -lf` prints it (SHA256:...)'),
    ...shared,
  })
  .partial()
  .required({ name: true, address: true });

const InventoryFile = z.strictObject({
  defaults: Defaults.optional(),
  hosts: z.array(Host).min(1, 'list at least one host'),
});

/** Reads and validates the inventory, listing every problem with its path (exit 78). */
export function loadInventory(path: string): Inventory {
  let text: string;
  try {
    text = readTextFile(path, 'inventory');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ConfigError(
      path,
      [`the inventory file ${err.problem}`],
      'Create it (see "Fleet: many PBXs over SSH" in the README), or pass --inventory FILE / set fleet.inventory in the agent config.',
    );
  }
  const json = parseJson(text);
  if (!json.ok && json.kind === 'syntax') throw new ConfigError(path, [jsonProblem(text, json.error)], 'The inventory must be a single JSON object; fix the syntax at the position shown.');
  if (!json.ok) throw new ConfigError(path, [`${json.path || '(top level)'}: ${json.problem}; keep one`], DEFAULT_INVENTORY_HINT);
  return parseInventory(json.value, path);
}

export function parseInventory(data: unknown, path: string): Inventory {
  const parsed = InventoryFile.safeParse(data);
  const names = rawHostNames(data);
  const problems = [...controlCharacterProblems(data), ...(parsed.success ? [] : formatIssues(parsed.error.issues))].map((p) => labelHost(p, names));
  problems.push(...mergedProblems(data, names));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(path, problems, DEFAULT_INVENTORY_HINT);

  const base = dirname(path);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const defaults = parsed.data.defaults ?? {};
  const hosts = parsed.data.hosts.map((h): FleetHost => {
    const merged = { ...defaults, ...h };
    const pbxRaw = { ...asObject(defaults.pbx), ...asObject(h.pbx) };
    return {
      name: h.name,
      address: h.address,
      port: merged.port ?? 22,
      // Present in every host: mergedProblems() refused the file otherwise.
      user: merged.user!,
      hostKey: h.hostKey ?? null,
      deploymentId: h.deploymentId ?? null,
      privateKeyFile: abs(merged.privateKeyFile!),
      passphraseFile: merged.passphraseFile === undefined ? null : abs(merged.passphraseFile),
      pbx: { ...HostPbx.parse(pbxRaw), sudo: merged.sudo ?? false },
    };
  });
  return { path, hosts };
}

/** The hosts named by `--hosts a,b` (all when none), or a usage error naming the unknown ones. */
export function selectHosts(inventory: Inventory, names: readonly string[] | undefined): FleetHost[] {
  if (names === undefined || names.length === 0) return [...inventory.hosts];
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`not in the inventory ${inventory.path}: ${unknown.join(', ')}`, `Known hosts: ${[...byName.keys()].slice(0, 20).join(', ')}${byName.size > 20 ? ', ...' : ''}`);
  }
  return [...new Set(names)].map((n) => byName.get(n)!);
}

/** `hosts.3.address` reads better as `hosts.3 (pbx-rome).address` in a list of thousands. */
export function hostLabel(index: number, name: string | undefined): string {
  return name === undefined ? `hosts.${index}` : `hosts.${index} (${name})`;
}

function labelHost(problem: string, names: ReadonlyArray<string | undefined>): string {
  return problem.replace(/^hosts\.(\d+)/, (_, i: string) => hostLabel(Number(i), names[Number(i)]));
}

/** What only shows once defaults are applied: keys every host needs, and names that must be unique. */
function mergedProblems(data: unknown, names: ReadonlyArray<string | undefined>): string[] {
  const doc = asObject(data);
  if (!Array.isArray(doc.hosts)) return [];
  const defaults = asObject(doc.defaults);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  doc.hosts.forEach((raw: unknown, i: number) => {
    const host = asObject(raw);
    for (const key of ['user', 'privateKeyFile']) {
      if (host[key] === undefined && defaults[key] === undefined) problems.push(`${hostLabel(i, names[i])}.${key}: missing (set it for this host or in "defaults")`);
    }
    const name = names[i];
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) problems.push(`${hostLabel(i, name)}.name: "${name}" is already used by hosts.${first}; names must be unique`);
    else seen.set(name, i);
  });
  return problems;
}

function rawHostNames(data: unknown): Array<string | undefined> {
  const hosts = asObject(data).hosts;
  return Array.isArray(hosts) ? hosts.map((h: unknown) => (typeof asObject(h).name === 'string' ? (asObject(h).name as string) : undefined)) : [];
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

