import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { FileReadError, readTextFile } from './bounded-file.js';

/**
 * Finding and reading the configuration file, without validating it (that
 * is load.ts, with zod). Kept apart so fast read-only commands can reuse a
 * validation done earlier instead of loading the validator.
 */
export const DEFAULT_CONFIG_PATH = '/etc/pbx-activation-agent/config.json';
export const CONFIG_ENV = 'PBX_AGENT_CONFIG';
export const DEFAULT_STORE_PATH = '/var/lib/pbx-activation-agent/agent.db';

/** `--config FILE`, else `$PBX_AGENT_CONFIG`, else the system path. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env[CONFIG_ENV] || DEFAULT_CONFIG_PATH));
}

/** The configuration file's text: a regular file of at most 1 MiB (see bounded-file.ts). */
export function readConfigText(path: string): string {
  try {
    return readTextFile(path, 'config');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ConfigError(
      path,
      [`the file ${err.problem}`],
      err.reason === 'missing'
        ? `Create it (a minimal example is in the README under "Configuration"), or pass --config FILE / set ${CONFIG_ENV}.`
        : err.reason === 'unreadable'
          ? `Make it readable by the agent's user, or pass --config FILE.`
          : 'Point --config (or $PBX_AGENT_CONFIG) at the JSON configuration file itself.',
    );
  }
}

/**
 * Identifies a config text as validated by one agent version (a new version
 * validates afresh). It only tells "the same text as last time" apart from an
 * edited one, so a fast non-cryptographic hash does (two 53-bit cyrb53 halves):
 * loading node:crypto would cost `status` more than the whole hash.
 */
export function configDigest(text: string, agentVersion: string): string {
  const input = `${agentVersion}\0${text}`;
  return `${cyrb53(input, 0x9e3779b9).toString(16)}-${cyrb53(input, 0x85ebca6b).toString(16)}-${input.length}`;
}

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Where the store is, read from the raw text without validating it; null when
 * the text is not a JSON object. Only used to find a validation kept in the store.
 */
export function storePathHint(text: string, configPath: string): string | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const store = (data as { store?: { path?: unknown } }).store;
  const path = typeof store?.path === 'string' && store.path !== '' ? store.path : DEFAULT_STORE_PATH;
  return isAbsolute(path) ? path : resolve(dirname(configPath), path);
}
