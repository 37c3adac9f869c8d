import { localParts, localToUtc, nextDay, type CalendarDay } from './zoned-time.js';

/** A daily time window such as `02:00-05:00` (may wrap midnight: `22:00-04:00`), in a time zone. */
export interface DailyWindow {
  readonly startMinute: number;
  readonly endMinute: number;
  readonly text: string;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** Shaped like a window (`HH:MM-HH:MM`), even an empty one. */
export function looksLikeWindow(text: string): boolean {
  return WINDOW.test(text.trim());
}

export function parseWindow(text: string): DailyWindow | null {
  const m = WINDOW.exec(text.trim());
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (start === end) return null;
  return { startMinute: start, endMinute: end, text: text.trim() };
}

/** Minute of the day (0-1439) of an instant in a time zone (default: the host's). */
export function minuteOfDay(instant: Date, timeZone?: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  return get('hour') * 60 + get('minute');
}

export function insideWindow(window: DailyWindow, instant: Date, timeZone?: string): boolean {
  const minute = minuteOfDay(instant, timeZone);
  return window.startMinute < window.endMinute
    ? minute >= window.startMinute && minute < window.endMinute
    : minute >= window.startMinute || minute < window.endMinute;
}

/**
 * The first instant at or after `instant` inside the window: `instant` itself
 * when inside, else the window's next opening (whole minute, in the zone).
 */
export function nextInsideWindow(window: DailyWindow, instant: Date, timeZone?: string): Date {
  if (insideWindow(window, instant, timeZone)) return instant;
  // The window's start as a wall-clock time today, else tomorrow: counting minutes from now would be an hour
  // off across a change to or from summer time.
  const now = localParts(instant, timeZone);
  const hour = Math.floor(window.startMinute / 60);
  const minute = window.startMinute % 60;
  for (let day: CalendarDay = { year: now.year, month: now.month, day: now.day }; ; day = nextDay(day)) {
    const start = localToUtc({ ...day, hour, minute, second: 0 }, timeZone);
    if (start > instant.getTime()) return new Date(start);
  }
}
