import { summarise, type RenewalReport, type ReportDeployment, type ReportItem } from '../app/renewal-report.js';
import { daysLeft, dateExpiry } from '../core/expiry.js';
import { RENEW_COMMAND } from '../alerts/messages.js';
import { csvDocument, untrusted } from './csv.js';
import { daysCell } from './status-view.js';
import { renderTable } from './table.js';
import { jsonView, type Format, type View, type Views } from './views.js';

/** `due`: the renewal shopping list, as a table, CSV for the purchasing spreadsheet, or JSON. */
export const DUE_VIEWS: Views<RenewalReport> = new Map<Format, View<RenewalReport>>([
  ['text', (report, ctx) => renderDueText(report, ctx.colour)],
  ['csv', renderDueCsv],
  ['json', jsonView],
]);

/** "within 90 days" (or "with a date" for a report without a limit). */
export function periodText(report: Pick<RenewalReport, 'today' | 'until'>): string {
  if (report.until === null) return 'with a date';
  const days = daysLeft(dateExpiry(report.until), report.today) ?? 0;
  return `within ${days} day${days === 1 ? '' : 's'}`;
}

export function renderDueText(report: RenewalReport, colour: boolean): string {
  const period = periodText(report);
  if (report.deployments.length === 0) return `Nothing expires ${period}.`;
  const s = summarise(report);
  const sections = report.deployments.map((d) => [deploymentHeading(d, colour), itemsTable(d.items, colour)].join('\n'));
  const expired = s.expired > 0 ? `, ${s.expired} already expired` : '';
  return [
    ...sections.flatMap((section) => [section, '']),
    `${s.items} item${s.items === 1 ? '' : 's'} on ${s.deployments} deployment${s.deployments === 1 ? '' : 's'} expire ${period} (until ${report.until ?? '-'})${expired}.`,
    'Renew them in the Sangoma portal ("Module Renewal by Deployment"; the cart asks for the deployment id above), then run',
    `\`${RENEW_COMMAND}\` on the PBX (fleet: \`pbx-activation-agent fleet renew HOST --wait 30m\`).`,
  ].join('\n');
}

/** The deployment id stands alone between spaces, so a double click selects it for the portal's cart. */
function deploymentHeading(d: ReportDeployment, colour: boolean): string {
  const text = [`Deployment ${d.deploymentId}`, d.host === 'local' ? null : `host ${d.host}`, d.productName].filter((p) => p !== null).join('  ');
  return colour ? `\x1b[1m${text}\x1b[0m` : text;
}

function itemsTable(items: readonly ReportItem[], colour: boolean): string {
  return renderTable(
    [{ header: 'EXPIRY' }, { header: 'DAYS LEFT', align: 'right' }, { header: 'ITEM' }, { header: 'RENEWAL' }],
    items.map((i) => [i.expiry, daysCell(i.daysLeft), i.label, i.renewalSeen ? { text: `on the portal: ${i.renewalSeen}, not applied yet`, colour: '32' } : 'none seen']),
    colour,
  );
}

export const DUE_CSV_HEADER = ['host', 'deployment_id', 'product', 'item', 'kind', 'label', 'expiry', 'days_left', 'renewal_seen'] as const;

export function renderDueCsv(report: RenewalReport): string {
  const rows = report.deployments.flatMap((d) =>
    d.items.map((i) => [untrusted(d.host), d.deploymentId, untrusted(d.productName), i.item, i.kind, untrusted(i.label), i.expiry, i.daysLeft, i.renewalSeen]),
  );
  return csvDocument(DUE_CSV_HEADER, rows);
}
