import type { RunOutcome } from '../store/runs.js';
import type { CheckSchedule } from './schedule.js';

/**
 * Pure decisions of the daemon: when the next check is due and why, and how
 * a failure moves the retry. Data in, data out; the timer loop lives in daemon.ts.
 */
export interface FailureState {
  /** Failed or unreachable checks in a row. */
  readonly failures: number;
  /** No check before this instant (persisted, so a restart does not hammer a dead portal or PBX). */
  readonly backoffUntil: Date | null;
}

export interface RetryPolicy {
  readonly minMs: number;
  readonly maxMs: number;
}

export type DueReason = 'startup' | 'schedule' | 'retry';

export interface NextCheck {
  readonly at: Date;
  readonly reason: DueReason;
}

export const NO_FAILURES: FailureState = { failures: 0, backoffUntil: null };

/** Outcomes after which the next attempt backs off. */
const BACKING_OFF: readonly RunOutcome[] = ['failed', 'unreachable', 'interrupted'];

/** minMs, doubling with each further failure, never above maxMs. */
export function retryDelay(failures: number, policy: RetryPolicy): number {
  if (failures <= 0) return 0;
  const exponent = Math.min(failures - 1, 40);
  return Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
}

/**
 * The failure state after a cycle ended with `outcome` (null: it threw).
 * `locked`: another cycle (a manual `renew`) held the lease and nothing ran:
 * not a failure, and nothing to back off from, so the state is unchanged (the
 * owed check is retried through lockedRetry, which is never stored).
 */
export function afterCycle(state: FailureState, outcome: RunOutcome | 'locked' | null, now: Date, policy: RetryPolicy): FailureState {
  if (outcome === 'locked') return state;
  if (outcome !== null && !BACKING_OFF.includes(outcome)) return NO_FAILURES;
  const failures = state.failures + 1;
  return { failures, backoffUntil: new Date(now.getTime() + retryDelay(failures, policy)) };
}

/**
 * The check owed after a `locked` outcome: tried again after retryMin. Kept in
 * the daemon's memory only: a backoff written for it would be inherited by
 * every later daemon although nothing failed.
 */
export function lockedRetry(now: Date, policy: RetryPolicy): NextCheck {
  return { at: new Date(now.getTime() + policy.minMs), reason: 'retry' };
}

export interface PlanInput {
  readonly schedule: CheckSchedule;
  readonly failure: FailureState;
  /** End of the last successful check, from the store. */
  readonly lastSuccess: Date | null;
  readonly now: Date;
  /** The daemon is starting: a check that was missed while it was down runs now. */
  readonly startup: boolean;
  /**
   * No real backoff ends later than now + this (retryMax + clock.maxSkew): a
   * later one was written while the clock ran ahead, and would stop the checks
   * until then. Such a backoff is ignored and the owed check runs now.
   */
  readonly maxBackoffMs?: number;
}

export function planNextCheck(input: PlanInput): NextCheck {
  const { schedule, failure, now } = input;
  const fromTheFuture = failure.backoffUntil !== null && input.maxBackoffMs !== undefined && failure.backoffUntil.getTime() > now.getTime() + input.maxBackoffMs;
  // A backoff written while the clock ran ahead ends now: an owed retry runs at once.
  const backoffUntil = fromTheFuture ? now : failure.backoffUntil;
  if (backoffUntil !== null && (failure.failures > 0 || backoffUntil.getTime() > now.getTime())) {
    // Retrying: sooner than the daily slot, but never before the backoff ends, restart or not.
    return { at: backoffUntil, reason: 'retry' };
  }
  if (input.startup && (input.lastSuccess === null || now.getTime() - input.lastSuccess.getTime() > schedule.periodMs)) {
    return { at: now, reason: 'startup' };
  }
  return { at: schedule.cron.next(now), reason: 'schedule' };
}

/** How long without a successful check before /healthz says unhealthy: twice the period, unless configured. */
export function staleAfterMs(schedule: CheckSchedule, configured: number | undefined): number {
  return configured ?? 2 * schedule.periodMs;
}
