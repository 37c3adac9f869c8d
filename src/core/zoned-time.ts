import { memoize } from './memo.js';

/**
 * Wall-clock time in an IANA zone (default: the host's), without a library: the cron schedule and the
 * weekly digest both need "this local time on that day, as an instant".
 */
/** Monday first, as ISO 8601 counts them. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** One formatter per zone (undefined: the host's): making one costs more than formatting. */
const formatterFor = memoize(
  (timeZone: string | undefined) =>
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }),
);

export function localParts(date: Date, timeZone: string | undefined): LocalTime {
  const f = formatterFor(timeZone);
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The calendar day after `d` (month and year ends and leap days included). */
export function nextDay(d: CalendarDay): CalendarDay {
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** The UTC instant of a wall-clock time in a zone (in a DST gap: the instant one offset later). */
export function localToUtc(t: LocalTime, timeZone: string | undefined): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  const guess = wall - offsetAt(wall, timeZone);
  // The offset at the guess may differ from the offset at the result (near a DST change): one correction.
  const corrected = wall - offsetAt(guess, timeZone);
  if (wallClock(corrected, timeZone) === wall) return corrected;
  if (wallClock(guess, timeZone) === wall) return guess;
  // Neither shows that wall time: it falls in a gap (e.g. midnight where summer time starts at 00:00). The
  // later candidate is the instant one offset later, the first that exists.
  return Math.max(guess, corrected);
}

/** The wall-clock time an instant shows in the zone, as if it were UTC (whole seconds). */
function wallClock(ts: number, timeZone: string | undefined): number {
  const p = localParts(new Date(ts), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

function offsetAt(ts: number, timeZone: string | undefined): number {
  return wallClock(ts, timeZone) - Math.floor(ts / 1000) * 1000;
}

