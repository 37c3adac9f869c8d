import type { HistoryEvent } from '../app/history.js';
import { when } from './status-view.js';
import { renderTable } from './table.js';

export function renderHistory(events: readonly HistoryEvent[], colour: boolean): string {
  if (events.length === 0) return 'No history recorded (for this filter).';
  return renderTable(
    [{ header: 'WHEN' }, { header: 'DEPLOYMENT' }, { header: 'EVENT' }],
    events.map((e) => [when(e.type === 'change' ? e.changedAt : e.startedAt), (e.type === 'change' ? e.deploymentId : e.deploymentId) ?? '-', describe(e)]),
    colour,
  );
}

function describe(e: HistoryEvent): string {
  if (e.type === 'change') {
    const what = e.oldExpiry === null ? `first seen: ${e.newExpiry}` : e.newExpiry === null ? `no longer listed (was ${e.oldExpiry})` : `${e.oldExpiry} -> ${e.newExpiry}`;
    return `${e.label}: ${what} (seen by ${e.source}${e.runId !== null ? `, run ${e.runId}` : ''})`;
  }
  const outcome = e.outcome ?? (e.endedAt ? 'unknown' : 'running or died');
  return `run ${e.id}: ${e.command} (${e.trigger}) -> ${outcome}${e.error ? `: ${e.error}` : ''}`;
}
