import type { ExecOptions, ExecResult, PbxShell } from './shell.js';

export interface ShellObserver {
  /** Called after each command with its subcommand ("sa info") and how long it took. */
  readonly onExec?: (command: string, ms: number) => void;
}

/**
 * A PbxShell around another that reports how long each fwconsole command
 * took, whatever code (check, renew) runs them: the durations a cycle records.
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
    const result = await this.inner.exec(argv, options);
    this.observer.onExec?.(subcommand(argv), result.durationMs);
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
function subcommand(argv: readonly string[]): string {
  return argv
    .slice(1)
    .filter((a) => !a.startsWith('-'))
    .slice(0, 2)
    .join(' ');
}
