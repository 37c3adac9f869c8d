import type { ExpiryChange } from '../store/expiries.js';
import type { RunRecord } from '../store/runs.js';
import type { Store } from '../store/store.js';

export interface HistoryFilter {
  readonly deploymentId?: string | undefined;
  readonly moduleKey?: string | undefined;
  /** `YYYY-MM-DD` or an ISO instant. */
  readonly since?: string | undefined;
  readonly limit?: number | undefined;
}

export interface History {
  readonly changes: ExpiryChange[];
  /** Runs are left out when filtering by module: a run is not about one module. */
  readonly runs: RunRecord[];
}

export type HistoryEvent = ({ readonly type: 'change' } & ExpiryChange) | ({ readonly type: 'run' } & RunRecord);

/** Expiry changes and runs, newest first. */
export function readHistory(store: Store, filter: HistoryFilter): History {
  const since = filter.since && /^\d{4}-\d{2}-\d{2}$/.test(filter.since) ? `${filter.since}T00:00:00.000Z` : filter.since;
  const changes = store.expiries.changes({ deploymentId: filter.deploymentId, moduleKey: filter.moduleKey, since, limit: filter.limit });
  const runs = filter.moduleKey ? [] : store.runs.list({ deploymentId: filter.deploymentId, since, limit: filter.limit });
  return { changes, runs };
}

export function timeline(history: History, limit?: number): HistoryEvent[] {
  const events: HistoryEvent[] = [
    ...history.changes.map((c) => ({ type: 'change' as const, ...c })),
    ...history.runs.map((r) => ({ type: 'run' as const, ...r })),
  ];
  events.sort((a, b) => stamp(b).localeCompare(stamp(a)) || (a.type === b.type ? b.id - a.id : a.type === 'change' ? -1 : 1));
  return limit === undefined ? events : events.slice(0, limit);
}

function stamp(e: HistoryEvent): string {
  return e.type === 'change' ? e.changedAt : e.startedAt;
}
