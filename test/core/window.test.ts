import { describe, expect, it } from 'vitest';
import { insideWindow, nextInsideWindow, parseWindow } from '../../src/core/window.js';

describe('maintenance window', () => {
  it.each([
    ['02:00-05:00', '2026-11-26T01:59:00Z', false],
    ['02:00-05:00', '2026-11-26T02:00:00Z', true],
    ['02:00-05:00', '2026-11-26T04:59:00Z', true],
    ['02:00-05:00', '2026-11-26T05:00:00Z', false],
    ['22:00-04:00', '2026-11-26T23:30:00Z', true],
    ['22:00-04:00', '2026-11-26T03:00:00Z', true],
    ['22:00-04:00', '2026-11-26T12:00:00Z', false],
  ])('%s at %s (UTC): %s', (text, at, inside) => {
    expect(insideWindow(parseWindow(text)!, new Date(at), 'UTC')).toBe(inside);
  });

  it('uses the configured time zone', () => {
    const window = parseWindow('02:00-05:00')!;

    expect(insideWindow(window, new Date('2026-11-26T02:30:00Z'), 'Europe/Rome')).toBe(true);
    expect(insideWindow(window, new Date('2026-11-26T04:30:00Z'), 'Europe/Rome')).toBe(false);
  });

  it.each(['', '2-5', '02:00-02:00', '25:00-03:00', '02:00 - 05:00x'])('refuses %j', (text) => {
    expect(parseWindow(text)).toBeNull();
  });

  it.each([
    // instant, window, zone, next start
    ['2026-11-26T12:00:00Z', '02:00-05:00', 'UTC', '2026-11-27T02:00:00.000Z'],
    ['2026-11-26T01:00:30Z', '02:00-05:00', 'UTC', '2026-11-26T02:00:00.000Z'],
    ['2026-11-26T03:00:00Z', '02:00-05:00', 'UTC', '2026-11-26T03:00:00.000Z'],
    ['2026-11-26T12:00:00Z', '22:00-04:00', 'UTC', '2026-11-26T22:00:00.000Z'],
    // Europe/Rome moves to summer time on 2027-03-28 at 02:00: 04:00 that day is 02:00 UTC, not 03:00.
    ['2027-03-27T23:00:00Z', '04:00-06:00', 'Europe/Rome', '2027-03-28T02:00:00.000Z'],
    // and back on 2027-10-31 at 03:00: 04:00 that day is 03:00 UTC, not 02:00.
    ['2027-10-30T22:00:00Z', '04:00-06:00', 'Europe/Rome', '2027-10-31T03:00:00.000Z'],
  ])('from %s the window %s (%s) next opens at %s', (at, text, zone, next) => {
    expect(nextInsideWindow(parseWindow(text)!, new Date(at), zone).toISOString()).toBe(next);
  });
});
