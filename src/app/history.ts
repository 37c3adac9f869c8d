import { compareText } from '../core/order.js';
import type { ExpiryChange } from '../store/expiries.js';
import type { RunRecord } from '../store/runs.js';
import type { Store } from '../store/store.js';

/** Events `history` shows unless told otherwise: years of daily runs would bury what a person came for. */
export const DEFAULT_HISTORY_LIMIT = 200;

export interface HistoryFilter {
  readonly deploymentId?: string | undefined;
  readonly moduleKey?: string | undefined;
  /** `YYYY-MM-DD` or an ISO instant. */
  readonly since?: string | undefined;
  /** The newest this many events (changes and runs together); null: all of them. */
  readonly limit: number | null;
}

export interface History {
  readonly changes: ExpiryChange[];
  /** Runs are left out when filtering by module: a run is not about one module. */
  readonly runs: RunRecord[];
  readonly limit: number | null;
  /** More events match the filter than the limit let through. */
  readonly truncated: boolean;
}

export type HistoryEvent = ({ readonly type: 'change' } & ExpiryChange) | ({ readonly type: 'run' } & RunRecord);

/** Expiry changes and runs, newest first: the newest `limit` events of both together. */
export function readHistory(store: Store, filter: HistoryFilter): History {
  const since = filter.since && /^\d{4}-\d{2}-\d{2}$/.test(filter.since) ? `${filter.since}T00:00:00.000Z` : filter.since;
  // One more than the limit of each: enough to know whether anything was left out.
  const limit = filter.limit === null ? undefined : filter.limit + 1;
  const changes = store.expiries.changes({ deploymentId: filter.deploymentId, moduleKey: filter.moduleKey, since, limit });
  const runs = filter.moduleKey ? [] : store.runs.list({ deploymentId: filter.deploymentId, since, limit });
  const events = timeline({ changes, runs });
  const truncated = filter.limit !== null && events.length > filter.limit;
  const kept = truncated ? events.slice(0, filter.limit!) : events;
  return {
    changes: kept.flatMap(({ type, ...e }) => (type === 'change' ? [e as ExpiryChange] : [])),
    runs: kept.flatMap(({ type, ...e }) => (type === 'run' ? [e as RunRecord] : [])),
    limit: filter.limit,
    truncated,
  };
}

export function timeline(history: Pick<History, 'changes' | 'runs'>): HistoryEvent[] {
  const events: HistoryEvent[] = [
    ...history.changes.map((c) => ({ type: 'change' as const, ...c })),
    ...history.runs.map((r) => ({ type: 'run' as const, ...r })),
  ];
  return events.sort((a, b) => compareText(stamp(b), stamp(a)) || (a.type === b.type ? b.id - a.id : a.type === 'change' ? -1 : 1));
}

function stamp(e: HistoryEvent): string {
  return e.type === 'change' ? e.changedAt : e.startedAt;
}
