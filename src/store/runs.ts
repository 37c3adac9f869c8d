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
        result.error ?? null,
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

  lastSuccessful(deploymentId?: string): RunRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE outcome IN (${SUCCESSFUL.map(() => '?').join(',')})
         ${deploymentId === undefined ? '' : 'AND deployment_id = ?'} ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .get(...SUCCESSFUL, ...(deploymentId === undefined ? [] : [deploymentId])) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** The newest run of every host (fleet status), in host order. */
  latestPerHost(): RunRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM runs WHERE id IN (SELECT MAX(id) FROM runs GROUP BY host) ORDER BY host')
      .all() as Row[];
    return rows.map(toRecord);
  }

  /** Runs that never finished: their process died (kill -9, power loss). */
  unfinished(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id').all() as Row[]).map(toRecord);
  }
}

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
