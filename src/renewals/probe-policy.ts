import { formatDuration } from '../core/duration.js';
import { addDays, calendarDate, daysLeft, startOfDay } from '../core/expiry.js';
import { fromTheFuture } from '../core/future-time.js';
import { formatInstant } from '../core/instant.js';
import type { ItemKind, LicensedItem } from '../core/items.js';
import { insideWindow, nextInsideWindow, type DailyWindow } from '../core/window.js';

/**
 * When the activation probe may run Update Activation (`sa activate`, which
 * restarts Apache). Pure: data in, a decision and its reason out. The cycle,
 * `status` and the metrics ask it the same question.
 */
export interface ProbeSettings {
  /** Probe while an item expires within this (ms)... */
  readonly horizonMs: number;
  /** ...or expired at most this long ago (ms). */
  readonly graceMs: number;
  /** Licence key -> its own horizon (ms). */
  readonly perModule: ReadonlyMap<string, number>;
  /** At most one probe per this long. */
  readonly intervalMs: number;
  /** Scheduled and `check` probes only inside it; null: any time. */
  readonly window: DailyWindow | null;
  readonly timeZone: string | undefined;
  /** A last probe later than now + this was recorded while the clock ran ahead: it proves nothing (clock.maxSkew). */
  readonly maxSkewMs: number;
}

export interface ProbeInput {
  /** What the PBX shows (activation, support contract, module licences); other kinds are ignored. */
  readonly items: readonly LicensedItem[];
  readonly now: Date;
  /** The last probe's start (also one that never finished: it may have restarted Apache). */
  readonly lastProbeAt: Date | null;
  /** Days left mean nothing on a wrong clock. */
  readonly clock: { readonly trusted: boolean; readonly reason: string | null };
}

export type ProbeHold = 'clock' | 'horizon' | 'interval' | 'window';

export type ProbeDecision =
  | { readonly due: true; readonly reason: string; readonly items: readonly string[] }
  | {
      readonly due: false;
      readonly hold: ProbeHold;
      readonly reason: string;
      /** The earliest instant the policy allows the next probe (the first check at or after it runs it); null: not foreseeable. */
      readonly nextAt: Date | null;
    };

/** Kinds the PBX shows, so Update Activation can move them. */
const PROBED_KINDS: readonly ItemKind[] = ['activation', 'support-contract', 'module-license'];
const DAY_MS = 86_400_000;
/** A daily check that comes a little earlier than yesterday's still counts as a day later. */
const MAX_SLACK_MS = 3_600_000;

export function decideProbe(settings: ProbeSettings, given: ProbeInput): ProbeDecision {
  // A probe stamped in the future (the clock ran ahead) would hold every probe back until then: not counted.
  const input = given.lastProbeAt !== null && fromTheFuture(given.lastProbeAt.toISOString(), given.now, settings.maxSkewMs) ? { ...given, lastProbeAt: null } : given;
  const { now } = input;
  if (!input.clock.trusted) {
    return { due: false, hold: 'clock', reason: `clock not trusted (${input.clock.reason ?? 'unknown'}); no probe until it is fixed`, nextAt: null };
  }
  const today = calendarDate(now, settings.timeZone);
  const candidates: Array<{ label: string; days: number; item: string }> = [];
  let nextEntry: { label: string; expiry: string; from: string } | null = null;
  for (const item of input.items) {
    if (!PROBED_KINDS.includes(item.kind) || item.expiry.kind === 'never') continue;
    const days = daysLeft(item.expiry, today)!;
    const horizonDays = horizonOf(settings, item) / DAY_MS;
    if ((days >= 0 && days <= horizonDays) || (days < 0 && -days <= settings.graceMs / DAY_MS)) {
      candidates.push({ label: item.label, days, item: item.item });
    } else if (days > horizonDays) {
      const from = addDays(item.expiry.date, -Math.floor(horizonDays));
      if (nextEntry === null || from < nextEntry.from) nextEntry = { label: item.label, expiry: item.expiry.date, from };
    }
  }

  if (candidates.length === 0) {
    const nextAt = nextEntry ? allowed(settings, input, startOfDay(nextEntry.from, settings.timeZone)) : null;
    const next = nextEntry ? `; next: ${nextEntry.label} expires ${nextEntry.expiry}, probes from ${nextEntry.from}` : '';
    return { due: false, hold: 'horizon', reason: `nothing expires within ${days(settings.horizonMs)}${next}`, nextAt };
  }
  if (input.lastProbeAt !== null) {
    const end = intervalEnd(settings, input.lastProbeAt);
    if (now.getTime() < end) {
      const nextAt = allowed(settings, input, new Date(end));
      return { due: false, hold: 'interval', reason: `probed ${formatDuration(Math.max(0, now.getTime() - input.lastProbeAt.getTime()))} ago; next after ${formatInstant(nextAt)}`, nextAt };
    }
  }
  if (settings.window && !insideWindow(settings.window, now, settings.timeZone)) {
    const nextAt = nextInsideWindow(settings.window, now, settings.timeZone);
    return { due: false, hold: 'window', reason: `outside the maintenance window ${settings.window.text}; next probe at ${formatInstant(nextAt)}`, nextAt };
  }
  candidates.sort((a, b) => a.days - b.days);
  const named = candidates.slice(0, 3).map((c) => `${c.label} ${c.days < 0 ? `expired ${-c.days} days ago` : c.days === 0 ? 'expires today' : `expires in ${c.days} days`}`);
  const more = candidates.length > 3 ? ` and ${candidates.length - 3} more` : '';
  return { due: true, reason: `${named.join(', ')}${more}`, items: candidates.map((c) => c.item) };
}

function horizonOf(settings: ProbeSettings, item: LicensedItem): number {
  return (item.kind === 'module-license' && item.moduleKey !== null ? settings.perModule.get(item.moduleKey) : undefined) ?? settings.horizonMs;
}

/** When the interval after a probe ends, less a little slack (see MAX_SLACK_MS). */
function intervalEnd(settings: ProbeSettings, lastProbeAt: Date): number {
  return lastProbeAt.getTime() + settings.intervalMs - Math.min(MAX_SLACK_MS, settings.intervalMs / 20);
}

/** The first instant at or after `from` (and now) that the interval and the window allow. */
function allowed(settings: ProbeSettings, input: ProbeInput, from: Date): Date {
  let at = Math.max(from.getTime(), input.now.getTime());
  if (input.lastProbeAt !== null) at = Math.max(at, intervalEnd(settings, input.lastProbeAt));
  const instant = new Date(at);
  return settings.window ? nextInsideWindow(settings.window, instant, settings.timeZone) : instant;
}

/** `30 days`, `1 day`, or the duration as written for what is not whole days. */
function days(ms: number): string {
  if (ms % DAY_MS !== 0) return formatDuration(ms);
  const n = ms / DAY_MS;
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}
