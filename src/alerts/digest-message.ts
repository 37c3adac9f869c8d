import type { ReportSummary } from '../app/renewal-report.js';
import { esc } from '../ui/html.js';
import { RENEW_COMMAND } from './messages.js';

/**
 * The digest's texts: a plain-text body for every channel, and for e-mail an HTML alternative made at
 * send time from the data (a simple table with inline styles, as mail clients want: no style sheet, no
 * images, no scripts). Pure: data in, text out.
 */
export interface DigestItem {
  readonly host: string;
  readonly deploymentId: string;
  readonly productName: string | null;
  readonly item: string;
  readonly label: string;
  readonly expiry: string;
  readonly daysLeft: number;
  readonly renewalSeen: string | null;
}

export interface DigestChange {
  readonly host: string;
  readonly deploymentId: string;
  readonly item: string;
  readonly label: string;
  readonly oldExpiry: string | null;
  readonly newExpiry: string | null;
  readonly changedAt: string;
  readonly change: 'renewed' | 'new' | 'removed' | 'earlier';
}

/** What webhooks get as `data`, and what the e-mail's HTML is made from. */
export interface DigestData {
  readonly kind: 'digest';
  readonly period: { readonly key: string; readonly from: string; readonly to: string };
  readonly today: string;
  readonly timeZone: string;
  readonly withinDays: number;
  readonly summary: ReportSummary;
  /** Soonest first; at most DIGEST_MAX_ITEMS (`expiringTotal` says how many in all). */
  readonly expiring: readonly DigestItem[];
  readonly expiringTotal: number;
  /** Oldest first; at most DIGEST_MAX_CHANGES. */
  readonly changes: readonly DigestChange[];
  readonly changesTotal: number;
}

export function digestTitle(d: DigestData): string {
  const expired = d.summary.expired > 0 ? ` (${d.summary.expired} expired)` : '';
  const what = d.expiringTotal === 0 ? `nothing expires within ${d.withinDays} days` : `${count(d.expiringTotal, 'item')} expire within ${d.withinDays} days${expired}`;
  return `Licence digest for the week of ${d.period.key}: ${what}; ${count(d.changesTotal, 'change')} last week`;
}

export function digestBody(d: DigestData): string {
  const lines = [`Weekly licence digest (days counted on ${d.today} in ${d.timeZone}).`, ''];
  if (d.expiringTotal === 0) lines.push(`Nothing expires within ${d.withinDays} days.`);
  else {
    const s = d.summary;
    lines.push(`Expiring within ${d.withinDays} days: ${count(d.expiringTotal, 'item')} on ${count(s.deployments, 'deployment')} (${s.expired} expired, ${s.within30} within 30 days).`);
    let deployment: string | null = null;
    for (const i of d.expiring) {
      if (i.deploymentId !== deployment) {
        deployment = i.deploymentId;
        lines.push('', `  ${pbx(i)}${i.productName ? `, ${i.productName}` : ''}`);
      }
      lines.push(`    ${i.expiry}  ${days(i.daysLeft).padEnd(16)}  ${i.label}${i.renewalSeen ? `  (renewal on the portal: ${i.renewalSeen}, not applied yet)` : ''}`);
    }
    if (d.expiringTotal > d.expiring.length) lines.push('', `  ... and ${d.expiringTotal - d.expiring.length} more: run \`pbx-activation-agent due\` for the whole list.`);
  }
  lines.push('', `Changed from ${d.period.from.slice(0, 10)} to ${d.period.to.slice(0, 10)}: ${d.changesTotal === 0 ? 'nothing.' : count(d.changesTotal, 'change')}`);
  for (const c of d.changes) lines.push(`  ${c.changedAt.slice(0, 10)}  ${pbx(c)}: ${c.label} ${changeText(c)}`);
  if (d.changesTotal > d.changes.length) lines.push(`  ... and ${d.changesTotal - d.changes.length} more: run \`pbx-activation-agent history\`.`);
  if (d.expiringTotal > 0) {
    lines.push('', 'What to do: renew in the Sangoma portal ("Module Renewal by Deployment"; the cart asks for the deployment id), then run', `  ${RENEW_COMMAND}`, 'on the PBX (fleet: pbx-activation-agent fleet renew HOST --wait 30m).');
  }
  return lines.join('\n');
}

