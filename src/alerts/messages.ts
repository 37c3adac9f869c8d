import { safeLine, safeText, TEXT_LIMITS } from '../core/safe-text.js';
import type { Severity } from '../store/outbox.js';
import { expirySubject, type ExpiryItem, type ExpiryNotice, type Renewal } from './expiry-policy.js';

/**
 * Alert texts. The subject names the deployment, the item(s) and the days
 * left; the body gives the dates and what to do. Pure: data in, text out.
 */

export interface AlertContext {
  /** Calendar date days are counted from, in `timeZone`. */
  readonly today: string;
  readonly timeZone: string;
  readonly now: Date;
  readonly deployment: (id: string) => { readonly host: string; readonly productName: string | null } | null;
}

/** An alert ready for the outbox (the store adds its uid and time). */
export interface DraftAlert {
  readonly kind: string;
  readonly severity: Severity;
  readonly deploymentId: string | null;
  readonly subjects: readonly string[];
  readonly dedupKey: string;
  readonly title: string;
  readonly body: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export const RENEW_COMMAND = 'pbx-activation-agent renew --wait 30m';

/** Items listed one per line in a body; the rest are counted. */
export const MAX_LISTED = 30;
/** Items described in `data` (for webhooks and hooks); `itemsTotal` gives the full count. */
export const MAX_DATA_ITEMS = 200;
/** A subject line: e-mail subjects, Slack and Teams headings stay readable. */
export const MAX_TITLE = 250;
/** A body, in characters; channels may shorten it further to their own limits. */
export const MAX_BODY = 20_000;

export function expiryAlert(notice: ExpiryNotice, ctx: AlertContext): DraftAlert {
  const expired = notice.stage === 'expired';
  const when = expired ? `EXPIRED ${plural(-notice.daysLeft, 'day')} ago` : notice.daysLeft === 0 ? 'expires today' : `in ${plural(notice.daysLeft, 'day')}`;
  const what =
    notice.items.length === 1
      ? `${notice.items[0]!.label} ${expired || notice.daysLeft === 0 ? when : `expires ${when}`}`
      : `${count(notice.items.length)} items ${expired ? when : notice.daysLeft === 0 ? 'expire today' : `expire ${when}`}`;
  const list = notice.items.length === 1 ? '' : `: ${names(notice.items)}`;
  const title = `${deploymentTitle(notice.deploymentId, ctx)}: ${what} (${notice.expiry})${list}`;
  const body = [
    deploymentLine(notice.deploymentId, ctx),
    '',
    `${expired ? 'Expired on' : 'Expiring on'} ${notice.expiry} (${dayCount(notice.daysLeft)}, counted on ${ctx.today} in ${ctx.timeZone}):`,
    ...listLines(notice.items, (i) => `  - ${i.label} (${i.item})`),
    '',
    ...(expired ? ['An expired commercial module may stop working or stop receiving updates.', ''] : []),
    ...renewSteps(notice.deploymentId),
    ...(expired ? ['', 'This reminder repeats at a slow pace (alerts.expiredRepeat) until the date changes.'] : []),
  ].join('\n');
  const items = notice.items.slice(0, MAX_DATA_ITEMS).map((i) => ({ ...itemData(i), daysLeft: notice.daysLeft }));
  const subjects = notice.items.map((i) => expirySubject(i.deploymentId, i.item, i.expiry));
  // Marks keep an announcement from repeating; the key (with the day) guards the outbox itself.
  const dedupKey = `${expired ? 'expired' : 'expiry'}/${notice.deploymentId}/${notice.expiry}/${notice.stage}/${ctx.today}/${notice.items.map((i) => i.item).join(',')}`;
  return {
    kind: expired ? 'expired' : 'expiry',
    severity: expired || notice.daysLeft <= 7 ? 'critical' : 'warning',
    deploymentId: notice.deploymentId,
    subjects,
    dedupKey,
    title,
    body,
    data: { kind: expired ? 'expired' : 'expiry', deploymentId: notice.deploymentId, expiry: notice.expiry, daysLeft: notice.daysLeft, stage: notice.stage, repeat: notice.repeat, today: ctx.today, items, itemsTotal: notice.items.length },
  };
}

/** Renewals of one deployment found in one evaluation: one message closing what was open. */
export function renewedAlert(deploymentId: string, renewals: readonly Renewal[], ctx: AlertContext): DraftAlert {
  const first = renewals[0]!;
  const title =
    renewals.length === 1
      ? `${deploymentTitle(deploymentId, ctx)}: renewed: ${first.item.label} now expires ${first.newExpiry} (was ${first.oldExpiry})`
      : `${deploymentTitle(deploymentId, ctx)}: ${count(renewals.length)} items renewed: ${names(renewals.map((r) => r.item))}`;
  const body = [
    deploymentLine(deploymentId, ctx),
    '',
    'Renewed (the earlier alerts about these are closed):',
    ...listLines(renewals, (r) => `  - ${r.item.label} (${r.item.item}): ${r.oldExpiry} -> ${r.newExpiry}`),
    '',
    'Nothing to do.',
  ].join('\n');
  return {
    kind: 'renewed',
    severity: 'info',
    deploymentId,
    subjects: renewals.map((r) => r.subject),
    dedupKey: `renewed/${deploymentId}/${ctx.today}/${renewals.map((r) => `${r.item.item}:${r.oldExpiry}>${r.newExpiry}`).join(',')}`,
    title,
    body,
    data: { kind: 'renewed', deploymentId, today: ctx.today, items: renewals.slice(0, MAX_DATA_ITEMS).map((r) => ({ ...itemData(r.item), previousExpiry: r.oldExpiry })), itemsTotal: renewals.length },
  };
}

/** The message `alerts test` sends. */
export function testAlert(host: string, now: Date): DraftAlert {
  return {
    kind: 'test',
    severity: 'info',
    deploymentId: null,
    subjects: [],
    dedupKey: `test/${now.toISOString()}`,
    title: `pbx-activation-agent on ${host}: test message`,
    body: [`This is a test from pbx-activation-agent on ${host}, sent at ${now.toISOString()} by \`pbx-activation-agent alerts test\`.`, '', 'If you read this, this channel works. Nothing to do.'].join('\n'),
    data: { kind: 'test', host },
  };
}

export function renewSteps(deploymentId: string): string[] {
  return [
    'What to do:',
    `  1. In the Sangoma portal, open the "Module Renewal by Deployment" report, find deployment ${deploymentId}`,
    '     and renew the items above (a licence cannot be moved to another deployment after purchase).',
    '  2. Then, on the PBX, run:',
    `       ${RENEW_COMMAND}`,
    '     It runs Update Activation (with a portal, once the portal shows the renewal) until the new dates show.',
    "     Otherwise the agent's next daily check picks it up by itself (unless renewals.source is off).",
  ];
}

/** `PBX 631...`, or `PBX rome (631...)` for a fleet host: the subject says which machine. */
export function deploymentTitle(deploymentId: string, ctx: AlertContext): string {
  const host = ctx.deployment(deploymentId)?.host;
  return host && host !== 'local' ? `PBX ${host} (${deploymentId})` : `PBX ${deploymentId}`;
}

export function deploymentLine(deploymentId: string, ctx: AlertContext): string {
  const d = ctx.deployment(deploymentId);
  const product = d?.productName ? ` (${safeLine(d.productName, TEXT_LIMITS.product)})` : '';
  const host = d ? `, host ${d.host}` : '';
  return `Deployment ${deploymentId}${product}${host}.`;
}

/** Item names for a subject line: the first three, then a count. */
export function names(items: ReadonlyArray<{ readonly label: string }>): string {
  const shown = items.slice(0, 3).map((i) => i.label);
  return items.length > 3 ? `${shown.join(', ')} and ${count(items.length - 3)} more` : shown.join(', ');
}

/**
 * Lines of a body listing items: the first MAX_LISTED, then how many more.
 * Five thousand items expiring on one day make a message people can read and
 * every channel can carry.
 */
export function listLines<T>(items: readonly T[], line: (item: T) => string, what = 'items'): string[] {
  const shown = items.slice(0, MAX_LISTED).map(line);
  if (items.length <= MAX_LISTED) return shown;
  return [...shown, `  ... and ${count(items.length - MAX_LISTED)} more ${what} (pbx-activation-agent status lists them all)`];
}

/** `4,990`: counts in messages are read by people. */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Every alert as it goes into the outbox: one safe title line and a safe body,
 * both bounded whatever the data held (items, names, error texts). Channels
 * then fit it to their own limits (notify/limits.ts).
 */
export function boundedAlert<T extends Pick<DraftAlert, 'title' | 'body'>>(draft: T): T {
  return { ...draft, title: safeLine(draft.title, MAX_TITLE), body: safeText(draft.body, MAX_BODY) };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function dayCount(days: number): string {
  if (days < 0) return `${plural(-days, 'day')} ago`;
  return days === 0 ? 'today' : `${plural(days, 'day')} left`;
}

function itemData(i: ExpiryItem): Record<string, unknown> {
  return { item: i.item, label: i.label, kind: i.kind, moduleKey: i.moduleKey, expiry: i.expiry };
}
