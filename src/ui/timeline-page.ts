import type { ReportDeployment, ReportItem } from '../app/renewal-report.js';
import type { OverviewLine, TimelineReport } from '../app/timeline-report.js';
import { memoize } from '../core/memo.js';
import { esc } from './html.js';
import { when } from './status-view.js';
import { TIMELINE_CSS } from './timeline-style.js';

/**
 * The timeline page: one self-contained HTML file (style inlined, no scripts, no network; a Content
 * Security Policy says so to the browser too). Per deployment, a bar per item from today to its expiry
 * on an axis from a year back to two years ahead, coloured by days left; renewals of the last year as
 * marks. Every text from the store (host names, labels, product names) is escaped.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BAND_TITLE = { expired: 'expired', 'within-30': '30 days or less', 'within-90': '31 to 90 days', later: 'more than 90 days', never: 'never expires' } as const;

interface Axis {
  readonly start: string;
  readonly end: string;
  readonly today: string;
  /** Position of a day on the axis, in percent (clamped). */
  pct(date: string): number;
  /** The same as CSS text with two decimals. */
  at(date: string): string;
}

/** What rows with the same date show alike (the bar, the days left): made once per date on a page. */
type ByExpiry = Map<string, { readonly head: string; readonly bar: string; readonly days: string }>;

export function renderTimelinePage(report: TimelineReport): string {
  return [...timelinePageParts(report)].join('');
}

/**
 * The same page in pieces, in order: its head, the overview, then a piece per deployment, each made when it is
 * taken (a fleet's page is 27 MB: written as it is made, it is never all kept at once).
 */
