import { readdir, readFile } from 'node:fs/promises';
import { runProcess } from '../process/run-process.js';
import type { ExecOptions, ExecResult, PbxShell } from './shell.js';
import { wrapArgv } from './shell.js';

/** Runs fwconsole on this host. */
export class LocalShell implements PbxShell {
  readonly description = 'local';

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    return runProcess(wrapArgv(argv, options), {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      // script(1) does not stop on SIGTERM; killing it closes the pseudo-terminal, whose
      // session (fwconsole and its PHP) then gets SIGHUP. Do it at once, before our own caller
      // (the daemon stopping) might be gone and leave script waiting for ever.
      ...(options.tty ? { killGraceMs: 200 } : {}),
      // A wide, plain terminal: fwconsole tables are not wrapped, colours are off unless forced.
      env: { ...this.env, LANG: this.env.LANG ?? 'C.UTF-8', TERM: this.env.TERM ?? 'dumb', COLUMNS: '200' },
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
