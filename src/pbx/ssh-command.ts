import { AgentError } from '../errors.js';
import { PLAIN_ARG, withSudo, type ExecOptions, type ExecResult } from './shell.js';
import type { SshTarget } from './ssh-target.js';

/** After SIGTERM, how long a remote command gets before SIGKILL. */
export const KILL_GRACE_MS = 2000;
/** pbxid and licence files are a few hundred bytes; anything past this is not one of them. */
const MAX_FILE_BYTES = 1024 * 1024;
const READ_CHUNK = 64 * 1024;

/**
 * The command as the host runs it. The exec request is one string for the
 * remote login shell, whatever shell that is, so only words that mean the same
 * to every shell are sent (and quoted all the same). It runs under coreutils
 * timeout(1), so the limit holds on the host even when the connection is gone:
 * without a terminal timeout leads its own process group and stops every child;
 * with one it stays in the foreground so fwconsole keeps the terminal, whose
 * hang-up takes the children.
 */
export function remoteArgv(target: Pick<SshTarget, 'name'>, argv: readonly string[], options: Pick<ExecOptions, 'timeoutMs' | 'tty' | 'sudo'>): string[] {
  const inner = withSudo(argv, options.sudo);
  const unsafe = inner.find((a) => !PLAIN_ARG.test(a));
  if (unsafe !== undefined) {
    throw new AgentError(
      `refusing to send the argument "${unsafe.slice(0, 60)}" to ${target.name} over SSH`,
      'Remote commands may only contain letters, digits and /._,:=@%+- ; check pbx.fwconsole and the deployment id for this host.',
    );
  }
  const seconds = String(Math.max(options.timeoutMs, 1) / 1000);
  return ['timeout', ...(options.tty ? ['--foreground'] : []), '-k', String(KILL_GRACE_MS / 1000), seconds, ...inner];
}

export function notRun(argv: readonly string[]): ExecResult {
  return { argv, exitCode: null, signal: null, stdout: '', stderr: '', durationMs: 0, timedOut: false, aborted: true };
}

/** The three SFTP requests a bounded read needs (ssh2's SFTPWrapper has them). */
interface SftpFileReader {
  open(path: string, mode: 'r', callback: (err: Error | undefined, handle: Buffer) => void): void;
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | undefined, bytesRead: number, buffer: Buffer, position: number) => void): void;
  close(handle: Buffer, callback: (err?: Error | null) => void): void;
}

/**
 * open, read until end of file, close without waiting for the answer: one round
 * trip fewer than ssh2's readFile (no fstat) and one not waited for, and bounded in size.
 */
export function readSmallFile(sftp: SftpFileReader, path: string, done: (err: Error | null, value: Buffer) => void): void {
  sftp.open(path, 'r', (openErr, handle) => {
    if (openErr) return done(openErr, Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      sftp.close(handle, () => {});
      done(err, Buffer.concat(chunks, size));
    };
    const next = () =>
      sftp.read(handle, Buffer.allocUnsafe(READ_CHUNK), 0, READ_CHUNK, size, (err, bytes, buffer) => {
        if (err) return finish(err);
        if (bytes === 0) return finish(null);
        chunks.push(buffer.subarray(0, bytes));
        size += bytes;
        if (size > MAX_FILE_BYTES) return finish(new Error(`it is larger than ${MAX_FILE_BYTES} bytes`));
        next();
      });
    next();
  });
}
