import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import type { ExecOptions, ExecResult, PbxShell } from './shell.js';
import { SpawnError, wrapArgv } from './shell.js';

/** Output beyond this is cut: fwconsole never prints megabytes, a runaway process might. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** After SIGTERM, how long the process group gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** Runs commands on this host. The only module that imports child_process. */
export class LocalShell implements PbxShell {
  readonly description = 'local';

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const full = wrapArgv(argv, options);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      // detached: the child leads its own process group, so a timeout kills
      // fwconsole's PHP children and script's shell along with it.
      const child = spawn(full[0]!, full.slice(1), {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...this.env, LANG: this.env.LANG ?? 'C.UTF-8', TERM: this.env.TERM ?? 'dumb', COLUMNS: '200' },
      });
      const stdout = new OutputBuffer();
      const stderr = new OutputBuffer();
      let timedOut = false;
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;

      const killGroup = (signal: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      };
      const stop = () => {
        killGroup('SIGTERM');
        killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs);
      const onAbort = () => {
        aborted = true;
        stop();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        reject(new SpawnError(full, err.code ?? 'UNKNOWN', `cannot start ${full[0]}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        // A stopped command's helpers (PHP children, script's shell) must not linger.
        if (timedOut || aborted) killGroup('SIGKILL');
        options.signal?.removeEventListener('abort', onAbort);
        resolve({
          argv: full,
          exitCode: code,
          signal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          durationMs: performance.now() - started,
          timedOut,
          aborted,
        });
      });
    });
  }

  async readFile(path: string): Promise<string | null> {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async listDir(path: string): Promise<string[] | null> {
    try {
      return await readdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async close(): Promise<void> {}
}

class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    if (this.size >= MAX_OUTPUT_BYTES) return;
    this.chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - this.size));
    this.size += chunk.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
