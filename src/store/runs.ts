import { safeLine, TEXT_LIMITS } from '../core/safe-text.js';
import type { Database } from './database.js';

export type Outcome = 'up-to-date' | 'applied' | 'pending' | 'failed' | 'unreachable';
export type RunOutcome = Outcome | 'interrupted';
export type Trigger = 'manual' | 'schedule' | 'startup' | 'fleet';

export interface RunStart {
  readonly trigger: Trigger;
  readonly command: string;
  readonly host: string;
  readonly deploymentId: string | null;
  readonly dryRun: boolean;
  readonly pid: number;
  readonly at: string;
}

export interface RunRecord {
  readonly id: number;
  readonly deploymentId: string | null;
  readonly host: string;
  readonly trigger: Trigger;
  readonly command: string;
  readonly dryRun: boolean;
  readonly pid: number | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** null while running (or when the process died without finishing). */
  readonly outcome: RunOutcome | null;
  readonly error: string | null;
  readonly details: Record<string, unknown> | null;
}

export interface RunFilter {
  readonly deploymentId?: string | undefined;
  readonly since?: string | undefined;
  readonly limit?: number | undefined;
}

/** Outcomes after which the PBX and portal were both read: the check succeeded. */
export const SUCCESSFUL: readonly RunOutcome[] = ['up-to-date', 'applied', 'pending'];

export class RunRepository {
  constructor(private readonly db: Database) {}

