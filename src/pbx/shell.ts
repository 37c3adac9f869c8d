import { SpawnError, type ProcessResult } from '../process/run-process.js';

/**
 * The port through which everything reaches a PBX: the local host (child
 * processes) or a remote one (SSH). Commands are argv arrays, never shell strings.
 */
export interface PbxShell {
  /** Human description for messages: `local` or `ssh asterisk@pbx1:22`. */
  readonly description: string;
  exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** Reads a small text file on the PBX; null when it does not exist. */
  readFile(path: string): Promise<string | null>;
  /** Names in a directory on the PBX; null when it does not exist. */
  listDir(path: string): Promise<string[] | null>;
  close(): Promise<void>;
}

export interface ExecOptions {
  readonly timeoutMs: number;
  /** Run under a pseudo-terminal, as `script -qc ... /dev/null` does (fwconsole sa info needs one). */
  readonly tty?: boolean;
  /** Prefix with `sudo -n` (only the activation step needs it). */
  readonly sudo?: boolean;
  /** Abort early, for example on SIGTERM; the process group is killed like on timeout. */
  readonly signal?: AbortSignal;
}

/** What a command did; the same shape locally and over SSH. */
export type ExecResult = ProcessResult;

export { SpawnError };

/**
 * POSIX single-quote quoting, for the one place a command string is unavoidable:
 * `script -c` and an SSH exec request both take one string.
 */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/** Arguments made only of these characters mean the same to every shell, quoted or not. */
export const PLAIN_ARG = /^[A-Za-z0-9_\/.,:=@%+-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('NUL byte in command argument');
  if (PLAIN_ARG.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `sudo -n` never asks for a password: without a sudo rule the command fails at once instead of hanging. */
export function withSudo(argv: readonly string[], sudo: boolean | undefined): string[] {
  return sudo ? ['sudo', '-n', '--', ...argv] : [...argv];
}

/** argv as it is executed once the sudo and pseudo-TTY wrappers are applied. */
export function wrapArgv(argv: readonly string[], options: Pick<ExecOptions, 'tty' | 'sudo'>): string[] {
  const inner = withSudo(argv, options.sudo);
  // util-linux script: -q quiet, -e return the child's exit status, -c the command.
  return options.tty ? ['script', '-q', '-e', '-c', quoteArgv(inner), '/dev/null'] : inner;
}
