import { safeLine, TEXT_LIMITS } from '../core/safe-text.js';
import type { Database } from './database.js';

export type Severity = 'info' | 'warning' | 'critical';
export type EventStatus = 'pending' | 'delivered' | 'superseded';
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';

export interface NewAlertEvent {
  /** Stable id sent with every attempt (Message-ID, Idempotency-Key, ALERT_ID): receivers can drop repeats. */
  readonly uid: string;
  /** The same event is never enqueued twice. */
  readonly dedupKey: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly deploymentId: string | null;
  /** Mark subjects this alert speaks about; a newer alert covering all of them supersedes an undelivered one. */
  readonly subjects: readonly string[];
  readonly title: string;
  readonly body: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface AlertEvent extends NewAlertEvent {
  readonly id: number;
  readonly status: EventStatus;
  readonly deliveredAt: string | null;
}

export interface Delivery {
  readonly eventId: number;
  readonly channel: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly lastAttemptAt: string | null;
  readonly claimedBy: number | null;
  readonly deliveredAt: string | null;
}

export interface ChannelState {
  readonly channel: string;
  readonly failures: number;
  readonly retryAt: string | null;
  readonly lastError: string | null;
  readonly lastOkAt: string | null;
}

/** Kinds that a newer alert about the same subjects makes pointless to deliver late. */
const SUPERSEDABLE = ['expiry', 'expired'];

/**
 * The alert outbox. An alert is written here before any channel sees it;
 * each (alert, channel) pair is claimed by one process at a time.
 */
export class OutboxRepository {
  constructor(private readonly db: Database) {}

