import { localToUtc } from './zoned-time.js';

/**
 * Expiry values as FreePBX shows them. `Never` is a value of its own, never a
 * far-future date and never 0: it sorts after every date and has no days left.
 */
export type Expiry = { readonly kind: 'date'; readonly date: string } | { readonly kind: 'never' };

export const NEVER: Expiry = Object.freeze({ kind: 'never' });

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_MON_YEAR = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/;

export function dateExpiry(date: string): Expiry {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  return { kind: 'date', date };
}

/**
 * Reads the three formats seen on real systems: `YYYY-MM-DD` (optionally with a
 * time, as support contracts carry), `DD-Mon-YYYY` (activation) and `Never`.
 * Returns null for anything else so callers can report it instead of guessing.
 */
export function parseExpiry(text: string): Expiry | null {
  const value = text.trim();
  if (/^never$/i.test(value)) return NEVER;
  const iso = ISO_DATE.exec(value);
  if (iso) return calendar(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const dmy = DAY_MON_YEAR.exec(value);
  if (dmy) {
    const month = MONTHS.indexOf(dmy[2]!.toLowerCase()) + 1;
    if (month === 0) return null;
    return calendar(Number(dmy[3]), month, Number(dmy[1]));
  }
  return null;
}

function calendar(year: number, month: number, day: number): Expiry | null {
  const date = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  return isCalendarDate(date) ? { kind: 'date', date } : null;
}

export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1970 || mo < 1 || mo > 12 || d < 1) return false;
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/** The form stored in SQLite and printed in `--json`: `YYYY-MM-DD` or `never`. */
export function formatExpiry(expiry: Expiry): string {
  return expiry.kind === 'never' ? 'never' : expiry.date;
}

export function expiryFromStored(stored: string): Expiry {
  const parsed = stored === 'never' ? NEVER : parseExpiry(stored);
  if (!parsed) throw new RangeError(`stored expiry is not a date or "never": ${stored}`);
  return parsed;
}


/** Orders expiries; `never` comes after every date. */
export function compareExpiry(a: Expiry, b: Expiry): number {
  if (a.kind === 'never') return b.kind === 'never' ? 0 : 1;
  if (b.kind === 'never') return -1;
  return a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
}

/** Whole days from `today` (a calendar date) to the expiry; negative once expired; null for `never`. */
export function daysLeft(expiry: Expiry, today: string): number | null {
  if (expiry.kind === 'never') return null;
  return (Date.parse(`${expiry.date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000;
}

/** The calendar date of an instant in a time zone (default: the host's). */
export function calendarDate(instant: Date, timeZone?: string): string {
  // The host's zone needs no formatter: creating the first Intl.DateTimeFormat
  // loads ICU data (about 13 ms), a sixth of what `status` may take in all.
  if (timeZone === undefined) return `${String(instant.getFullYear()).padStart(4, '0')}-${pad2(instant.getMonth() + 1)}-${pad2(instant.getDate())}`;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The instant a calendar date begins in a time zone (default: the host's). */
export function startOfDay(date: string, timeZone?: string): Date {
  if (timeZone === undefined) return new Date(`${date}T00:00:00`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(localToUtc({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone));
}

export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** `DD-Mon-YYYY`, the format FreePBX uses for the activation expiry. */
export function toDayMonYear(date: string): string {
  const [y, m, d] = date.split('-');
  const mon = MONTHS[Number(m) - 1]!;
  return `${d}-${mon[0]!.toUpperCase()}${mon.slice(1)}-${y}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
