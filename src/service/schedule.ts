import { looksLikeWindow, parseWindow, type DailyWindow } from '../core/window.js';
import { cronProblems, cronSchedule, type CronSchedule } from './cron.js';

/**
 * When checks run. Pure: no timers, no store; the daemon keeps the chosen
 * slot in the store so it stays the same across restarts.
 */
export interface CheckSchedule {
  /** What the operator configured. */
  readonly spec: string;
  /** The cron expression actually used: a window becomes "M H * * *". */
  readonly cron: CronSchedule;
  /** The longest time between two scheduled checks: a success older than this means one was missed. */
  readonly periodMs: number;
  /** For a window: the chosen minute ("HH:MM"), to be kept. */
  readonly slot: string | null;
}

/** Problems with `schedule.check` beyond its shape (which the config schema checks). */
export function scheduleProblems(spec: string): string[] {
  if (looksLikeWindow(spec)) return parseWindow(spec) ? [] : ['schedule.check: the window is empty (start equals end)'];
  const problems = cronProblems(spec).map((p) => `schedule.check: ${p}`);
  if (problems.length > 0) return problems;
  try {
    cronSchedule(spec, undefined).next(new Date());
  } catch (err) {
    return [`schedule.check: ${(err as Error).message}`];
  }
  return [];
}

/** A minute inside the window, from a random number in [0, 1). */
export function pickSlot(window: DailyWindow, random: number): string {
  const length = (window.endMinute - window.startMinute + 1440) % 1440;
  const minute = (window.startMinute + Math.floor(random * length)) % 1440;
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** True when a slot kept from an earlier start still lies inside the (maybe edited) window. */
export function slotInWindow(slot: string, window: DailyWindow): boolean {
  const m = /^(\d\d):(\d\d)$/.exec(slot);
  if (!m) return false;
  const minute = Number(m[1]) * 60 + Number(m[2]);
  const offset = (minute - window.startMinute + 1440) % 1440;
  return offset < (window.endMinute - window.startMinute + 1440) % 1440;
}

/**
 * Resolves the configured schedule. For a window, `keptSlot` (from the store)
 * is reused when it still fits, so restarts do not move the daily check.
 */
export function resolveSchedule(spec: string, timeZone: string | undefined, keptSlot: string | null, random: () => number = Math.random): CheckSchedule {
  const window = parseWindow(spec);
  if (window) {
    const slot = keptSlot !== null && slotInWindow(keptSlot, window) ? keptSlot : pickSlot(window, random());
    const [h, m] = slot.split(':').map(Number);
    return { spec, cron: cronSchedule(`${m} ${h} * * *`, timeZone), periodMs: 86_400_000, slot };
  }
  const cron = cronSchedule(spec, timeZone);
  return { spec, cron, periodMs: longestGap(cron), slot: null };
}

/** The longest gap between consecutive runs over a sample of them ("0 3 * * 1-5": Friday to Monday, 3 days). */
function longestGap(cron: CronSchedule): number {
  let at = cron.next(new Date(Date.UTC(2024, 0, 1)));
  let gap = 0;
  for (let i = 0; i < 8; i++) {
    const next = cron.next(at);
    gap = Math.max(gap, next.getTime() - at.getTime());
    at = next;
  }
  return gap;
}
