import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { hasControls } from '../core/safe-text.js';
import { parseJson } from '../core/strict-json.js';
import { ConfigError } from '../errors.js';
import { agentVersion } from '../version.js';
import { configDigest, readConfigText } from './config-file.js';
import { resolveAlertPaths } from './alerts-schema.js';
import { AgentConfig } from './schema.js';

export { CONFIG_ENV, DEFAULT_CONFIG_PATH, resolveConfigPath } from './config-file.js';

export interface LoadedConfig {
  readonly path: string;
  readonly config: AgentConfig;
  /** The text's digest (see configDigest), so a later read-only command can reuse this validation. */
  readonly digest: string;
  /** The text it was validated from: the daemon hands it to its checks, so they use the config in force. */
  readonly text: string;
}

/**
 * Reads and validates the configuration; every problem is listed in one
 * ConfigError (exit 78). `text` given: that text, as if it were the file at `path`.
 */
export function loadConfig(path: string, text: string = readConfigText(path)): LoadedConfig {
  return { path, config: parseConfig(text, path), digest: configDigest(text, agentVersion()), text };
}

/** Validates a config text; relative paths in it are taken relative to the file's directory. */
export function parseConfig(text: string, path: string): AgentConfig {
  const json = parseJson(text);
  if (!json.ok && json.kind === 'syntax') throw new ConfigError(path, [jsonProblem(text, json.error)], 'The file must be a single JSON object; fix the syntax at the position shown.');
  // JSON.parse would keep the last of two different values silently: which one the operator meant is theirs to say.
  if (!json.ok) throw new ConfigError(path, [`${json.path || '(top level)'}: ${json.problem}; keep one`]);
  const data = json.value;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(path, ['the file must contain a JSON object ({ ... })']);
  }
  const problems = [...inlineSecretProblems(data), ...controlCharacterProblems(data)];
  const parsed = AgentConfig.safeParse(data);
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(path, problems);
  return resolvePaths(parsed.data, dirname(path));
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const at = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(`${issue.path.length > 0 ? `${at}.` : ''}${key}: unknown key (check the spelling against the README)`);
      }
    } else {
      out.push(`${at}: ${issue.message}`);
    }
  }
  return out;
}

const SECRET_KEY = /^(token|password|passphrase|secret|api[-_]?key|webhook[-_]?secret)$/i;

/** Secrets belong in files (or systemd credentials), never in the config itself. */
function inlineSecretProblems(data: unknown, path: string[] = []): string[] {
  if (typeof data !== 'object' || data === null) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const here = [...path, key];
    if (SECRET_KEY.test(key) && typeof value === 'string') {
      problems.push(
        `${here.join('.')}: secrets are never written in the config; put the value in a file readable only by the agent (chmod 600) and reference it with ${here.join('.')}File`,
      );
    } else {
      problems.push(...inlineSecretProblems(value, here));
    }
  }
  return problems;
}

/**
 * Names and paths in the configuration end up in messages, logs and alert
 * bodies: a control character or a bidirectional override there is refused,
 * not carried along (they have no business in a path, an address or an argv).
 */
export function controlCharacterProblems(data: unknown, path: string[] = []): string[] {
  if (typeof data === 'string') return hasControls(data) ? [`${path.join('.') || '(top level)'}: contains a control or bidirectional-override character; remove it`] : [];
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data).flatMap(([key, value]) => {
    const here = [...path, hasControls(key) ? JSON.stringify(key).replace(/[^\x20-\x7e]/g, '?') : key];
    return [...(hasControls(key) ? [`${here.join('.')}: the key contains a control or bidirectional-override character`] : []), ...controlCharacterProblems(value, here)];
  });
}

export function jsonProblem(text: string, err: Error): string {
  const at = /position (\d+)/.exec(err.message);
  if (!at) return `not valid JSON: ${err.message}`;
  const offset = Number(at[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${err.message.replace(/ in JSON at position \d+.*$/, '')}`;
}

function resolvePaths(config: AgentConfig, base: string): AgentConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  // A bare command name (no slash) is looked up on PATH, like a shell would.
  const fwconsole = config.pbx.fwconsole.includes('/') ? abs(config.pbx.fwconsole) : config.pbx.fwconsole;
  const portal = config.portal && {
    ...config.portal,
    ...(config.portal.tokenFile ? { tokenFile: abs(config.portal.tokenFile) } : {}),
    ...(config.portal.caFile ? { caFile: abs(config.portal.caFile) } : {}),
  };
  return {
    ...config,
    ...(portal ? { portal } : {}),
    store: { ...config.store, path: abs(config.store.path) },
    pbx: { ...config.pbx, fwconsole, schmoozeDir: abs(config.pbx.schmoozeDir) },
    alerts: resolveAlertPaths(config.alerts, abs),
    fleet: { ...config.fleet, inventory: abs(config.fleet.inventory) },
  };
}
