import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Database = BetterSqlite3.Database;

const SQLITE_HEADER = 'SQLite format 3\0';

export interface OpenOptions {
  /** Open without creating or migrating (status, history). */
  readonly readonly?: boolean;
  /** How long to wait for another process's write lock. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the agent's SQLite file and brings its schema up
 * to date. A file that is not a SQLite database is reported, never replaced.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const dir = dirname(path);
  if (!options.readonly) ensureWritableDir(dir, path);
  if (existsSync(path)) assertSqliteFile(path);
  else if (options.readonly) {
    throw new StoreError(`no store at ${path}: nothing has been recorded yet`, 'Run `pbx-activation-agent check` once (or check --dry-run) to read the PBX and create it.');
  }

  if (options.readonly) return openForReading(path, options.busyTimeoutMs);
  let db: Database;
  try {
    db = sqlite(path);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only power loss can drop the last commit.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw storeFailure(path, err);
  }
  try {
    migrate(db, path, false);
  } catch (err) {
    db.close();
    throw err instanceof StoreError ? err : storeFailure(path, err);
  }
  reuseStatements(db);
  return db;
}

/**
 * Each SQL text is prepared once per connection and the statement reused (the
 * repositories' queries are constant texts, or a few variants of one). A
 * statement's native memory is freed only once the garbage collector reaches
 * its JS object, which in a mostly idle daemon can take many cycles: preparing
 * every query afresh made the daemon's memory creep (docs/benchmarks.md, "Soak").
 * No statement here is iterated; a reused one is handed out in its default
 * mode (rows as objects), since raw mode (the views' queries) sticks to it.
 */
function reuseStatements(db: Database): void {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = prepare(sql);
      statements.set(sql, statement);
    } else if (statement.reader) {
      statement.raw(false);
    }
    return statement;
  }) as Database['prepare'];
}

/**
 * Opens the store read-only (status, history, alerts list, fleet status). A
 * WAL database needs its -shm index, which SQLite creates next to the file:
 * a user who may read the store but not write its directory (an operator
 * reading the service's store) gets SQLITE_READONLY_DIRECTORY or CANTOPEN.
 * Then, when no write is pending in a -wal file (no agent has it open), the
 * file alone is the whole store and is opened immutable: no -shm, no locks.
 */
function openForReading(path: string, busyTimeoutMs = 5000): Database {
  try {
    return prepareForReading(sqlite(path, { readonly: true, fileMustExist: true }), path, busyTimeoutMs);
  } catch (err) {
    if (!needsWritableDirectory(err)) throw err instanceof StoreError ? err : storeFailure(path, err);
    if (pendingWal(path)) {
      throw new StoreError(
        `cannot read the store ${path} as this user: an agent is writing it (or stopped before its last changes were folded in), which needs write access to ${dirname(path)}`,
        `Run the command as the agent's user (e.g. sudo -u pbx-agent pbx-activation-agent ...) or as root; once the agent has stopped cleanly, any user who can read the file can.`,
        { cause: err },
      );
    }
  }
  try {
    return prepareForReading(sqlite(`${pathToFileURL(path).href}?mode=ro&immutable=1`, { readonly: true }), path, busyTimeoutMs);
  } catch (err) {
    throw err instanceof StoreError ? err : storeFailure(path, err);
  }
}

let nativeLoaded = false;

/**
 * better-sqlite3 reads SQLITE_USE_URI once, when its native part loads (at
 * the first open): set for that moment only, so `file:` URIs (the immutable
 * read above) work and no child process inherits it. Store paths are
 * absolute, so none is ever taken for a URI.
 */
function sqlite(file: string, options?: BetterSqlite3.Options): Database {
  if (nativeLoaded) return new BetterSqlite3(file, options);
  const before = process.env.SQLITE_USE_URI;
  process.env.SQLITE_USE_URI = '1';
  try {
    return new BetterSqlite3(file, options);
  } finally {
    nativeLoaded = true;
    if (before === undefined) delete process.env.SQLITE_USE_URI;
    else process.env.SQLITE_USE_URI = before;
  }
}