export function* timelinePageParts(report: TimelineReport): Generator<string, void, undefined> {
  const axis = makeAxis(report.today);
  // The same for every deployment: made once.
  const ticks = axisRow(axis);
  // A fleet's 50,000 items fall on a few thousand days.
  const byExpiry: ByExpiry = new Map();
  const s = report.summary;
  const head = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>PBX licence timeline, ${esc(report.today)}</title>
<style>${TIMELINE_CSS}</style>
</head>
<body style="--today: ${axis.pct(axis.today).toFixed(3)}%">
<header>
<h1>PBX licence timeline</h1>
<p class="muted">Generated ${esc(when(report.generatedAt))} by pbx-activation-agent from its store; days left counted from ${esc(report.today)}. Renew in the Sangoma portal ("Module Renewal by Deployment", for the deployment shown), then run <code>pbx-activation-agent renew --wait 30m</code> on the PBX.</p>
<div class="cards">
<div class="card expired" data-figure="expired"><b>${s.expired}</b>expired</div>
<div class="card within-30" data-figure="within-30"><b>${s.within30}</b>within 30 days</div>
<div class="card within-90" data-figure="within-90"><b>${s.within90}</b>within 90 days</div>
<div class="card" data-figure="deployments"><b>${s.deployments}</b>deployment${s.deployments === 1 ? '' : 's'}</div>
<div class="card" data-figure="items"><b>${s.items}</b>items</div>
</div>
<div class="legend">${(Object.keys(BAND_TITLE) as Array<keyof typeof BAND_TITLE>).map((b) => `<span class="${b}" style="--c: var(--${b})">${BAND_TITLE[b]}</span>`).join('')}<span style="--c: #1a73e8">renewal recorded (last 12 months)</span><span style="--c: #222">today (the grey part is the past year)</span></div>
</header>
<main>
`;
  yield head;
  if (report.deployments.length === 0) {
    yield '<p class="empty">Nothing recorded yet. Run <code>pbx-activation-agent check --dry-run</code> (or <code>fleet check</code>) to read the PBX.</p>';
  } else {
    yield overviewTable(report.overview);
    for (const d of report.deployments) yield `\n${deploymentSection(d, axis, ticks, byExpiry)}`;
  }
  yield '\n</main>\n</body>\n</html>\n';
}

function overviewTable(lines: readonly OverviewLine[]): string {
  const rows = lines.map(
    (l) =>
      `<tr><td>${esc(hostName(l.host))}</td><td><a class="id" href="#dep-${esc(l.deploymentId)}">${esc(l.deploymentId)}</a></td><td>${esc(l.productName ?? '')}</td>` +
      `<td>${l.soonest ? `${esc(l.soonest.expiry)} ${esc(l.soonest.label)}` : '-'}</td><td class="num${l.expired > 0 ? ' bad' : ''}">${l.expired}</td>` +
      `<td class="num">${l.within30}</td><td class="num">${l.within90}</td><td${l.lastSuccessfulCheck ? '' : ' class="bad"'}>${l.lastSuccessfulCheck ? esc(when(l.lastSuccessfulCheck)) : 'never'}</td></tr>`,
  );
  return `<div class="table-wrap"><table class="overview">
<thead><tr><th>Host</th><th>Deployment</th><th>Product</th><th>Soonest expiry</th><th class="num">Expired</th><th class="num">&le; 30 d</th><th class="num">&le; 90 d</th><th>Last successful check</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

function deploymentSection(d: ReportDeployment, axis: Axis, ticks: string, byExpiry: ByExpiry): string {
  const head = [
    `<h2>${esc(hostName(d.host))}</h2>`,
    `<span>Deployment <span class="id">${esc(d.deploymentId)}</span></span>`,
    d.productName ? `<span>${esc(d.productName)}</span>` : '',
    `<span class="muted">Last successful check: ${d.lastSuccessfulCheck ? esc(when(d.lastSuccessfulCheck)) : '<span class="bad">never</span>'}</span>`,
  ].join('');
  const rows = d.items.length === 0 ? '<p class="empty">No licensed items recorded.</p>' : [ticks, ...d.items.map((i) => itemRow(i, axis, byExpiry))].join('\n');
  return `<section class="deployment" id="dep-${esc(d.deploymentId)}" data-deployment="${esc(d.deploymentId)}" data-host="${esc(d.host)}">
<div class="deployment-head">${head}</div>
${rows}
</section>`;
}

function itemRow(i: ReportItem, axis: Axis, byExpiry: ByExpiry): string {
  const renewals = i.renewals ?? [];
  const last = renewals[renewals.length - 1];
  const note = last ? ` &middot; renewed ${esc(last.changedAt.slice(0, 10))} (was ${esc(last.from)})` : '';
  let marks = '';
  for (const r of renewals) {
    const day = r.changedAt.slice(0, 10);
    marks += `<span class="renewal" style="left:${axis.at(day)}%" title="renewed ${esc(day)}: ${esc(r.from)} to ${esc(r.to)}"></span>`;
  }
  // Band and days left follow from the date (and the page's today).
  let shared = byExpiry.get(i.expiry);
  if (shared === undefined) {
    shared = { head: `data-band="${i.band}" data-days-left="${i.daysLeft ?? ''}" data-expiry="${esc(i.expiry)}"`, bar: bar(i, axis), days: `<div class="days ${i.band}">${daysText(i.daysLeft)}</div>` };
    byExpiry.set(i.expiry, shared);
  }
  const item = esc(i.item);
  return (
    `<div class="row" data-item="${item}" ${shared.head}>` +
    `<div class="label">${esc(i.label)}<small>${item} &middot; ${esc(i.expiry)}${note}</small></div>` +
    `<div class="track">${shared.bar}${marks}</div>${shared.days}</div>`
  );
}

function bar(i: ReportItem, axis: Axis): string {
  const now = axis.pct(axis.today);
  let [from, to, beyond] = [now, 100, true];
  if (i.expiry !== 'never') {
    const at = axis.pct(i.expiry);
    // An expired item's bar runs from its expiry to today; the others' from today to their expiry.
    [from, to] = i.expiry < axis.today ? [at, now] : [now, at];
    beyond = i.expiry >= axis.end;
  }
  const title = i.expiry === 'never' ? 'never expires' : `expires ${i.expiry} (${daysText(i.daysLeft)})`;
  return `<span class="bar ${i.band}${beyond ? ' beyond' : ''}" style="left:${from.toFixed(2)}%;width:${(to - from).toFixed(2)}%" title="${esc(title)}"></span>`;
}

function axisRow(axis: Axis): string {
  const ticks: string[] = [];
  for (let m = 0, month = axis.start; month < axis.end; m += 6, month = addMonths(axis.start, m)) {
    const [y, mo] = month.split('-');
    ticks.push(`<span style="left:${axis.at(month)}%">${MONTHS[Number(mo) - 1]} ${y}</span>`);
  }
  return `<div class="axis" aria-hidden="true"><div></div><div class="ticks">${ticks.join('')}</div><div></div></div>`;
}

function daysText(days: number | null): string {
  if (days === null) return 'never';
  if (days < 0) return `expired ${-days} d ago`;
  return days === 0 ? 'today' : `${days} day${days === 1 ? '' : 's'}`;
}

function hostName(host: string): string {
  return host === 'local' ? 'This PBX' : host;
}

/** A year back and two years ahead, in whole months. */
function makeAxis(today: string): Axis {
  const month = `${today.slice(0, 7)}-01`;
  const start = addMonths(month, -12);
  const end = addMonths(month, 25);
  const first = dayNumber(start);
  const span = dayNumber(end) - first;
  // A fleet's page places 100,000 bars and marks on a few thousand distinct days: each day computed once.
  const pct = memoize((date: string) => Math.min(100, Math.max(0, ((dayNumber(date) - first) / span) * 100)));
  const at = memoize((date: string) => pct(date).toFixed(2));
  return { start, end, today, pct, at };
}

function addMonths(firstOfMonth: string, months: number): string {
  const d = new Date(`${firstOfMonth}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 86_400_000;
}

