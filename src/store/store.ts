import type { Database, OpenOptions } from './database.js';
import { openDatabase, storeFailure } from './database.js';
import { ExpiryRepository } from './expiries.js';
import { RunRepository } from './runs.js';

/** The agent's SQLite store: one file, one handle, a repository per concern. */
export class Store {
  readonly expiries: ExpiryRepository;
  readonly runs: RunRepository;

  private constructor(
    readonly path: string,
    private readonly db: Database,
  ) {
    this.expiries = new ExpiryRepository(db);
    this.runs = new RunRepository(db);
  }

  static open(path: string, options: OpenOptions = {}): Store {
    return new Store(path, openDatabase(path, options));
  }

  /** Runs a store operation, turning SQLite failures into StoreErrors that say what to do. */
  guard<T>(operation: (store: Store) => T): T {
    try {
      return operation(this);
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_')) throw storeFailure(this.path, err);
      throw err;
    }
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  }

  /** Lets SQLite refresh its query planner statistics (cheap; run daily). */
  optimize(): void {
    this.db.pragma('optimize');
  }

  /** Whether a table exists (parts of the schema that other features add). */
  hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  /** A single number from a read-only query, for metrics over tables this class has no repository for. */
  scalar(sql: string, ...args: Array<string | number>): number {
    const row = this.db.prepare(sql).get(...args) as Record<string, unknown> | undefined;
    return row === undefined ? 0 : Number(Object.values(row)[0] ?? 0);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