function prepareForReading(db: Database, path: string, busyTimeoutMs: number): Database {
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('foreign_keys = ON');
    // The first read of the file: where a missing -shm shows.
    migrate(db, path, true);
    reuseStatements(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function needsWritableDirectory(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY_CANTINIT' || code === 'SQLITE_READONLY_RECOVERY';
}

/** A -wal file with content: commits not yet in the main file, which an immutable open would not see. */
function pendingWal(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Database, path: string, readonly: boolean): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new StoreError(
      `the store ${path} has schema version ${current}, newer than this agent knows (${MIGRATIONS.length})`,
      'A newer agent wrote it. Upgrade pbx-activation-agent rather than downgrading; the store is left untouched.',
    );
  }
  if (current === MIGRATIONS.length) return;
  if (readonly) {
    throw new StoreError(`the store ${path} needs a schema upgrade`, 'Run any writing command once (e.g. `check --dry-run`) to upgrade it.');
  }
  // IMMEDIATE: two agents starting together must not both migrate.
  const step = db.transaction((index: number) => {
    if (schemaVersion(db) !== index) return;
    db.exec(MIGRATIONS[index]!);
    db.pragma(`user_version = ${index + 1}`);
  });
  for (let i = current; i < MIGRATIONS.length; i++) step.immediate(i);
}

function ensureWritableDir(dir: string, path: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StoreError(
      `the store ${path} is not writable (${code ?? String(err)})`,
      `Make ${dir} writable by the agent's user (the installer creates /var/lib/pbx-activation-agent owned by it), or set store.path.`,
    );
  }
}

function assertSqliteFile(path: string): void {
  const head = Buffer.alloc(16);
  let length: number;
  try {
    const fd = openSync(path, 'r');
    try {
      length = readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw storeFailure(path, err);
  }
  if (length === 0) return; // an empty file is a fresh database to SQLite
  if (length < 16 || head.toString('latin1') !== SQLITE_HEADER) {
    throw new StoreError(
      `the store ${path} is not a SQLite database (corrupted or another file)`,
      `Nothing was changed. Move it aside (mv ${path} ${path}.bad) to start a new store, or restore it from a backup.`,
    );
  }
}

export function storeFailure(path: string, err: unknown): StoreError {
  const code = (err as { code?: string }).code ?? '';
  // better-sqlite3 reports extended result codes (SQLITE_IOERR_SHMSIZE, SQLITE_BUSY_SNAPSHOT...): classify by the primary one.
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  const message = err instanceof Error ? err.message : String(err);
  const evidence = code && code !== primary ? `${message}, ${code}` : message;
  if (primary === 'SQLITE_CORRUPT' || primary === 'SQLITE_NOTADB') {
    return new StoreError(
      `the store ${path} is corrupted (${evidence})`,
      `Nothing was overwritten. Move it aside (mv ${path} ${path}.bad) and run check again, or restore it from a backup; run "sqlite3 ${path} 'PRAGMA integrity_check'" to see the damage.`,
      { cause: err },
    );
  }
  if (primary === 'SQLITE_BUSY' || primary === 'SQLITE_LOCKED') {
    return new StoreError(`the store ${path} is locked by another process`, 'Another agent process holds a write lock; wait for it to finish and retry.', { cause: err });
  }
  // A full file system often surfaces as an I/O error (the WAL index cannot grow: SQLITE_IOERR_SHMSIZE), not SQLITE_FULL.
  if (primary === 'SQLITE_FULL' || ((primary === 'SQLITE_IOERR' || primary === 'SQLITE_CANTOPEN') && nearlyFull(dirname(path)))) {
    return new StoreError(`the disk holding ${path} is full (${evidence})`, `Free space on the file system of ${dirname(path)} (df -h ${dirname(path)}); what was recorded before is intact.`, { cause: err });
  }
  if (primary === 'SQLITE_READONLY' || primary === 'SQLITE_CANTOPEN' || primary === 'SQLITE_IOERR') {
    return new StoreError(`cannot write the store ${path} (${evidence})`, `Check the permissions and free space of ${dirname(path)}.`, { cause: err });
  }
  return new StoreError(`store error on ${path}: ${evidence}`, 'See the message; the store is left as it was.', { cause: err });
}

/** Less room left than SQLite needs to grow its files (the WAL index alone takes 32 KiB). */
const FULL_BELOW_BYTES = 1024 * 1024;

function nearlyFull(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}
