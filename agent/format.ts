import { parseDuration } from '../src/core/duration.js';
import { UsageError } from '../src/errors.js';
import type { Format } from '../src/ui/views.js';

/** The output format a command's flags ask for (`--json`, `--csv`, ...); at most one. */
export function chooseFormat(options: object, flags: readonly Format[], fallback: Format = 'text'): Format {
  const chosen = flags.filter((f) => (options as Record<string, unknown>)[f] === true);
  if (chosen.length > 1) throw new UsageError(`${chosen.map((f) => `--${f}`).join(' and ')} exclude each other`, 'Choose one output format.');
  return chosen[0] ?? fallback;
}

const DAY_MS = 86_400_000;
const MAX_DAYS = 3650;

/** `--within 90d` (any duration; part of a day counts as a day) as a number of days. */
export function parseWithin(text: string): number {
  const ms = parseDuration(text);
  const days = ms === null ? NaN : Math.ceil(ms / DAY_MS);
  if (!(days >= 1 && days <= MAX_DAYS)) {
    throw new UsageError(`--within "${text}" is not a period of 1 to ${MAX_DAYS} days`, 'Use e.g. --within 90d, --within 30d or --within 365d.');
  }
  return days;
}
