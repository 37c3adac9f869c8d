import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/pbx-activation-agent.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built agent as a user would, in a child process. */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: readonly string[] } = {}): Promise<CliResult> {
  const argv = [...(options.prefix ?? []), process.execPath, BIN, ...args];
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { env: { ...process.env, NO_COLOR: '1', ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** When tests run as root (CI), permission checks need an unprivileged user: setpriv drops to nobody. */
export function unprivileged(): readonly string[] {
  return process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
}
