import { readConfigText } from '../src/config/config-file.js';
import type { LoadedConfig } from '../src/config/load.js';
import type { AgentConfig } from '../src/config/schema.js';
import { ConfigError } from '../src/errors.js';
import { agentChild } from './agent-child.js';

type Verdict =
  | { readonly ok: true; readonly path: string; readonly digest: string; readonly config: AgentConfig }
  | { readonly ok: false; readonly file: string; readonly problems: string[]; readonly hint: string };

/**
 * The daemon's configuration, validated by `config check` in a child process
 * (the daemon runs for years and should not keep the validator loaded).
 * Throws ConfigError listing every problem (exit 78 at start; on SIGHUP the
 * configuration in force is kept).
 */
export async function loadServiceConfig(path: string): Promise<LoadedConfig> {
  const text = readConfigText(path);
  const child = await agentChild(['config', 'check', '--json'], { path, text }, { timeoutMs: 60_000 });
  let verdict: Verdict;
  try {
    verdict = JSON.parse(child.stdout) as Verdict;
  } catch {
    throw new ConfigError(path, [`the configuration could not be checked: ${child.stderr.trim().split('\n').at(-1) ?? `exit ${child.exitCode}`}`]);
  }
  if (!verdict.ok) throw new ConfigError(verdict.file, verdict.problems, verdict.hint);
  // Webhook URLs in verdict.config are shown as scheme and host only: the daemon sends no alerts itself,
  // its children read the full text.
  return { path, config: withMaps(verdict.config), digest: verdict.digest, text };
}

/**
 * `config check --json` prints the tables keyed by data as JSON objects; inside the agent they are Maps (the
 * daemon's timeline page and calendar feed read `alerts.perModule`, its metrics `renewals.perModule`).
 */
function withMaps(config: AgentConfig): AgentConfig {
  const asMap = <V>(value: unknown): Map<string, V> => (value instanceof Map ? (value as Map<string, V>) : new Map(Object.entries((value ?? {}) as Record<string, V>)));
  return {
    ...config,
    pbx: { ...config.pbx, moduleAliases: asMap(config.pbx.moduleAliases) },
    alerts: { ...config.alerts, perModule: asMap(config.alerts.perModule) },
    renewals: { ...config.renewals, perModule: asMap(config.renewals.perModule) },
  };
}
