import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['250ms', 250],
    ['15', 15_000],
    [30, 30_000],
  ])('reads %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '10 minutes', '5x', '-5s', 'm10', -1, Number.NaN])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats for people', () => {
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(30 * 60_000)).toBe('30m');
    expect(formatDuration(3 * 86_400_000)).toBe('3d');
  });
});
