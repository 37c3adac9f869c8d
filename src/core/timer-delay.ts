/**
 * The longest delay a Node timer holds: 2^31-1 ms (24.8 days). A longer one
 * (or Infinity, or NaN) is not refused but fires after 1 ms, which turns a
 * generous timeout into an immediate one. Configuration limits keep every
 * setting far below this; the guard makes sure no computed or inherited value
 * (a backoff, systemd's WATCHDOG_USEC) can reach a timer unbounded.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a timer can hold it: at most MAX_TIMER_MS, never negative; NaN is 0. */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
