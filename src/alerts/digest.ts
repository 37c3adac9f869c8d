import { buildRenewalReport, summarise } from '../app/renewal-report.js';
import type { DigestSettings } from '../config/alerts-schema.js';
import { addDays, calendarDate } from '../core/expiry.js';
import { compareText } from '../core/order.js';
import { localToUtc, WEEKDAYS } from '../core/zoned-time.js';
import type { ExpiryChange } from '../store/expiries.js';
import type { Store } from '../store/store.js';
import { digestBody, digestTitle, type DigestChange, type DigestData, type DigestItem } from './digest-message.js';
import type { DraftAlert } from './messages.js';

/**
 * The weekly digest: what expires within 90 days and what changed in the week before, sent once per
 * week through the alert outbox. The period is named by the local date of its slot (the configured
 * weekday and time); that name is the outbox's dedup key, so however many processes evaluate alerts,
 * restart or crash, a week's digest is enqueued once, and a week the agent was down is sent when it is back.
 */

export const DIGEST_DAYS = 90;
/**
 * Entries per list (text and data alike): a fleet's 90 days can hold thousands of items, and `due` has them all.
 * These keep the text under an alert body's bound (MAX_BODY) and text and data together under the generic
 * webhook's 64 KiB, so no channel has to cut the lists.
 */
export const DIGEST_MAX_ITEMS = 100;
export const DIGEST_MAX_CHANGES = 50;

export interface DigestPeriod {
  /** Local date of this period's slot: the digest's name. */
  readonly key: string;
  /** The previous slot and this one: "last week" (ISO instants). */
  readonly from: string;
  readonly to: string;
}

/** The period whose slot is the latest at or before `now`. */
export function digestPeriod(now: Date, settings: DigestSettings, timeZone: string | undefined): DigestPeriod {
  const local = calendarDate(now, timeZone);
  const weekday = (new Date(`${local}T00:00:00Z`).getUTCDay() + 6) % 7; // 0 = Monday
  const [hour, minute] = settings.time.split(':').map(Number) as [number, number];
  const slot = (date: string) => {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    return localToUtc({ year, month, day, hour, minute, second: 0 }, timeZone);
  };
  let day = addDays(local, -((weekday - WEEKDAYS.indexOf(settings.weekday) + 7) % 7));
  if (slot(day) > now.getTime()) day = addDays(day, -7);
  return { key: day, from: new Date(slot(addDays(day, -7))).toISOString(), to: new Date(slot(day)).toISOString() };
}

export function digestKey(period: DigestPeriod): string {
  return `digest/${period.key}`;
}

/** This week's digest when it is due and not in the outbox yet; else null. */
export function dueDigest(store: Store, ctx: { now: Date; today: string; timeZone: string; settings: DigestSettings | null; zone: string | undefined }): DraftAlert | null {
  if (ctx.settings === null) return null;
  const period = digestPeriod(ctx.now, ctx.settings, ctx.zone);
  if (store.outbox.has(digestKey(period))) return null;
  const data = digestData(store, period, ctx.today, ctx.timeZone);
  return { kind: 'digest', severity: 'info', deploymentId: null, subjects: [], dedupKey: digestKey(period), title: digestTitle(data), body: digestBody(data), data: { ...data } };
}

export function digestData(store: Store, period: DigestPeriod, today: string, timeZone: string): DigestData {
  const report = buildRenewalReport(store, { today, withinDays: DIGEST_DAYS });
  const expiring: DigestItem[] = report.deployments.flatMap((d) =>
    d.items.map((i) => ({ host: d.host, deploymentId: d.deploymentId, productName: d.productName, item: i.item, label: i.label, expiry: i.expiry, daysLeft: i.daysLeft ?? 0, renewalSeen: i.renewalSeen })),
  );
  const hosts = new Map(store.expiries.deployments().map((d) => [d.id, d.host]));
  const changes = store.expiries
    .changes({ since: period.from })
    .filter((c) => c.changedAt < period.to)
    .sort((a, b) => compareText(a.changedAt, b.changedAt) || a.id - b.id)
    .map((c): DigestChange => ({ host: hosts.get(c.deploymentId) ?? 'local', deploymentId: c.deploymentId, item: c.item, label: c.label, oldExpiry: c.oldExpiry, newExpiry: c.newExpiry, changedAt: c.changedAt, change: changeKind(c) }));
  return {
    kind: 'digest',
    period,
    today,
    timeZone,
    withinDays: DIGEST_DAYS,
    summary: summarise(report),
    expiring: expiring.slice(0, DIGEST_MAX_ITEMS),
    expiringTotal: expiring.length,
    changes: changes.slice(0, DIGEST_MAX_CHANGES),
    changesTotal: changes.length,
  };
}

function changeKind(c: ExpiryChange): DigestChange['change'] {
  if (c.oldExpiry === null) return 'new';
  if (c.newExpiry === null) return 'removed';
  const later = c.newExpiry === 'never' || (c.oldExpiry !== 'never' && c.newExpiry > c.oldExpiry);
  return later ? 'renewed' : 'earlier';
}
