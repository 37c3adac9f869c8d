import { timeline, type History, type HistoryEvent } from '../app/history.js';
import { FUTURE_NOTE } from '../core/future-time.js';
import { when } from './status-view.js';
import { renderTable } from './table.js';

/** `futureAfter`: events stamped later were recorded while the clock ran ahead, and say so. */
export function renderHistory(history: History & { readonly futureAfter?: string }, colour: boolean): string {
  const events = timeline(history);
  if (events.length === 0) return 'No history recorded (for this filter).';
  const future = (at: string) => history.futureAfter !== undefined && at > history.futureAfter;
  const table = renderTable(
    [{ header: 'WHEN' }, { header: 'DEPLOYMENT' }, { header: 'EVENT' }],
    events.map((e) => {
      const at = e.type === 'change' ? e.changedAt : e.startedAt;
      return [when(at), e.deploymentId ?? '-', `${describe(e)}${future(at) ? ` (${FUTURE_NOTE})` : ''}`];
    }),
    colour,
  );
  if (!history.truncated) return table;
  return `${table}\n\nShowing the newest ${history.limit} events; older ones match too (--limit N for more, --all for every one).`;
}

function describe(e: HistoryEvent): string {
  if (e.type === 'change') {
    const what = e.oldExpiry === null ? `first seen: ${e.newExpiry}` : e.newExpiry === null ? `no longer listed (was ${e.oldExpiry})` : `${e.oldExpiry} -> ${e.newExpiry}`;
    return `${e.label}: ${what} (seen by ${e.source}${e.runId !== null ? `, run ${e.runId}` : ''})`;
  }
  const outcome = e.outcome ?? (e.endedAt ? 'unknown' : 'running or died');
  return `run ${e.id}: ${e.command} (${e.trigger}) -> ${outcome}${e.error ? `: ${e.error}` : ''}`;
}
