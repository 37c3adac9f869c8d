import { describe, expect, it } from 'vitest';
import { afterCycle, NO_FAILURES, planNextCheck, retryDelay, staleAfterMs } from '../../src/service/plan.js';
import { resolveSchedule } from '../../src/service/schedule.js';

const MIN = 60_000;
const policy = { minMs: 5 * MIN, maxMs: 360 * MIN };
const daily = resolveSchedule('02:00-05:00', 'UTC', '03:17');
const now = new Date('2026-06-10T12:00:00Z');

describe('retry backoff', () => {
  it.each([
    [0, 0],
    [1, 5],
    [2, 10],
    [3, 20],
    [6, 160],
    [7, 320],
    [8, 360],
    [200, 360],
  ])('after %i failures: %i minutes', (failures, minutes) => {
    expect(retryDelay(failures, policy)).toBe(minutes * MIN);
  });

  it.each([
    ['failed', 1],
    ['unreachable', 1],
    ['interrupted', 1],
    [null, 1],
    ['up-to-date', 0],
    ['applied', 0],
    ['pending', 0],
  ] as const)('outcome %s counts %i failure', (outcome, failures) => {
    expect(afterCycle(NO_FAILURES, outcome, now, policy).failures).toBe(failures);
  });

  it('grows with each failure and starts from now', () => {
    const once = afterCycle(NO_FAILURES, 'unreachable', now, policy);
    const twice = afterCycle(once, 'failed', now, policy);

    expect(once.backoffUntil?.toISOString()).toBe('2026-06-10T12:05:00.000Z');
    expect(twice).toEqual({ failures: 2, backoffUntil: new Date('2026-06-10T12:10:00.000Z') });
    expect(afterCycle(twice, 'up-to-date', now, policy)).toEqual(NO_FAILURES);
  });
});

describe('planNextCheck', () => {
  it.each([
    ['never succeeded: check at start', null, true, '2026-06-10T12:00:00.000Z', 'startup'],
    ['success older than a day: check at start', '2026-06-09T03:17:30Z', true, '2026-06-10T12:00:00.000Z', 'startup'],
    ['recent success: wait for the slot', '2026-06-10T03:17:30Z', true, '2026-06-11T03:17:00.000Z', 'schedule'],
    ['not starting: the slot, even if the last success is old', null, false, '2026-06-11T03:17:00.000Z', 'schedule'],
  ])('%s', (_, last, startup, at, reason) => {
    const next = planNextCheck({ schedule: daily, failure: NO_FAILURES, lastSuccess: last === null ? null : new Date(last), now, startup });

    expect(next).toEqual({ at: new Date(at), reason });
  });

  it('a backoff in force wins over the start-up check (it survives a restart)', () => {
    const failure = { failures: 3, backoffUntil: new Date('2026-06-10T12:20:00Z') };

    const next = planNextCheck({ schedule: daily, failure, lastSuccess: null, now, startup: true });

    expect(next).toEqual({ at: failure.backoffUntil, reason: 'retry' });
  });

  it.each([
    ['failures owed: the retry runs now', 2, true, { at: now, reason: 'retry' }],
    ['no failure: the slot, as if there were no backoff', 0, false, { at: new Date('2026-06-11T03:17:00.000Z'), reason: 'schedule' }],
  ] as const)('a backoff stamped years ahead (the clock ran ahead) is ignored: %s', (_, failures, startup, expected) => {
    const failure = { failures, backoffUntil: new Date('2031-06-10T12:20:00Z') };

    const next = planNextCheck({ schedule: daily, failure, lastSuccess: new Date('2026-06-10T03:17:30Z'), now, startup, maxBackoffMs: 365 * MIN });

    expect(next).toEqual(expected);
  });

  it('a locked check changes nothing in the stored failure state', () => {
    const state = { failures: 2, backoffUntil: new Date('2026-06-10T12:20:00Z') };

    expect(afterCycle(state, 'locked', now, policy)).toBe(state);
    expect(afterCycle(NO_FAILURES, 'locked', now, policy)).toBe(NO_FAILURES);
  });

  it('stale limit: twice the period unless configured', () => {
    expect(staleAfterMs(daily, undefined)).toBe(2 * 86_400_000);
    expect(staleAfterMs(daily, 3600_000)).toBe(3600_000);
  });
});
