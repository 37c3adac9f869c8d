import { z } from 'zod';
import { parseDuration } from '../core/duration.js';

/** `30s`, `10m`, `2h`, `1d` or a number of seconds; parsed to milliseconds. */
export const Duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 90s, 10m, 2h, 1d)` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A duration setting with its documented range (README, "Limits of duration
 * settings"). Every setting has a maximum: a timer cannot hold more than
 * 2^31-1 ms (24.8 days; Node fires a longer one after 1 ms), and a wait far
 * beyond any sensible value is a typo to refuse, not to obey.
 */
export function durationWithin(min: string, max: string) {
  const minMs = parseDuration(min)!;
  const maxMs = parseDuration(max)!;
  const range = minMs === 0 ? `at most ${max}` : `between ${min} and ${max}`;
  return Duration.refine((ms) => ms >= minMs && ms <= maxMs, `must be ${range}`);
}