  start(run: RunStart): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (deployment_id, host, trigger, command, dry_run, pid, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.deploymentId, run.host, run.trigger, run.command, run.dryRun ? 1 : 0, run.pid, run.at);
    return Number(info.lastInsertRowid);
  }

  finish(id: number, result: { outcome: RunOutcome; at: string; error?: string | null; deploymentId?: string | null; details?: object }): void {
    this.db
      .prepare(
        `UPDATE runs SET outcome = ?, ended_at = ?, error = ?, details = ?,
           deployment_id = COALESCE(?, deployment_id) WHERE id = ?`,
      )
      .run(
        result.outcome,
        result.at,
        // Errors quote what fwconsole, a portal or a host said: kept as a safe, bounded line whatever path they came by.
        result.error == null ? null : safeLine(result.error, TEXT_LIMITS.message),
        result.details ? JSON.stringify(result.details) : null,
        result.deploymentId ?? null,
        id,
      );
  }

  get(id: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Runs, newest first. */
  list(filter: RunFilter = {}): RunRecord[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.deploymentId !== undefined) {
      where.push('deployment_id = ?');
      args.push(filter.deploymentId);
    }
    if (filter.since !== undefined) {
      where.push('started_at >= ?');
      args.push(filter.since);
    }
    const rows = this.db
      .prepare(`SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`)
      .all(...args, filter.limit ?? -1) as Row[];
    return rows.map(toRecord);
  }

  last(deploymentId?: string): RunRecord | null {
    return this.list({ deploymentId, limit: 1 })[0] ?? null;
  }

  /** The newest successful run; with `notAfter` (see core/future-time.ts), the newest that ended by then. */
  lastSuccessful(deploymentId?: string, notAfter?: string): RunRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE outcome IN (${SUCCESSFUL.map(() => '?').join(',')})
         ${deploymentId === undefined ? '' : 'AND deployment_id = ?'}
         ${notAfter === undefined ? '' : 'AND COALESCE(ended_at, started_at) <= ?'} ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .get(...SUCCESSFUL, ...(deploymentId === undefined ? [] : [deploymentId]), ...(notAfter === undefined ? [] : [notAfter])) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** The newest run of every deployment (or of one), walking the (deployment_id, started_at) index once per deployment. */
  latestPerDeployment(deploymentId?: string): RunRecord[] {
    return this.newestPerDeployment('', [], deploymentId);
  }

  /** The newest successful run of every deployment (or of one). */
  latestSuccessfulPerDeployment(deploymentId?: string): RunRecord[] {
    return this.newestPerDeployment(`AND outcome IN (${SUCCESSFUL.map(() => '?').join(',')})`, SUCCESSFUL, deploymentId);
  }

  private newestPerDeployment(condition: string, args: readonly string[], deploymentId?: string): RunRecord[] {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM deployments d JOIN runs r ON r.id = (
           SELECT id FROM runs WHERE deployment_id = d.id ${condition} ORDER BY started_at DESC, id DESC LIMIT 1)
         ${deploymentId === undefined ? '' : 'WHERE d.id = ?'} ORDER BY d.id`,
      )
      .all(...args, ...(deploymentId === undefined ? [] : [deploymentId])) as Row[];
    return rows.map(toRecord);
  }

  /**
   * Marks runs of this host that never finished as interrupted. Only called by
   * the lease holder: no other cycle of this host can still be running them.
   */
  interruptUnfinished(host: string, exceptRunId: number, at: string): number[] {
    const ids = (
      this.db.prepare('SELECT id FROM runs WHERE ended_at IS NULL AND host = ? AND id != ?').all(host, exceptRunId) as Array<{ id: number }>
    ).map((r) => r.id);
    const mark = this.db.prepare(
      `UPDATE runs SET outcome = 'interrupted', ended_at = ?, error = COALESCE(error, 'the run never recorded its end: its process was killed, crashed or lost power, or it could not write the store (disk full, or locked by another process)') WHERE id = ?`,
    );
    this.db.transaction(() => ids.forEach((id) => mark.run(at, id)))();
    return ids;
  }

  /**
   * Deletes finished runs that started before `before` and that no expiry change
   * refers to: the expiry history stays whole. Counts of what went are added to
   * meta `runs_pruned`, so `countByOutcome` (a Prometheus counter) never goes down.
   */
  prune(before: string): number {
    return this.db.transaction(() => {
      const where = `started_at < ? AND ended_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM expiry_changes c WHERE c.run_id = runs.id)
        AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.run_id = runs.id)`;
      const gone = this.db.prepare(`SELECT outcome, COUNT(*) AS n FROM runs WHERE ${where} GROUP BY outcome`).all(before) as Array<{ outcome: string | null; n: number }>;
      const pruned = this.prunedCounts();
      for (const g of gone) pruned[g.outcome ?? 'unknown'] = (pruned[g.outcome ?? 'unknown'] ?? 0) + g.n;
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(PRUNED_KEY, JSON.stringify(pruned));
      return this.db.prepare(`DELETE FROM runs WHERE ${where}`).run(before).changes;
    })();
  }

  /** Finished runs by outcome since the store was created, pruned ones included. */
  countByOutcome(): Record<string, number> {
    const counts = this.prunedCounts();
    const rows = this.db.prepare('SELECT outcome, COUNT(*) AS n FROM runs WHERE outcome IS NOT NULL GROUP BY outcome').all() as Array<{ outcome: string; n: number }>;
    for (const r of rows) counts[r.outcome] = (counts[r.outcome] ?? 0) + r.n;
    return counts;
  }

  private prunedCounts(): Record<string, number> {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(PRUNED_KEY) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Record<string, number>) : {};
  }

  /** The newest run of every host (fleet status), in host order. */
  latestPerHost(): RunRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM runs WHERE id IN (SELECT MAX(id) FROM runs GROUP BY host) ORDER BY host')
      .all() as Row[];
    return rows.map(toRecord);
  }

  /** When the last successful check ended (or began, if it never recorded its end); `notAfter` as for lastSuccessful. */
  lastSuccessEnd(deploymentId?: string, notAfter?: string): Date | null {
    const run = this.lastSuccessful(deploymentId, notAfter);
    const at = run?.endedAt ?? run?.startedAt;
    return at ? new Date(at) : null;
  }

  /** The newest run a given process started after run `afterId`: how the daemon finds what its check child recorded. */
  startedBy(pid: number, afterId: number): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE pid = ? AND id > ? ORDER BY id DESC LIMIT 1').get(pid, afterId) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** The highest run id so far (0 for none). */
  lastId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM runs').get() as { id: number }).id;
  }

  /** Runs that never finished: their process died (kill -9, power loss). */
  unfinished(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as Row[]).map(toRecord);
  }
}

const PRUNED_KEY = 'runs_pruned';

type Row = Record<string, string | number | null>;

function toRecord(r: Row): RunRecord {
  return {
    id: Number(r.id),
    deploymentId: r.deployment_id === null ? null : String(r.deployment_id),
    host: String(r.host),
    trigger: r.trigger as Trigger,
    command: String(r.command),
    dryRun: r.dry_run === 1,
    pid: r.pid === null ? null : Number(r.pid),
    startedAt: String(r.started_at),
    endedAt: r.ended_at === null ? null : String(r.ended_at),
    outcome: (r.outcome ?? null) as RunOutcome | null,
    error: r.error === null ? null : String(r.error),
    details: r.details === null ? null : (JSON.parse(String(r.details)) as Record<string, unknown>),
  };
}
