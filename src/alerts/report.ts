import type { Store } from '../store/store.js';
import type { DeliveryStatus, Severity } from '../store/outbox.js';

/** What `alerts list` shows: from the store only, with no secret (channels are named, never their URLs). */
export interface AlertReport {
  readonly channels: ReadonlyArray<{
    readonly channel: string;
    readonly type: string;
    readonly configured: boolean;
    readonly failures: number;
    readonly retryAt: string | null;
    readonly lastError: string | null;
    readonly lastOkAt: string | null;
  }>;
  readonly alerts: AlertRow[];
}

/** `failed`: not accepted by any channel yet, and the last attempt failed; it is retried. */
export type ListedStatus = 'pending' | 'delivered' | 'failed' | 'superseded';

export interface AlertRow {
  readonly id: number;
  readonly uid: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly status: ListedStatus;
  readonly deploymentId: string | null;
  readonly title: string;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
  readonly lastError: string | null;
  readonly deliveries: ReadonlyArray<{
    readonly channel: string;
    readonly status: DeliveryStatus;
    readonly attempts: number;
    readonly lastAttemptAt: string | null;
    readonly deliveredAt: string | null;
    readonly lastError: string | null;
  }>;
}

export function alertReport(store: Store, configured: ReadonlyArray<{ readonly id: string; readonly type: string }>, limit: number): AlertReport {
  const states = new Map(store.outbox.channelStates().map((s) => [s.channel, s]));
  const known = new Set(configured.map((c) => c.id));
  const channels = [
    ...configured.map((c) => ({ channel: c.id, type: c.type, configured: true })),
    ...[...states.keys()].filter((id) => !known.has(id)).map((id) => ({ channel: id, type: 'unknown', configured: false })),
  ].map((c) => {
    const s = states.get(c.channel);
    return { ...c, failures: s?.failures ?? 0, retryAt: s?.retryAt ?? null, lastError: s?.lastError ?? null, lastOkAt: s?.lastOkAt ?? null };
  });
  const alerts = store.outbox.events({ limit }).map((e): AlertRow => {
    const deliveries = store.outbox.deliveries(e.id).map((d) => ({
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      lastAttemptAt: d.lastAttemptAt,
      deliveredAt: d.deliveredAt,
      lastError: d.lastError,
    }));
    const lastError = deliveries.filter((d) => d.lastError !== null).sort((a, b) => (b.lastAttemptAt ?? '').localeCompare(a.lastAttemptAt ?? ''))[0]?.lastError ?? null;
    const status: ListedStatus = e.status !== 'pending' ? e.status : deliveries.some((d) => d.attempts > 0 && d.lastError !== null) ? 'failed' : 'pending';
    return { id: e.id, uid: e.uid, kind: e.kind, severity: e.severity, status, deploymentId: e.deploymentId, title: e.title, createdAt: e.createdAt, deliveredAt: e.deliveredAt, lastError, deliveries };
  });
  return { channels, alerts };
}
