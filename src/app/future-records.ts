import { FUTURE_NOTE, fromTheFuture, trustedUntil } from '../core/future-time.js';
import type { History } from './history.js';
import type { StatusReport } from './status.js';

/**
 * `status` and `history` show what the store holds, and say so when a time
 * there is later than now + clock.maxSkew: it was recorded while the clock ran
 * ahead, and is no evidence of when anything happened.
 */
export function withClockWarnings(report: StatusReport, now: Date, maxSkewMs: number): StatusReport {
  return {
    ...report,
    deployments: report.deployments.map((d) => {
      const future = [
        ['last run', d.lastRun?.startedAt],
        ['last successful check', d.lastSuccessfulCheck],
        ['last seen', d.lastSeen],
      ].filter(([, at]) => fromTheFuture(at, now, maxSkewMs)) as Array<[string, string]>;
      const clockWarning = future.length === 0 ? null : `${future.map(([what, at]) => `${what} ${at}`).join(', ')}: ${FUTURE_NOTE}`;
      return { ...d, clockWarning };
    }),
  };
}

/** The history with the instant after which its times are from the future, and how many events are. */
export function historyWithClockWarning(history: History, now: Date, maxSkewMs: number): History & { readonly futureAfter: string; readonly recordedInFuture: number } {
  const futureAfter = trustedUntil(now, maxSkewMs);
  const recordedInFuture = history.changes.filter((c) => c.changedAt > futureAfter).length + history.runs.filter((r) => r.startedAt > futureAfter).length;
  return { ...history, futureAfter, recordedInFuture };
}
