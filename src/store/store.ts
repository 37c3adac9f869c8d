import type { Database, OpenOptions } from './database.js';
import { openDatabase, storeFailure } from './database.js';
import { AlertStateRepository } from './alert-state.js';
import { ExpiryRepository } from './expiries.js';
import { ExpiryReportQueries } from './expiry-reports.js';
import { LeaseRepository } from './leases.js';
import { PortalCacheRepository } from './portal-cache.js';
import { OutboxRepository } from './outbox.js';
import { ProbeRepository } from './probes.js';
import { RunRepository } from './runs.js';

/** The agent's SQLite store: one file, one handle, a repository per concern. */
export class Store {
  readonly expiries: ExpiryRepository;
  readonly runs: RunRepository;
  readonly leases: LeaseRepository;
  readonly portalCache: PortalCacheRepository;
  readonly alerts: AlertStateRepository;
  readonly outbox: OutboxRepository;
  readonly probes: ProbeRepository;
  /** Reads for the renewal list, calendar, timeline page and digest. */
  readonly reports: ExpiryReportQueries;

  private constructor(
    readonly path: string,
    private readonly db: Database,
  ) {
    this.expiries = new ExpiryRepository(db);
    this.runs = new RunRepository(db);
    this.leases = new LeaseRepository(db);
    this.portalCache = new PortalCacheRepository(db);
    this.alerts = new AlertStateRepository(db, this.runs);
    this.outbox = new OutboxRepository(db);
    this.probes = new ProbeRepository(db);
    this.reports = new ExpiryReportQueries(db);
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

  /** Runs `work` as one write transaction (taken immediately, so concurrent writers queue). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
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

  close(): void {
    if (this.db.open) this.db.close();
  }
}
