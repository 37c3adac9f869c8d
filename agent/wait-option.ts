import { parseDuration } from '../src/core/duration.js';
import { UsageError } from '../src/errors.js';

/** The longest `--wait` (renew, fleet renew): a purchase shows on the portal within hours, never days. */
export const MAX_WAIT = '24h';

/** `--wait DURATION` in milliseconds, or a usage error (exit 2) saying what is accepted. */
export function waitOption(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`--wait "${text}" is not a duration`, 'Use for example --wait 30m or --wait 90s.');
  if (ms > parseDuration(MAX_WAIT)!) throw new UsageError(`--wait "${text}" is too long: at most ${MAX_WAIT}`, `Use for example --wait 30m; run renew again later if the purchase has still not shown.`);
  return ms;
}
