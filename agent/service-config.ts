import { fileURLToPath } from 'node:url';
import { readConfigText } from '../src/config/config-file.js';
import type { LoadedConfig } from '../src/config/load.js';
import type { AgentConfig } from '../src/config/schema.js';
import { ConfigError } from '../src/errors.js';
import { runProcess } from '../src/process/run-process.js';

const AGENT_BIN = fileURLToPath(new URL('../../bin/pbx-activation-agent.js', import.meta.url));

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
  const child = await runProcess([process.execPath, AGENT_BIN, 'config', 'check', '--json', '--config', path, '--config-stdin'], { timeoutMs: 60_000, input: text });
  let verdict: Verdict;
  try {
    verdict = JSON.parse(child.stdout) as Verdict;
  } catch {
    throw new ConfigError(path, [`the configuration could not be checked: ${child.stderr.trim().split('\n').at(-1) ?? `exit ${child.exitCode}`}`]);
  }
  if (!verdict.ok) throw new ConfigError(verdict.file, verdict.problems, verdict.hint);
  return { path, config: verdict.config, digest: verdict.digest, text };
}
