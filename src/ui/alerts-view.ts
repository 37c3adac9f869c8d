import { safeLine, TEXT_LIMITS } from '../core/safe-text.js';
import type { AlertReport } from '../alerts/report.js';
import type { ChannelTestResult } from '../alerts/service.js';
import { renderTable, type Cell } from './table.js';
import { when } from './status-view.js';

const STATUS_COLOUR: Record<string, string | undefined> = { delivered: '32', failed: '31', pending: '33', superseded: '90' };

export function renderAlertReport(report: AlertReport, colour: boolean): string {
  const lines: string[] = [];
  if (report.channels.length === 0) lines.push('No alert channel configured (alerts.channels): alerts are not recorded or sent.');
  else {
    lines.push('Channels:');
    for (const c of report.channels) {
      const state =
        c.failures > 0
          ? `failing (${c.failures} in a row), next try ${c.retryAt ? when(c.retryAt) : 'now'}: ${c.lastError ?? ''}`
          : c.lastOkAt
            ? `ok, last delivery ${when(c.lastOkAt)}`
            : 'nothing sent yet';
      lines.push(`  ${safeLine(`${c.channel} (${c.type}${c.configured ? '' : ', no longer configured'}): ${state}`, TEXT_LIMITS.message + 200)}`);
    }
  }
  lines.push('');
  if (report.alerts.length === 0) {
    lines.push('No alerts recorded.');
    return lines.join('\n');
  }
  const rows = report.alerts.map((a): Array<string | Cell> => [String(a.id), when(a.createdAt), { text: a.status, colour: STATUS_COLOUR[a.status] }, a.severity, a.title]);
  lines.push(renderTable([{ header: 'ID', align: 'right' }, { header: 'CREATED' }, { header: 'STATUS' }, { header: 'SEVERITY' }, { header: 'SUBJECT' }], rows, colour));
  const problems = report.alerts.filter((a) => a.status === 'failed' || a.deliveries.some((d) => d.status === 'failed' || (d.status === 'pending' && d.lastError)));
  if (problems.length > 0) {
    lines.push('', 'Delivery problems:');
    for (const a of problems) {
      for (const d of a.deliveries.filter((x) => x.lastError !== null && x.status !== 'delivered')) {
        lines.push(`  #${a.id} ${d.channel}: ${d.status}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}, last error: ${safeLine(d.lastError ?? '', TEXT_LIMITS.message)}`);
      }
    }
  }
  return lines.join('\n');
}

export function renderTestResults(results: readonly ChannelTestResult[], colour: boolean): string {
  if (results.length === 0) return 'No alert channel configured (alerts.channels): nothing to test.';
  return results
    .map((r) => {
      const verdict = r.ok ? 'ok    ' : 'FAILED';
      const painted = colour ? `\x1b[${r.ok ? '32' : '31;1'}m${verdict}\x1b[0m` : verdict;
      const error = r.error?.startsWith(`${r.description}: `) ? r.error.slice(r.description.length + 2) : r.error;
      return `${painted} ${r.channel}: ${r.description} (${Math.round(r.durationMs)} ms)${r.ok ? '' : `: ${error}`}`;
    })
    .join('\n');
}
