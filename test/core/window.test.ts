import { describe, expect, it } from 'vitest';
import { insideWindow, parseWindow } from '../../src/core/window.js';

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
});
