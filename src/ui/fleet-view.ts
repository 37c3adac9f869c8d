import { formatDuration } from '../core/duration.js';
import type { FleetReport, HostResult } from '../fleet/run-fleet.js';
import type { FleetStatusReport, FleetStatusRow } from '../fleet/status.js';
import type { Outcome } from '../store/runs.js';
import { daysCell, when } from './status-view.js';
import { renderTable, type Cell } from './table.js';

const OUTCOME_COLOUR: Record<string, string | undefined> = { 'up-to-date': undefined, applied: '32', pending: '33', failed: '31;1', unreachable: '31', never: '33', running: '33', interrupted: '33' };
const SUMMARY_WORDS: Record<Outcome, string> = { 'up-to-date': 'up to date', applied: 'applied', pending: 'pending', failed: 'failed', unreachable: 'unreachable' };

export function renderFleetReport(report: FleetReport, colour: boolean): string {
  const table = renderTable(
    [{ header: 'HOST' }, { header: 'OUTCOME' }, { header: 'DEPLOYMENT' }, { header: 'TIME', align: 'right' }],
    report.hosts.map((r) => [r.host, outcomeCell(r.outcome), r.deploymentId ?? '-', r.startedAt === null ? '-' : formatDuration(r.durationMs)]),
    colour,
  );
  const problems = report.hosts.filter((r) => r.error !== null);
  return [table, ...(problems.length > 0 ? ['', 'Problems:', ...problems.flatMap(problemLines)] : []), '', fleetSummary(report)].join('\n');
}

/** `5 hosts in 3s: 2 up to date, 1 applied, 0 pending, 1 failed, 1 unreachable` */
function fleetSummary(report: FleetReport): string {
  const n = report.hosts.length;
  const parts = (Object.keys(SUMMARY_WORDS) as Outcome[]).map((o) => `${report.counts[o]} ${SUMMARY_WORDS[o]}`);
  return `${n} host${n === 1 ? '' : 's'} in ${formatDuration(report.durationMs)}: ${parts.join(', ')}`;
}

/** One line per finished host, for a terminal watching a long run. */
export function progressLine(result: HostResult, done: number, total: number): string {
  return `[${done}/${total}] ${result.host}: ${result.outcome}${result.error ? ` - ${result.error.message}` : ''}`;
}

export function renderFleetStatus(report: FleetStatusReport, colour: boolean): string {
  if (report.hosts.length === 0) return 'No fleet host recorded yet and none in the inventory. Run `pbx-activation-agent fleet check`.';
  return renderTable(
    [
      { header: 'HOST' },
      { header: 'DEPLOYMENT' },
      { header: 'SOONEST EXPIRY' },
      { header: 'ITEM' },
      { header: 'DAYS LEFT', align: 'right' },
      { header: 'LAST CHECK' },
      { header: 'OUTCOME' },
    ],
    report.hosts.map((r) => [
      r.inInventory ? r.host : `${r.host} (not in inventory)`,
      r.deploymentId ?? '-',
      r.soonest?.expiry ?? '-',
      r.soonest?.label ?? '-',
      r.soonest ? daysCell(r.soonest.daysLeft) : { text: '-' },
      r.lastCheck ? when(r.lastCheck) : 'never',
      outcomeCell(r.outcome),
    ]),
    colour,
  );
}

function outcomeCell(outcome: FleetStatusRow['outcome']): Cell {
  return { text: outcome, colour: OUTCOME_COLOUR[outcome] };
}

function problemLines(r: HostResult): string[] {
  return [`  ${r.host}: ${r.error!.message}`, `    What to do: ${r.error!.hint}`];
}
