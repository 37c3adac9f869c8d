import { META } from '../store/meta-keys.js';
import type { Store } from '../store/store.js';
import { processAlive } from '../process/alive.js';
import type { FailureState, NextCheck } from './plan.js';

/**
 * What the daemon keeps in the store's meta table, so that a restart neither
 * moves the daily slot nor forgets a backoff. `next_check_at` is also what
 * `status`, `doctor` and /metrics show.
 */
export { META } from '../store/meta-keys.js';

export function loadFailureState(store: Store): FailureState {
  const failures = Number(store.getMeta(META.failures) ?? '0');
  const until = store.getMeta(META.backoffUntil);
  const backoffUntil = until === null || until === '' ? null : new Date(until);
  return {
    failures: Number.isInteger(failures) && failures > 0 ? failures : 0,
    backoffUntil: backoffUntil !== null && Number.isFinite(backoffUntil.getTime()) ? backoffUntil : null,
  };
}

export function saveFailureState(store: Store, state: FailureState): void {
  store.setMeta(META.failures, String(state.failures));
  store.setMeta(META.backoffUntil, state.backoffUntil?.toISOString() ?? '');
}

export function saveNextCheck(store: Store, next: NextCheck): void {
  store.setMeta(META.nextCheckAt, next.at.toISOString());
  store.setMeta(META.nextCheckReason, next.reason);
}

/** The minute kept for a daily window, if it was chosen for the same window. */
export function loadSlot(store: Store, spec: string): string | null {
  const raw = store.getMeta(META.slot);
  if (raw === null) return null;
  try {
    const kept = JSON.parse(raw) as { spec?: unknown; slot?: unknown };
    return kept.spec === spec && typeof kept.slot === 'string' ? kept.slot : null;
  } catch {
    return null;
  }
}

export function saveSlot(store: Store, spec: string, slot: string | null): void {
  if (slot !== null) store.setMeta(META.slot, JSON.stringify({ spec, slot }));
}

/** The end of the last successful check, if any; one recorded after `trustedUntil` (a clock that ran ahead) does not count. */
export function lastSuccess(store: Store, trustedUntil?: string): Date | null {
  return store.runs.lastSuccessEnd(undefined, trustedUntil);
}

/**
 * Runs left open by a process that is gone (kill -9, power loss, a check child
 * killed at the end of a stop) or by this one are closed as `interrupted`. A
 * run whose process still lives belongs to another agent (a manual `check`)
 * and is left alone. Called at start and at the end of a stop.
 */
export function closeInterruptedRuns(store: Store, now: Date, isAlive: (pid: number) => boolean = processAlive): number[] {
  const closed: number[] = [];
  for (const run of store.runs.unfinished()) {
    if (run.pid !== null && run.pid !== process.pid && isAlive(run.pid)) continue;
    store.runs.finish(run.id, {
      outcome: 'interrupted',
      at: now.toISOString(),
      error: `the agent stopped (process ${run.pid ?? '?'}) before this run finished; the next check reads the PBX again`,
    });
    closed.push(run.id);
  }
  return closed;
}


