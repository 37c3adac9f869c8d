import type { CycleResult } from '../app/cycle.js';
import { renderCycle } from './cycle-view.js';
import { renderTable, type Cell } from './table.js';

/** The before/after table `renew` ends with, under the cycle's own summary. */
export function renderRenew(result: CycleResult, colour: boolean): string {
  const before = new Map(result.before.map((i) => [i.item, i]));
  const after = new Map(result.after.map((i) => [i.item, i]));
  const items = [...new Set([...before.keys(), ...after.keys()])].sort();
  const rows = items.map((item): Array<string | Cell> => {
    const b = before.get(item);
    const a = after.get(item);
    const label = (a ?? b)!.label;
    const changed = b?.expiry !== a?.expiry;
    return [label, b?.expiry ?? '-', a?.expiry ?? '-', changed ? { text: 'renewed', colour: '32;1' } : ''];
  });
  const table = renderTable([{ header: 'ITEM' }, { header: 'BEFORE' }, { header: 'AFTER' }, { header: '' }], rows, colour);
  return `${renderCycle(result, colour)}\n\nBefore and after:\n${table}`;
}
