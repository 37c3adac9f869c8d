import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Keeps output the readers did not recognise next to the store, mode 0600, so
 * an operator can attach it to a bug report. Bounded: at most MAX_DUMPS files
 * and MAX_TOTAL_BYTES together (the newest are kept), each cut at
 * MAX_DUMP_BYTES. Never writes through a symlink: the directory must be a real
 * directory owned by this user (mode 0700), and each file is created anew
 * (O_EXCL | O_NOFOLLOW), so nothing planted there is followed or overwritten.
 */
export const RAW_CAPTURE_LIMITS = { files: 50, totalBytes: 16 * 1024 * 1024, dumpBytes: 1024 * 1024 } as const;

export function rawCaptureDir(storePath: string): string {
  return join(dirname(storePath), 'unrecognised');
}

/** `once`: the same evidence at every check (an unknown status word) is kept once, not every 15 minutes. */
export type RawSaver = (name: string, text: string, options?: { readonly once?: boolean }) => string | null;

/** Returns the saved file's path, or null when it could not be saved safely (the caller says so). */
export function makeRawSaver(storePath: string, now: () => Date, limits: { files: number; totalBytes: number; dumpBytes: number } = RAW_CAPTURE_LIMITS): RawSaver {
  return (name, text, options) => {
    const dir = rawCaptureDir(storePath);
    try {
      if (!ownPrivateDir(dir)) return null;
      const safe = name.replace(/[^a-z0-9-]/gi, '_').slice(0, 40);
      const kept = options?.once ? keptDump(dir, safe) : null;
      if (kept) return kept;
      const stem = `${now().toISOString().replace(/[:.]/g, '-')}-${safe}`;
      const file = createFile(dir, stem, bounded(text, limits.dumpBytes));
      prune(dir, file, limits);
      return file;
    } catch {
      return null;
    }
  };
}

/** The directory exists (created 0700 if not), is not a symlink, is ours, and only we can enter it. */
function ownPrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.isSymbolicLink()) return false;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return false;
  // Older agents created it 0750; dumps may hold licence details, so only the agent's user may list them.
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return true;
}

/** A dump of that name still kept (pruning may have removed it: then it is written again). */
function keptDump(dir: string, safe: string): string | null {
  const name = readdirSync(dir).find((f) => f.endsWith(`-${safe}.txt`) && lstatSync(join(dir, f)).isFile());
  return name === undefined ? null : join(dir, name);
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function createFile(dir: string, stem: string, text: string): string {
  for (let n = 0; ; n++) {
    const file = join(dir, `${stem}${n === 0 ? '' : `-${n}`}.txt`);
    let fd: number;
    try {
      fd = openSync(file, CREATE, 0o600);
    } catch (err) {
      // Something already has that name (a dump of the same millisecond, or a planted link): never touch it.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && n < 20) continue;
      throw err;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return file;
  }
}

function bounded(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const kept = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  return `${kept}\n# --- cut here: the output was ${Buffer.byteLength(text)} bytes, only the first ${maxBytes} are kept\n`;
}

/** Deletes the oldest dumps (by name: they start with their time) beyond the count and size limits; `keep` always stays. */
function prune(dir: string, keep: string, limits: { files: number; totalBytes: number }): void {
  const dumps = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => ({ path: join(dir, f), stat: lstatSync(join(dir, f)) }))
    .filter((d) => d.stat.isFile() || d.stat.isSymbolicLink())
    .sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
  const newestFirst = [...dumps.filter((d) => d.path === keep), ...dumps.filter((d) => d.path !== keep)];
  let count = 0;
  let total = 0;
  for (const d of newestFirst) {
    count += 1;
    total += d.stat.isFile() ? d.stat.size : 0;
    if (d.path !== keep && (count > limits.files || total > limits.totalBytes)) unlinkSync(d.path);
  }
}
