import type { CycleResult } from '../app/cycle.js';
import { renderTable } from './table.js';

const SOURCE_LABEL: Record<CycleResult['source'], string> = {
  portal: 'the portal',
  activation: 'Update Activation (the activation probe)',
  off: 'off (renewals only by `renew`)',
};

/** What a person reads after `check`: outcome, problem and fix, what changed, what is planned. */
export function renderCycle(result: CycleResult, colour: boolean): string {
  const lines: string[] = [];
  const outcome = colour ? `\x1b[1m${result.outcome}\x1b[0m` : result.outcome;
  lines.push(`Outcome: ${outcome}${result.deploymentId ? ` (deployment ${result.deploymentId}, run ${result.runId})` : ` (run ${result.runId})`}`);
  lines.push(`Renewals from: ${SOURCE_LABEL[result.source]}`);
  if (result.error) lines.push(`Problem: ${result.error.message}`, `What to do: ${result.error.hint}`);
  if (result.interruptedRuns.length > 0) lines.push(`Earlier run(s) ${result.interruptedRuns.join(', ')} never finished and were marked interrupted.`);
  for (const w of result.warnings) lines.push(`Warning: ${w}`);
  for (const n of result.notes) lines.push(`Note: ${n}`);
  if (result.planned.length > 0) {
    lines.push('', result.planned.some((p) => p.portal !== null) ? 'Renewals on the portal:' : 'Renewal bought:');
    const verified = new Set(result.verified.map((v) => v.item));
    const now = new Map(result.after.map((i) => [i.item, i.expiry]));
    lines.push(
      renderTable(
        [{ header: 'ITEM' }, { header: 'PBX' }, { header: 'NEW' }, { header: 'STATE' }],
        result.planned.map((p) => [
          p.label,
          p.pbx ?? '(missing)',
          p.portal ?? (verified.has(p.item) ? (now.get(p.item) ?? '-') : 'a later date (bought)'),
          verified.has(p.item) ? 'applied and verified' : result.outcome === 'pending' ? 'pending' : 'not applied',
        ]),
        colour,
      ),
    );
  }
  if (result.changes.length > 0) {
    lines.push('', 'Recorded changes:');
    for (const c of result.changes) {
      if (c.oldExpiry === null) lines.push(`  new      ${c.label}: ${c.newExpiry}`);
      else if (c.newExpiry === null) lines.push(`  gone     ${c.label}: was ${c.oldExpiry}`);
      else lines.push(`  changed  ${c.label}: ${c.oldExpiry} -> ${c.newExpiry}`);
    }
  } else if (!result.error) {
    lines.push('No expiry changed since the last check.');
  }
  return lines.join('\n');
}
