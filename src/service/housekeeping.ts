import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';

export interface HousekeepingSettings {
  /** Runs older than this go (see RunRepository.prune); expiry history is never deleted. */
  readonly runsRetentionMs: number;
}

/** Daily store upkeep: old runs out, SQLite's planner statistics refreshed. */
export function housekeeping(store: Store, clock: Clock, log: Logger, settings: () => HousekeepingSettings): () => void {
  return () => {
    const before = new Date(clock.now().getTime() - settings().runsRetentionMs).toISOString();
    const deleted = store.guard((s) => s.runs.prune(before));
    store.guard((s) => s.optimize());
    if (deleted > 0) log.info({ deleted, before }, 'old runs deleted (retention.runs); expiry history kept');
  };
}
