import { itemId } from '../core/items.js';
import type { CycleResult } from '../app/cycle.js';
import { renderCycle } from './cycle-view.js';
import { renderTable, type Cell } from './table.js';

/** The before/after table `renew` ends with, under the cycle's own summary. */
export function renderRenew(result: CycleResult, colour: boolean): string {
  const before = new Map(result.before.map((i) => [i.item, i]));
  const after = new Map(result.after.map((i) => [i.item, i]));
  const items = [...new Set([...before.keys(), ...after.keys()])].sort();
  const bought = result.module === null ? null : itemId('module-license', result.module);
  const rows = items.map((item): Array<string | Cell> => {
    const b = before.get(item);
    const a = after.get(item);
    const label = (a ?? b)!.label;
    const changed = b?.expiry !== a?.expiry;
    // The module the operator said was bought (--module) stands out either way.
    if (bought === item) return [label, b?.expiry ?? '-', a?.expiry ?? '-', changed ? { text: 'renewed (bought)', colour: '32;1' } : { text: 'NOT renewed yet (bought)', colour: '31;1' }];
    return [label, b?.expiry ?? '-', a?.expiry ?? '-', changed ? { text: 'renewed', colour: '32;1' } : ''];
  });
  const table = renderTable([{ header: 'ITEM' }, { header: 'BEFORE' }, { header: 'AFTER' }, { header: '' }], rows, colour);
  return `${renderCycle(result, colour)}\n\nBefore and after:\n${table}`;
}
