import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { AgentConfig } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/pbx-activation-agent/config.json';
export const CONFIG_ENV = 'PBX_AGENT_CONFIG';

export interface LoadedConfig {
  readonly path: string;
  readonly config: AgentConfig;
}

/** `--config FILE`, else `$PBX_AGENT_CONFIG`, else the system path. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env[CONFIG_ENV] || DEFAULT_CONFIG_PATH));
}

export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EACCES'
          ? 'the file is not readable by this user'
          : `the file cannot be read (${code ?? String(err)})`;
    throw new ConfigError(
      path,
      [problem],
      code === 'ENOENT'
        ? `Create it (a minimal example is in the README under "Configuration"), or pass --config FILE / set ${CONFIG_ENV}.`
        : `Make it readable by the agent's user, or pass --config FILE.`,
    );
  }
  return { path, config: parseConfig(text, path) };
}

/** Validates a config text; relative paths in it are taken relative to the file's directory. */
export function parseConfig(text: string, path: string): AgentConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [jsonProblem(text, err as Error)], 'The file must be a single JSON object; fix the syntax at the position shown.');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(path, ['the file must contain a JSON object ({ ... })']);
  }
  const problems = inlineSecretProblems(data);
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
  return {
    ...config,
    store: { ...config.store, path: abs(config.store.path) },
    pbx: { ...config.pbx, fwconsole, schmoozeDir: abs(config.pbx.schmoozeDir) },
    fleet: { ...config.fleet, inventory: abs(config.fleet.inventory) },
  };
}
