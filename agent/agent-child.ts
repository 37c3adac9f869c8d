import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../src/config/load.js';
import type { LogLevel } from '../src/log/logger.js';
import { runProcess, type ProcessOptions, type ProcessResult } from '../src/process/run-process.js';

/** The agent's own launcher, for the commands the daemon (and the demo) run as child processes. */
export const AGENT_BIN = fileURLToPath(new URL('../../bin/pbx-activation-agent.js', import.meta.url));

/**
 * Runs an agent command in a child process with the configuration in force:
 * its text on stdin (after a refused reload it is not what the file says),
 * the file's path for relative paths and messages, and the daemon's
 * --log-level if one was given.
 */
export function agentChild(
  args: readonly string[],
  loaded: Pick<LoadedConfig, 'path' | 'text'>,
  options: Omit<ProcessOptions, 'input'> & { readonly logLevel?: LogLevel | undefined },
): Promise<ProcessResult> {
  const { logLevel, ...process_ } = options;
  return runProcess(
    [process.execPath, AGENT_BIN, ...args, '--config', loaded.path, '--config-stdin', ...(logLevel ? ['--log-level', logLevel] : [])],
    { ...process_, input: loaded.text },
  );
}
