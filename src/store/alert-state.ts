import type { Database } from './database.js';
import { SUCCESSFUL, type RunRecord, type RunRepository } from './runs.js';

/** Something that was announced: an item's expiry value, or an operational condition. */
export interface AlertMark {
  /** `expiry/<deployment>/<item>/<expiry>` or `op/<kind>/<scope>`. */
  readonly subject: string;
  readonly kind: string;
  readonly deploymentId: string | null;
  readonly item: string | null;
  readonly expiry: string | null;
  /** Expiry: the most urgent stage announced (`days:7`, `expired`); conditions: `open`. */
  readonly stage: string;
  /** What was said, for conditions whose content can change (e.g. which renewals are unverified). */
  readonly detail: string;
  readonly openedAt: string;
  readonly notifiedAt: string;
  readonly closedAt: string | null;
}

export type MarkUpdate = Omit<AlertMark, 'openedAt' | 'notifiedAt' | 'closedAt'> & { readonly at: string };

/** What the runs of one host say about the agent's health (dead-man, failing checks, clock). */
export interface HostRunFacts {
  readonly host: string;
  readonly firstRun: RunRecord | null;
  readonly lastFinished: RunRecord | null;
  readonly lastSuccess: RunRecord | null;
  /**
   * The latest success whose time is believable (not after `trustedUntil`):
   * a success recorded in the future proves nothing about the agent's health.
   */
  readonly lastTrustedSuccess: RunRecord | null;
  /** The first finished run after the last success (with a believable start), when the latest finished run failed. */
  readonly failingSince: RunRecord | null;
  readonly failuresSinceSuccess: number;
  /** The latest finished run that recorded the state of the clock. */
  readonly lastClock: RunRecord | null;
}

const FAILED = ['failed', 'unreachable', 'interrupted'] as const;
/** Outcomes of runs that got as far as comparing the PBX with the portal. */
const COMPARED = ['up-to-date', 'applied', 'pending', 'failed'] as const;

/** Alert state in the store: what was announced, and the run facts alerts are derived from. */
export class AlertStateRepository {
  constructor(
    private readonly db: Database,
    private readonly runs: RunRepository,
  ) {}

  openMarks(): AlertMark[] {
    return (this.db.prepare('SELECT * FROM alert_marks WHERE closed_at IS NULL ORDER BY subject').all() as Row[]).map(toMark);
  }

  /** Records an announcement; a closed mark for the same subject starts a new episode. */
  putMark(mark: MarkUpdate): void {
    this.db
      .prepare(
        `INSERT INTO alert_marks (subject, kind, deployment_id, item, expiry, stage, detail, opened_at, notified_at)
         VALUES (@subject, @kind, @deploymentId, @item, @expiry, @stage, @detail, @at, @at)
         ON CONFLICT(subject) DO UPDATE SET stage = excluded.stage, detail = excluded.detail, notified_at = excluded.notified_at,
           opened_at = CASE WHEN alert_marks.closed_at IS NULL THEN alert_marks.opened_at ELSE excluded.opened_at END,
           closed_at = NULL`,
      )
      .run(mark);
  }

  closeMark(subject: string, at: string): void {
    this.db.prepare('UPDATE alert_marks SET closed_at = ? WHERE subject = ? AND closed_at IS NULL').run(at, subject);
  }

  /** Hosts that ran checks or own deployments. */
  hosts(): string[] {
    const rows = this.db.prepare('SELECT host FROM runs UNION SELECT host FROM deployments ORDER BY host').all() as Array<{ host: string }>;
    return rows.map((r) => r.host);
  }

  /** `trustedUntil`: the latest believable instant (now + clock.maxSkew); runs stamped later are from a clock that ran ahead. */
  hostFacts(host: string, trustedUntil = '9999-12-31T23:59:59.999Z'): HostRunFacts {
    const one = (sql: string, ...args: unknown[]) => {
      const row = this.db.prepare(sql).get(host, ...args) as { id: number } | undefined;
      return row ? this.runs.get(row.id) : null;
    };
    const finished = 'host = ? AND outcome IS NOT NULL';
    const lastSuccess = one(`SELECT id FROM runs WHERE ${finished} AND outcome IN (${marks(SUCCESSFUL)}) ORDER BY id DESC LIMIT 1`, ...SUCCESSFUL);
    const lastFinished = one(`SELECT id FROM runs WHERE ${finished} ORDER BY id DESC LIMIT 1`);
    const afterSuccess = lastSuccess?.id ?? 0;
    const failing = lastFinished !== null && (FAILED as readonly string[]).includes(lastFinished.outcome ?? '');
    const count = this.db
      .prepare(`SELECT COUNT(*) AS n FROM runs WHERE ${finished} AND id > ? AND outcome IN (${marks(FAILED)})`)
      .get(host, afterSuccess, ...FAILED) as { n: number };
    return {
      host,
      firstRun: one('SELECT id FROM runs WHERE host = ? AND started_at <= ? ORDER BY id LIMIT 1', trustedUntil),
      lastFinished,
      lastSuccess,
      lastTrustedSuccess: one(
        `SELECT id FROM runs WHERE ${finished} AND outcome IN (${marks(SUCCESSFUL)}) AND COALESCE(ended_at, started_at) <= ? ORDER BY id DESC LIMIT 1`,
        ...SUCCESSFUL,
        trustedUntil,
      ),
      failingSince: failing ? one(`SELECT id FROM runs WHERE ${finished} AND id > ? AND started_at <= ? ORDER BY id LIMIT 1`, afterSuccess, trustedUntil) : null,
      failuresSinceSuccess: failing ? count.n : 0,
      lastClock: one(`SELECT id FROM runs WHERE ${finished} AND json_type(details, '$.clock') = 'object' ORDER BY id DESC LIMIT 1`),
    };
  }

  /**
   * The latest run of a deployment that knew what was bought (the portal source,
   * or `renew --module`: details.unverified is there) and compared it with the PBX.
   * Activation probes that were not told of a purchase leave it alone.
   */
  lastComparingRun(deploymentId: string): RunRecord | null {
    const row = this.db
      .prepare(
        `SELECT id FROM runs WHERE deployment_id = ? AND outcome IN (${marks(COMPARED)}) AND json_type(details, '$.unverified') = 'array' ORDER BY id DESC LIMIT 1`,
      )
      .get(deploymentId, ...COMPARED) as { id: number } | undefined;
    return row ? this.runs.get(row.id) : null;
  }
}

type Row = Record<string, string | null>;

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(',');
}

function toMark(r: Row): AlertMark {
  return {
    subject: r.subject!,
    kind: r.kind!,
    deploymentId: r.deployment_id ?? null,
    item: r.item ?? null,
    expiry: r.expiry ?? null,
    stage: r.stage!,
    detail: r.detail ?? '',
    openedAt: r.opened_at!,
    notifiedAt: r.notified_at!,
    closedAt: r.closed_at ?? null,
  };
}
