import type { TimelineReport } from '../app/timeline-report.js';
import { daysCell, when } from './status-view.js';
import { renderTable } from './table.js';
import { timelinePageParts } from './timeline-page.js';
import { jsonView, type Format, type Rendered, type View, type Views } from './views.js';

/** `report`: the summary figures and one line per deployment (text), the whole value (JSON), or the timeline page (HTML). */
export const REPORT_VIEWS: Views<TimelineReport, Rendered> = new Map<Format, View<TimelineReport, Rendered>>([
  ['text', (report, ctx) => renderReportText(report, ctx.colour)],
  ['json', jsonView],
  ['html', timelinePageParts],
]);

export function renderReportText(report: TimelineReport, colour: boolean): string {
  if (report.deployments.length === 0) return 'Nothing recorded yet. Run `pbx-activation-agent check --dry-run` to read the PBX.';
  const s = report.summary;
  const table = renderTable(
    [
      { header: 'HOST' },
      { header: 'DEPLOYMENT' },
      { header: 'SOONEST' },
      { header: 'DAYS LEFT', align: 'right' },
      { header: 'EXPIRED', align: 'right' },
      { header: '<=30D', align: 'right' },
      { header: '<=90D', align: 'right' },
      { header: 'LAST SUCCESSFUL CHECK' },
    ],
    report.overview.map((l) => [
      l.host,
      l.deploymentId,
      l.soonest ? `${l.soonest.expiry} ${l.soonest.label}` : '-',
      l.soonest ? daysCell(l.soonest.daysLeft) : { text: '-' },
      { text: String(l.expired), colour: l.expired > 0 ? '31;1' : undefined },
      String(l.within30),
      String(l.within90),
      l.lastSuccessfulCheck ? when(l.lastSuccessfulCheck) : { text: 'never', colour: '31' },
    ]),
    colour,
  );
  return [
    `${s.items} items on ${s.deployments} deployment${s.deployments === 1 ? '' : 's'} (days counted from ${report.today}): ${s.expired} expired, ${s.within30} within 30 days, ${s.within90} within 90 days.`,
    '',
    table,
    '',
    'The timeline page: `pbx-activation-agent report --html FILE`; the list to renew: `pbx-activation-agent due`.',
  ].join('\n');
}
