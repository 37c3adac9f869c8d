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
