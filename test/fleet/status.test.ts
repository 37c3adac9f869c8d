import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dateExpiry, NEVER } from '../../src/core/expiry.js';
import { makeItem } from '../../src/core/items.js';
import { buildFleetStatus } from '../../src/fleet/status.js';
import type { Outcome } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function record(store: Store, host: string, deploymentId: string | null, outcome: Outcome | null, at: string, items = [makeItem('activation', null, NEVER)]) {
  const runId = store.runs.start({ trigger: 'fleet', command: 'fleet check', host, deploymentId: null, dryRun: false, pid: 1, at });
  if (deploymentId) {
    store.expiries.record({ deploymentId, host, productName: null, source: 'pbx', items, kinds: ['activation', 'module-license'], runId, at });
  }
  if (outcome) store.runs.finish(runId, { outcome, at, deploymentId, error: outcome === 'unreachable' ? 'connection refused' : null });
}

describe('fleet status', () => {
  it('gives one row per host: deployment, soonest dated item, last check and its outcome', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    record(store, 'rome', '631', 'up-to-date', '2026-11-20T08:00:00.000Z', [
      makeItem('activation', null, NEVER),
      makeItem('module-license', 'sysadmin', dateExpiry('2027-06-14')),
      makeItem('module-license', 'areminder', dateExpiry('2026-12-01')),
    ]);
    record(store, 'rome', null, 'unreachable', '2026-11-26T08:00:00.000Z');
    record(store, 'milan', '632', null, '2026-11-26T09:00:00.000Z');
    record(store, 'old', '633', 'up-to-date', '2026-10-01T09:00:00.000Z');
    record(store, 'local', '634', 'up-to-date', '2026-10-01T09:00:00.000Z');

    const report = buildFleetStatus(store, '2026-11-26', ['rome', 'milan', 'never-seen']);

    expect(report.hosts).toEqual([
      {
        host: 'rome',
        deploymentId: '631',
        soonest: { item: 'license:areminder', label: 'areminder licence', expiry: '2026-12-01', daysLeft: 5 },
        lastCheck: '2026-11-26T08:00:00.000Z',
        outcome: 'unreachable',
        error: 'connection refused',
        inInventory: true,
      },
      { host: 'milan', deploymentId: '632', soonest: null, lastCheck: '2026-11-26T09:00:00.000Z', outcome: 'running', error: null, inInventory: true },
      { host: 'never-seen', deploymentId: null, soonest: null, lastCheck: null, outcome: 'never', error: null, inInventory: true },
      { host: 'old', deploymentId: '633', soonest: null, lastCheck: '2026-10-01T09:00:00.000Z', outcome: 'up-to-date', error: null, inInventory: false },
    ]);
  });

  it('lists the inventory hosts as never checked before anything is recorded', () => {
    expect(buildFleetStatus(null, '2026-11-26', ['a']).hosts).toEqual([
      { host: 'a', deploymentId: null, soonest: null, lastCheck: null, outcome: 'never', error: null, inInventory: true },
    ]);
  });
});
