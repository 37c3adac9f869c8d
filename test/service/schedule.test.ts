import { describe, expect, it } from 'vitest';
import { cronSchedule } from '../../src/service/cron.js';
import { parseWindow } from '../../src/core/window.js';
import { pickSlot, resolveSchedule, scheduleProblems, slotInWindow } from '../../src/service/schedule.js';

describe('daily windows', () => {
  it.each([
    ['02:00-05:00', { startMinute: 120, endMinute: 300, text: '02:00-05:00' }],
    ['23:30-01:15', { startMinute: 1410, endMinute: 75, text: '23:30-01:15' }],
    ['2:00-05:00', null],
    ['24:00-01:00', null],
    ['0 3 * * *', null],
  ])('parseWindow(%s)', (spec, expected) => {
    expect(parseWindow(spec)).toEqual(expected);
  });

  it.each([
    [{ startMinute: 120, endMinute: 300, text: '' }, 0, '02:00'],
    [{ startMinute: 120, endMinute: 300, text: '' }, 0.5, '03:30'],
    [{ startMinute: 120, endMinute: 300, text: '' }, 0.9999, '04:59'],
    [{ startMinute: 1410, endMinute: 75, text: '' }, 0, '23:30'],
    [{ startMinute: 1410, endMinute: 75, text: '' }, 0.5, '00:22'],
  ])('pickSlot(%j, %s) = %s, always inside the window', (window, random, slot) => {
    expect(pickSlot(window, random)).toBe(slot);
    expect(slotInWindow(slot, window)).toBe(true);
  });

  it('keeps a slot chosen earlier while it fits the window, and picks again when the window moved', () => {
    const kept = resolveSchedule('02:00-05:00', 'UTC', '04:41', () => 0);
    const moved = resolveSchedule('06:00-07:00', 'UTC', '04:41', () => 0);

    expect(kept.slot).toBe('04:41');
    expect(kept.cron.expression).toBe('41 4 * * *');
    expect(kept.periodMs).toBe(86_400_000);
    expect(moved.slot).toBe('06:00');
  });
});

describe('next run (pure: an instant in, an instant out)', () => {
  it.each([
    // expression, zone, after, next
    ['41 4 * * *', 'UTC', '2026-03-10T04:41:00Z', '2026-03-11T04:41:00.000Z'],
    ['41 4 * * *', 'UTC', '2026-03-10T04:40:59Z', '2026-03-10T04:41:00.000Z'],
    ['41 4 * * *', 'Europe/Rome', '2026-03-10T12:00:00Z', '2026-03-11T03:41:00.000Z'],
    // Rome goes to summer time on 29 March 2026: 04:41 local is then 02:41 UTC.
    ['41 4 * * *', 'Europe/Rome', '2026-03-28T12:00:00Z', '2026-03-29T02:41:00.000Z'],
    ['0 9 * * 1-5', 'America/New_York', '2026-11-27T15:00:00Z', '2026-11-30T14:00:00.000Z'],
    ['*/2 * * * * *', 'UTC', '2026-01-01T00:00:00.500Z', '2026-01-01T00:00:02.000Z'],
    ['0 0 L * *', 'UTC', '2026-02-01T00:00:00Z', '2026-02-28T00:00:00.000Z'],
    ['30 23 31 12 *', 'UTC', '2026-01-01T00:00:00Z', '2026-12-31T23:30:00.000Z'],
  ])('%s in %s after %s is %s', (expression, zone, after, next) => {
    expect(cronSchedule(expression, zone).next(new Date(after)).toISOString()).toBe(next);
  });

  it('a cron schedule period is the longest gap between runs', () => {
    expect(resolveSchedule('*/2 * * * * *', 'UTC', null).periodMs).toBe(2000);
    expect(resolveSchedule('0 3 * * 1-5', 'UTC', null).periodMs).toBe(3 * 86_400_000);
  });
});

describe('scheduleProblems', () => {
  it.each([
    ['02:00-05:00', []],
    ['*/2 * * * * *', []],
    ['02:00-02:00', ['schedule.check: the window is empty (start equals end)']],
    ['61 3 * * *', ['schedule.check: minute "61": 61 is a invalid expression for minute']],
    ['0 0 30 2 *', ['schedule.check: dayOfMonth "30": 30 2 is an impossible day of month for the given month']],
  ])('%s', (spec, problems) => {
    expect(scheduleProblems(spec)).toEqual(problems);
  });
});
