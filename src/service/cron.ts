import { createTask, parse, validateDetailed, type ScheduledTask } from 'node-cron';
import { localParts, localToUtc, nextDay, type CalendarDay } from '../core/zoned-time.js';

/**
 * Cron expressions, in node-cron's dialect (5 fields, or 6 with seconds; L, W,
 * #, names). node-cron alone is imported here; it parses and matches. The
 * daemon drives its own timer (see daemon.ts) because node-cron's runner
 * sleeps up to a day in one timer and drops slots missed during a suspend.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string | undefined;
  /** First matching instant strictly after `after` (second precision). */
  next(after: Date): Date;
}

/** Every problem with an expression, as node-cron reports them; empty when valid. */
export function cronProblems(expression: string): string[] {
  const result = validateDetailed(expression);
  if (result.valid) return [];
  return result.errors.map((e) => `${e.field}${e.value === undefined ? '' : ` "${e.value}"`}: ${e.message}`);
}

/** The search gives up after this many days: an expression like "0 0 30 2 *" never matches. */
const MAX_DAYS = 366 * 5;

/**
 * Tasks that are never started: only their matchers are used (day-of-month and
 * day-of-week rules, time zone). node-cron keeps every task it creates in a
 * registry of its own, so one per expression and zone is made, not one per reload.
 */
const matchers = new Map<string, ScheduledTask>();

function matcherFor(expression: string, timeZone: string | undefined): ScheduledTask {
  const key = `${expression}\0${timeZone ?? ''}`;
  let task = matchers.get(key);
  if (!task) {
    task = createTask(expression, () => undefined, { timezone: timeZone });
    matchers.set(key, task);
  }
  return task;
}

export function cronSchedule(expression: string, timeZone: string | undefined): CronSchedule {
  const fields = parse(expression);
  const seconds = sortedNumbers(fields.second);
  const minutes = sortedNumbers(fields.minute);
  const hours = sortedNumbers(fields.hour);
  const months = new Set(fields.month);
  const matches = (date: Date) => matcherFor(expression, timeZone).match(date);
  return {
    expression,
    timeZone,
    next(after: Date): Date {
      const base = Math.floor(after.getTime() / 1000) * 1000;
      const start = localParts(new Date(base), timeZone);
      let day: CalendarDay = { year: start.year, month: start.month, day: start.day };
      for (let i = 0; i < MAX_DAYS; i++, day = nextDay(day)) {
        if (!months.has(day.month)) continue;
        const first = i === 0 ? start : null;
        for (const hour of hours) {
          if (first && hour < first.hour) continue;
          for (const minute of minutes) {
            if (first && hour === first.hour && minute < first.minute) continue;
            for (const second of seconds) {
              const ts = localToUtc({ ...day, hour, minute, second }, timeZone);
              if (ts > base && matches(new Date(ts))) return new Date(ts);
            }
          }
        }
      }
      throw new Error(`the cron expression "${expression}" never matches`);
    },
  };
}

function sortedNumbers(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
