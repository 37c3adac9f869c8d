import { compareExpiry, daysLeft, expiryFromStored } from '../core/expiry.js';
import type { StoredItem } from '../store/expiries.js';

/**
 * When to warn about expiry: pure functions over the current expiries and
 * what was already announced. Each threshold is announced once per
 * (deployment, item, expiry value); an expired item is repeated at a slow
 * cadence; items due together make one notice.
 */

/** `days:<threshold>` (the most urgent threshold crossed) or `expired`. */
export type Stage = `days:${number}` | 'expired';

/** An item with its current expiry (`YYYY-MM-DD` or `never`), as the store keeps it. */
export type ExpiryItem = Pick<StoredItem, 'deploymentId' | 'item' | 'kind' | 'moduleKey' | 'label' | 'expiry'>;

export interface ThresholdSettings {
  /** Days before expiry, any order. */
  readonly thresholds: readonly number[];
  /** Licence key -> thresholds for that module's licence and maintenance. */
  readonly perModule: ReadonlyMap<string, readonly number[]>;
  readonly expiredRepeatMs: number;
}

/** What was announced for an item's current expiry value. */
export interface Announced {
  readonly stage: string;
  readonly notifiedAt: string;
}

/** One message: items of a deployment with the same expiry date at the same stage. */
export interface ExpiryNotice {
  readonly deploymentId: string;
  readonly expiry: string;
  readonly stage: Stage;
  readonly daysLeft: number;
  readonly items: readonly ExpiryItem[];
  /** An expired item announced again. */
  readonly repeat: boolean;
}

export interface Renewal {
  readonly subject: string;
  readonly deploymentId: string;
  readonly item: ExpiryItem;
  readonly oldExpiry: string;
  readonly newExpiry: string;
}

export function expirySubject(deploymentId: string, item: string, expiry: string): string {
  return `expiry/${deploymentId}/${item}/${expiry}`;
}

export function thresholdsFor(item: Pick<ExpiryItem, 'kind' | 'moduleKey'>, settings: Pick<ThresholdSettings, 'thresholds' | 'perModule'>): readonly number[] {
  const moduleKind = item.kind === 'module-license' || item.kind === 'module-maintenance';
  if (moduleKind && item.moduleKey !== null) return settings.perModule.get(item.moduleKey) ?? settings.thresholds;
  return settings.thresholds;
}

/** The stage an item is in: null for `never` and for dates beyond every threshold. */
export function dueStage(days: number | null, thresholds: readonly number[]): Stage | null {
  if (days === null) return null;
  if (days < 0) return 'expired';
  const crossed = thresholds.filter((t) => days <= t);
  return crossed.length === 0 ? null : `days:${Math.min(...crossed)}`;
}

/**
 * Whether the due stage is news: nothing announced yet, a more urgent threshold
 * than the last one, or an expired item not repeated for `expiredRepeatMs`.
 */
export function isNews(due: Stage, announced: Announced | null, now: Date, expiredRepeatMs: number): boolean {
  if (announced === null) return true;
  if (due === 'expired') {
    return announced.stage !== 'expired' || now.getTime() - Date.parse(announced.notifiedAt) >= expiredRepeatMs;
  }
  if (announced.stage === 'expired') return false;
  return stageDays(due) < stageDays(announced.stage);
}

function stageDays(stage: string): number {
  return Number(stage.slice('days:'.length));
}

/** Every notice due on `today`, grouped so items expiring together make one message. */
export function planExpiryNotices(
  items: readonly ExpiryItem[],
  announced: (subject: string) => Announced | null,
  today: string,
  now: Date,
  settings: ThresholdSettings,
): ExpiryNotice[] {
  const groups = new Map<string, { notice: Omit<ExpiryNotice, 'items'>; items: ExpiryItem[] }>();
  for (const item of items) {
    const days = daysLeft(expiryFromStored(item.expiry), today);
    const due = dueStage(days, thresholdsFor(item, settings));
    if (due === null || days === null) continue;
    const before = announced(expirySubject(item.deploymentId, item.item, item.expiry));
    if (!isNews(due, before, now, settings.expiredRepeatMs)) continue;
    const key = `${item.deploymentId}\0${item.expiry}\0${due}`;
    const group = groups.get(key) ?? { notice: { deploymentId: item.deploymentId, expiry: item.expiry, stage: due, daysLeft: days, repeat: false }, items: [] };
    group.items.push(item);
    if (before?.stage === 'expired') group.notice = { ...group.notice, repeat: true };
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({ ...g.notice, items: g.items }))
    .sort((a, b) => a.deploymentId.localeCompare(b.deploymentId) || a.expiry.localeCompare(b.expiry));
}

/**
 * Open expiry announcements whose item now shows another value. A later
 * value (or `never`) is a renewal that closes the announcement with a message;
 * an earlier value or a vanished item closes it silently.
 */
export function planRenewals(
  open: ReadonlyArray<{ readonly subject: string; readonly deploymentId: string | null; readonly item: string | null; readonly expiry: string | null }>,
  current: (deploymentId: string, item: string) => ExpiryItem | null,
): { renewed: Renewal[]; closed: string[] } {
  const renewed: Renewal[] = [];
  const closed: string[] = [];
  for (const mark of open) {
    if (mark.deploymentId === null || mark.item === null || mark.expiry === null) continue;
    const now = current(mark.deploymentId, mark.item);
    if (now !== null && now.expiry === mark.expiry) continue;
    if (now !== null && compareExpiry(expiryFromStored(now.expiry), expiryFromStored(mark.expiry)) > 0) {
      renewed.push({ subject: mark.subject, deploymentId: mark.deploymentId, item: now, oldExpiry: mark.expiry, newExpiry: now.expiry });
    } else {
      closed.push(mark.subject);
    }
  }
  return { renewed, closed };
}