const RED = '#b3261e';
const CELL = 'border:1px solid #cccccc;padding:4px 8px;text-align:left;vertical-align:top';

/** The HTML alternative of a digest e-mail; undefined when the data is not a digest's. */
export function digestHtml(data: Readonly<Record<string, unknown>>): string | undefined {
  if (data.kind !== 'digest' || !Array.isArray(data.expiring) || !Array.isArray(data.changes)) return undefined;
  const d = data as unknown as DigestData;
  const table = (head: string[], rows: string[][]) =>
    `<table cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:13px">` +
    `<tr>${head.map((h) => `<th style="${CELL};background:#f2f2f2">${esc(h)}</th>`).join('')}</tr>` +
    rows.map((r) => `<tr>${r.join('')}</tr>`).join('') +
    '</table>';
  const cell = (text: string, style = '') => `<td style="${CELL}${style}">${esc(text)}</td>`;
  const expiring = d.expiring.map((i) => [
    cell(i.host === 'local' ? 'this PBX' : i.host),
    cell(i.deploymentId, ';font-family:monospace'),
    cell(i.label),
    cell(i.expiry),
    cell(days(i.daysLeft), i.daysLeft <= 30 ? `;color:${RED};font-weight:bold` : ''),
    cell(i.renewalSeen ? `on the portal: ${i.renewalSeen}` : ''),
  ]);
  const changes = d.changes.map((c) => [cell(c.changedAt.slice(0, 10)), cell(c.host === 'local' ? 'this PBX' : c.host), cell(c.deploymentId, ';font-family:monospace'), cell(c.label), cell(changeText(c))]);
  const more = (shown: number, total: number, command: string) => (total > shown ? `<p>... and ${total - shown} more: run <code>${esc(command)}</code>.</p>` : '');
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f1f1f">',
    `<p>Weekly licence digest (days counted on ${esc(d.today)} in ${esc(d.timeZone)}).</p>`,
    `<h3 style="font-size:15px">Expiring within ${d.withinDays} days: ${d.expiringTotal}${d.summary.expired > 0 ? ` <span style="color:${RED}">(${d.summary.expired} expired)</span>` : ''}</h3>`,
    d.expiringTotal === 0 ? '<p>Nothing.</p>' : table(['Host', 'Deployment', 'Item', 'Expiry', 'Days left', 'Renewal'], expiring),
    more(d.expiring.length, d.expiringTotal, 'pbx-activation-agent due'),
    `<h3 style="font-size:15px">Changed from ${esc(d.period.from.slice(0, 10))} to ${esc(d.period.to.slice(0, 10))}: ${d.changesTotal}</h3>`,
    d.changesTotal === 0 ? '<p>Nothing.</p>' : table(['Recorded', 'Host', 'Deployment', 'Item', 'Change'], changes),
    more(d.changes.length, d.changesTotal, 'pbx-activation-agent history'),
    d.expiringTotal > 0 ? `<p>Renew in the Sangoma portal ("Module Renewal by Deployment"), then run <code>${esc(RENEW_COMMAND)}</code> on the PBX.</p>` : '',
    '</body></html>',
  ].join('\n');
}

function pbx(i: { host: string; deploymentId: string }): string {
  return i.host === 'local' ? `PBX ${i.deploymentId}` : `PBX ${i.host} (${i.deploymentId})`;
}

function days(n: number): string {
  if (n < 0) return `expired ${-n} d ago`;
  return n === 0 ? 'today' : `${n} day${n === 1 ? '' : 's'} left`;
}

function changeText(c: DigestChange): string {
  switch (c.change) {
    case 'new':
      return `first seen, expires ${c.newExpiry}`;
    case 'removed':
      return `no longer listed (was ${c.oldExpiry})`;
    case 'renewed':
      return `renewed: ${c.oldExpiry} -> ${c.newExpiry}`;
    case 'earlier':
      return `moved earlier: ${c.oldExpiry} -> ${c.newExpiry}`;
  }
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
