import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/**
 * The one way the agent reads a file it is pointed at (configuration,
 * inventory, secrets, CA bundles): a regular file only, never read whole
 * beyond a limit. `stat` before opening means a device is never opened;
 * O_NONBLOCK means a FIFO cannot block the open (a blocked open ignores
 * SIGTERM); the type is checked again on the descriptor, so a file swapped in
 * between is caught too. Symlinks are followed (a token kept in a mounted
 * secret store is a symlink), but every message names the path as given.
 */
export type FileKind = 'secret' | 'ssh-key' | 'config' | 'inventory' | 'ca';

/** Largest accepted size per kind of file; README "Configuration" lists them. */
export const FILE_LIMITS: { readonly [K in FileKind]: number } = {
  // A token, a webhook URL, a password or passphrase: a line, never kilobytes.
  secret: 8 * 1024,
  // An RSA 16384-bit private key in PEM is about 13 KB.
  'ssh-key': 64 * 1024,
  config: 1024 * 1024,
  // About 4,000 hosts per MiB.
  inventory: 8 * 1024 * 1024,
  // Debian's whole ca-certificates bundle is about 220 KB.
  ca: 1024 * 1024,
};

export type FileProblem = 'missing' | 'unreadable' | 'not-regular' | 'too-large';

/** Why a file could not be read; `problem` is a sentence about `path` ("... does not exist"), never its content. */
export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: FileProblem,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = 'FileReadError';
  }
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Reads the regular file at `path`, at most `maxBytes`. `inspect` sees the
 * descriptor's stat before anything is read (the secret file's mode check)
 * and may throw to refuse it.
 */
export function readBoundedFile(path: string, maxBytes: number, inspect?: (stat: Stats) => void): Buffer {
  let before: Stats;
  try {
    before = statSync(path);
  } catch (err) {
    throw openFailure(path, err);
  }
  refuseSpecial(path, before, maxBytes);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw openFailure(path, err);
  }
  try {
    const stat = fstatSync(fd);
    refuseSpecial(path, stat, maxBytes);
    inspect?.(stat);
    // Read to the end, but never more than one byte past the limit: a file that grew since fstat is caught too.
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - length));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw openFailure(path, err);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
    }
    if (length > maxBytes) throw tooLarge(path, length, maxBytes, true);
    return Buffer.concat(chunks, length);
  } finally {
    closeSync(fd);
  }
}

/** Reads a text file (UTF-8) of the given kind within its limit. */
export function readTextFile(path: string, kind: FileKind): string {
  return readBoundedFile(path, FILE_LIMITS[kind]).toString('utf8');
}

/** Reads an already open descriptor that may be a pipe (stdin), at most `maxBytes`. */
export function readBoundedFd(fd: number, maxBytes: number, what: string): string {
  const chunks: Buffer[] = [];
  let length = 0;
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EOF') break;
      throw err;
    }
    if (n === 0) break;
    length += n;
    if (length > maxBytes) throw tooLarge(what, length, maxBytes, true);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

function refuseSpecial(path: string, stat: Stats, maxBytes: number): void {
  if (!stat.isFile()) throw new FileReadError(path, 'not-regular', `is ${typeName(stat)}, not a regular file`);
  if (stat.size > maxBytes) throw tooLarge(path, stat.size, maxBytes);
}

/** `grew`: the size is only known to be beyond the limit (a pipe, or a file that grew while read). */
function tooLarge(path: string, size: number, maxBytes: number, grew = false): FileReadError {
  const problem = grew ? `is larger than ${formatBytes(maxBytes)}, the most read from it` : `is ${formatBytes(size)}; at most ${formatBytes(maxBytes)} is read from it`;
  return new FileReadError(path, 'too-large', problem);
}

function typeName(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a plain file';
}

function openFailure(path: string, err: unknown): FileReadError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileReadError(path, 'missing', 'does not exist');
  if (code === 'EACCES' || code === 'EPERM') return new FileReadError(path, 'unreadable', 'is not readable by this user');
  if (code === 'ELOOP') return new FileReadError(path, 'unreadable', 'cannot be read (a loop of symlinks)');
  return new FileReadError(path, 'unreadable', `cannot be read (${code ?? String(err)})`);
}
