import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

// Tests that start the agent pick its metrics port with it.
export { freePort } from './tcp.js';

/** A long-running agent (`run`) in a child process, its JSON log lines collected. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number, from?: number): Promise<Record<string, unknown>>;
  /** Exit code (or 128+signal) once the process ended. */
  exited(): Promise<number>;
}

export function startAgent(args: readonly string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let err = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        lines.push({ msg: p, unparsed: true });
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15))));
  return {
    child,
    lines,
    stderr: () => err,
    exited: () => exit,
    async waitFor(match, timeoutMs = 15_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.slice(from).find(match);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no matching log line (exit ${child.exitCode}); stderr: ${err}\nlog:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
