import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../src/app/history.js';
import { dateExpiry } from '../../src/core/expiry.js';
import { makeItem } from '../../src/core/items.js';
import { Store } from '../../src/store/store.js';
import { renderHistory } from '../../src/ui/history-view.js';
import { renderTable } from '../../src/ui/table.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/** Day d: a run, and on even days a renewal of zulu recorded by it. */
function days(store: Store, count: number): void {
  for (let d = 1; d <= count; d++) {
    const at = `2026-01-${String(d).padStart(2, '0')}T02:00:00.000Z`;
    const runId = store.runs.start({ trigger: 'schedule', command: 'run', host: 'local', deploymentId: 'a', dryRun: false, pid: 1, at });
    if (d % 2 === 0) {
      store.expiries.record({
        deploymentId: 'a',
        host: 'local',
        productName: null,
        source: 'pbx',
        items: [makeItem('module-license', 'zulu', dateExpiry(`2027-01-${String(d).padStart(2, '0')}`))],
        kinds: ['module-license'],
        runId,
        at,
      });
    }
    store.runs.finish(runId, { outcome: 'up-to-date', at, deploymentId: 'a' });
  }
}

describe('readHistory', () => {
  it('gives the newest events of changes and runs together, a change before the run that made it, and says more are left', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    days(store, 10);

    const history = readHistory(store, { limit: 3 });

    expect(history.truncated).toBe(true);
    expect(history.limit).toBe(3);
    expect(history.changes.map((c) => c.changedAt.slice(0, 10))).toEqual(['2026-01-10']);
    expect(history.runs.map((r) => r.startedAt.slice(0, 10))).toEqual(['2026-01-10', '2026-01-09']);
  });

  it.each([
    ['no limit', null, 15, false],
    ['a limit above the count', 20, 15, false],
    ['a limit of exactly the count', 15, 15, false],
    ['a limit below it', 14, 14, true],
  ])('with %s returns every matching event it may and says whether any was left out', (_what, limit, count, truncated) => {
    const store = Store.open(join(tmp(), 'agent.db'));
    days(store, 10);

    const history = readHistory(store, { limit });

    expect(history.changes.length + history.runs.length).toBe(count);
    expect(history.truncated).toBe(truncated);
  });

  it('limits module history to that module, without runs', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    days(store, 10);

    const history = readHistory(store, { moduleKey: 'zulu', limit: 2, since: '2026-01-05' });

    expect(history.changes.map((c) => [c.item, c.newExpiry])).toEqual([
      ['license:zulu', '2027-01-10'],
      ['license:zulu', '2027-01-08'],
    ]);
    expect(history.runs).toEqual([]);
    expect(history.truncated).toBe(true);
  });
});

describe('renderHistory', () => {
  it('says when older events were left out, and how to see them', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    days(store, 10);

    const cut = renderHistory(readHistory(store, { limit: 4 }), false);
    const whole = renderHistory(readHistory(store, { limit: null }), false);

    expect(cut.split('\n')).toHaveLength(1 + 4 + 2);
    expect(cut).toMatch(/Showing the newest 4 events; older ones match too \(--limit N for more, --all for every one\)\.$/);
    expect(whole).not.toContain('Showing the newest');
  });
});

describe('renderTable', () => {
  it('lays out a table of 200,000 rows (a long history with --all)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i), 'x']);

    const text = renderTable([{ header: 'N', align: 'right' }, { header: 'X' }], rows, false);

    expect(text.split('\n')[1]).toBe('     0  x');
  });
});
