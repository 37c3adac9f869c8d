import type { ExecOptions, ExecResult, PbxShell } from './shell.js';

export interface ShellObserver {
  /** Aborts every command when it fires (the daemon's stop), on top of the caller's own signal. */
  readonly signal?: AbortSignal;
  /** Called after each command with its subcommand ("sa info") and how long it took. */
  readonly onExec?: (command: string, ms: number, result: ExecResult) => void;
}

/**
 * A PbxShell around another: adds the daemon's stop signal to every command
 * and reports fwconsole durations, whatever code (check, renew) runs them.
 */
export class ObservedShell implements PbxShell {
  constructor(
    private readonly inner: PbxShell,
    private readonly observer: ShellObserver,
  ) {}

  get description(): string {
    return this.inner.description;
  }

  async exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const signals = [options.signal, this.observer.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const result = await this.inner.exec(argv, signal ? { ...options, signal } : options);
    this.observer.onExec?.(subcommand(argv), result.durationMs, result);
    return result;
  }

  readFile(path: string): Promise<string | null> {
    return this.inner.readFile(path);
  }

  listDir(path: string): Promise<string[] | null> {
    return this.inner.listDir(path);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** `/usr/sbin/fwconsole sa info --no-ansi` -> `sa info`. */
export function subcommand(argv: readonly string[]): string {
  return argv
    .slice(1)
    .filter((a) => !a.startsWith('-'))
    .slice(0, 2)
    .join(' ');
}