  /** Adds an alert; returns its id, or null when the same event is already there. */
  enqueue(event: NewAlertEvent): number | null {
    const info = this.db
      .prepare(
        `INSERT OR IGNORE INTO alert_events (uid, dedup_key, kind, severity, deployment_id, subjects, title, body, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(event.uid, event.dedupKey, event.kind, event.severity, event.deploymentId, JSON.stringify(event.subjects), event.title, event.body, JSON.stringify(event.data), event.createdAt);
    if (info.changes === 0) return null;
    const id = Number(info.lastInsertRowid);
    if (event.subjects.length > 0) this.supersede(id, new Set(event.subjects));
    return id;
  }

  /** Undelivered expiry alerts whose every subject a newer alert covers are not worth sending any more. */
  private supersede(newerId: number, covered: ReadonlySet<string>): void {
    const older = this.db
      .prepare(`SELECT id, subjects FROM alert_events WHERE status = 'pending' AND id < ? AND kind IN (${SUPERSEDABLE.map(() => '?').join(',')})`)
      .all(newerId, ...SUPERSEDABLE) as Array<{ id: number; subjects: string }>;
    const mark = this.db.prepare(`UPDATE alert_events SET status = 'superseded' WHERE id = ?`);
    for (const row of older) {
      const subjects = JSON.parse(row.subjects) as string[];
      if (subjects.length > 0 && subjects.every((s) => covered.has(s))) mark.run(row.id);
    }
  }

  /** Whether an alert with this dedup key was ever enqueued (whatever became of it). */
  has(dedupKey: string): boolean {
    return this.db.prepare('SELECT 1 FROM alert_events WHERE dedup_key = ?').get(dedupKey) !== undefined;
  }

  events(filter: { status?: EventStatus; limit?: number } = {}): AlertEvent[] {
    const rows = this.db
      .prepare(`SELECT * FROM alert_events ${filter.status ? 'WHERE status = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(filter.status ? [filter.status] : []), filter.limit ?? -1) as Row[];
    return rows.map(toEvent);
  }

  /** Alerts no channel has taken yet. */
  pendingCount(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM alert_events WHERE status = 'pending'").get() as { n: number }).n;
  }

  event(id: number): AlertEvent | null {
    const row = this.db.prepare('SELECT * FROM alert_events WHERE id = ?').get(id) as Row | undefined;
    return row ? toEvent(row) : null;
  }

  deliveries(eventId?: number): Delivery[] {
    const rows = this.db
      .prepare(`SELECT * FROM alert_deliveries ${eventId === undefined ? '' : 'WHERE event_id = ?'} ORDER BY event_id, channel`)
      .all(...(eventId === undefined ? [] : [eventId])) as Row[];
    return rows.map(toDelivery);
  }

  channelStates(): ChannelState[] {
    const rows = this.db.prepare('SELECT * FROM alert_channels ORDER BY channel').all() as Row[];
    return rows.map((r) => ({
      channel: String(r.channel),
      failures: Number(r.failures),
      retryAt: str(r.retry_at),
      lastError: str(r.last_error),
      lastOkAt: str(r.last_ok_at),
    }));
  }

  /** Deliveries a process claimed and has not finished: in flight, or left behind by a process that died. */
  inFlight(channel: string): Delivery[] {
    return (this.db.prepare(`SELECT * FROM alert_deliveries WHERE channel = ? AND status = 'sending'`).all(channel) as Row[]).map(toDelivery);
  }

  /** Returns a claimed delivery to the queue (its process died before it knew the result). */
  release(eventId: number, channel: string): void {
    this.db.prepare(`UPDATE alert_deliveries SET status = 'pending', claimed_by = NULL WHERE event_id = ? AND channel = ? AND status = 'sending'`).run(eventId, channel);
  }

  /**
   * Every channel owes every alert no channel has taken yet. Recorded before
   * any sending, so a slow or backing-off channel is not skipped when a faster
   * one delivers first.
   */
  addDeliveries(channels: readonly string[]): void {
    const insert = this.db.prepare(`INSERT OR IGNORE INTO alert_deliveries (event_id, channel, status) SELECT id, ?, 'pending' FROM alert_events WHERE status = 'pending'`);
    this.db.transaction(() => {
      for (const channel of channels) insert.run(channel);
    }).immediate();
  }

  /**
   * Claims the oldest alert this channel still owes, unless the channel is
   * backing off. Alerts already delivered elsewhere are followed up only until
   * `followUpSince`; after that the channel gives up on them. A retry time
   * beyond `backoffTrustedUntil` (now + the longest backoff + clock.maxSkew) was
   * written by a clock that ran ahead: it is ignored, so it cannot hold every
   * alert back for years.
   */
  claimNext(channel: string, now: string, pid: number, followUpSince: string, backoffTrustedUntil?: string): AlertEvent | 'backing-off' | null {
    return this.db.transaction((): AlertEvent | 'backing-off' | null => {
      this.db.prepare('INSERT OR IGNORE INTO alert_channels (channel) VALUES (?)').run(channel);
      const state = this.db.prepare('SELECT retry_at FROM alert_channels WHERE channel = ?').get(channel) as { retry_at: string | null };
      if (state.retry_at !== null && state.retry_at > now && (backoffTrustedUntil === undefined || state.retry_at <= backoffTrustedUntil)) return 'backing-off';
      this.db
        .prepare(
          `UPDATE alert_deliveries SET status = 'failed', last_error = CASE WHEN e.status = 'superseded'
             THEN 'not sent: a newer alert covers it' ELSE 'given up: delivered on another channel' END
           FROM alert_events e WHERE e.id = alert_deliveries.event_id AND alert_deliveries.channel = ? AND alert_deliveries.status = 'pending'
             AND (e.status = 'superseded' OR (e.status = 'delivered' AND e.delivered_at < ?))`,
        )
        .run(channel, followUpSince);
      const next = this.db
        .prepare(
          `SELECT e.* FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id
           WHERE d.channel = ? AND d.status = 'pending' AND e.status IN ('pending', 'delivered') ORDER BY e.id LIMIT 1`,
        )
        .get(channel) as Row | undefined;
      if (!next) return null;
      this.db
        .prepare(`UPDATE alert_deliveries SET status = 'sending', claimed_by = ?, attempts = attempts + 1, last_attempt_at = ? WHERE event_id = ? AND channel = ?`)
        .run(pid, now, next.id, channel);
      return toEvent(next);
    }).immediate();
  }

  /** The channel accepted the alert: it counts as delivered, and the channel is healthy again. */
  delivered(eventId: number, channel: string, at: string): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE alert_deliveries SET status = 'delivered', delivered_at = ?, claimed_by = NULL, last_error = NULL WHERE event_id = ? AND channel = ?`).run(at, eventId, channel);
      this.db.prepare(`UPDATE alert_events SET status = 'delivered', delivered_at = ? WHERE id = ? AND status <> 'delivered'`).run(at, eventId);
      this.db.prepare(`UPDATE alert_channels SET failures = 0, retry_at = NULL, last_error = NULL, last_ok_at = ? WHERE channel = ?`).run(at, channel);
    }).immediate();
  }

  /** The attempt failed: the alert waits for the next one, and the channel backs off (`backoff(failures)` ms). */
  failed(eventId: number, channel: string, reason: string, at: string, backoff: (failures: number) => number): string {
    // A receiver's answer or a hook's stderr: shown by `alerts list`, so kept as a safe, bounded line.
    const error = safeLine(reason, TEXT_LIMITS.message);
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE alert_deliveries SET status = 'pending', claimed_by = NULL, last_error = ? WHERE event_id = ? AND channel = ?`).run(error, eventId, channel);
      const { failures } = this.db.prepare('SELECT failures FROM alert_channels WHERE channel = ?').get(channel) as { failures: number };
      const retryAt = new Date(Date.parse(at) + backoff(failures + 1)).toISOString();
      this.db.prepare('UPDATE alert_channels SET failures = failures + 1, retry_at = ?, last_error = ? WHERE channel = ?').run(retryAt, error, channel);
      return retryAt;
    }).immediate();
  }
}

type Row = Record<string, string | number | null>;

function str(v: string | number | null | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}

function toEvent(r: Row): AlertEvent {
  return {
    id: Number(r.id),
    uid: String(r.uid),
    dedupKey: String(r.dedup_key),
    kind: String(r.kind),
    severity: r.severity as Severity,
    deploymentId: str(r.deployment_id),
    subjects: JSON.parse(String(r.subjects)) as string[],
    title: String(r.title),
    body: String(r.body),
    data: JSON.parse(String(r.data)) as Record<string, unknown>,
    createdAt: String(r.created_at),
    status: r.status as EventStatus,
    deliveredAt: str(r.delivered_at),
  };
}

function toDelivery(r: Row): Delivery {
  return {
    eventId: Number(r.event_id),
    channel: String(r.channel),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    lastError: str(r.last_error),
    lastAttemptAt: str(r.last_attempt_at),
    claimedBy: r.claimed_by === null ? null : Number(r.claimed_by),
    deliveredAt: str(r.delivered_at),
  };
}
