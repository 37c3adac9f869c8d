import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStatus } from '../../src/app/status.js';
import { dateExpiry, NEVER, type Expiry } from '../../src/core/expiry.js';
import { makeItem, type ItemKind } from '../../src/core/items.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function record(store: Store, deploymentId: string, items: Array<[ItemKind, string | null, Expiry]>, modules: Array<[string, 'enabled' | 'disabled']>): void {
  const runId = store.runs.start({ trigger: 'manual', command: 'check', host: 'local', deploymentId: null, dryRun: false, pid: 1, at: '2026-11-20T02:00:00.000Z' });
  store.expiries.record({
    deploymentId,
    host: 'local',
    productName: 'PBXact',
    source: 'pbx',
    items: items.map(([kind, key, expiry]) => makeItem(kind, key, expiry)),
    kinds: ['activation', 'support-contract', 'module-license'],
    modules: modules.map(([name, state]) => ({ name, version: '1', statusText: state, state, license: 'Commercial', commercial: true, signature: 'Sangoma' })),
    runId,
    at: '2026-11-20T02:00:00.000Z',
  });
  store.runs.finish(runId, { outcome: 'pending', at: '2026-11-20T02:01:00.000Z', deploymentId, details: { pending: [{ item: 'license:zulu', pbx: '2026-12-01', portal: '2027-12-01' }] } });
}

describe('buildStatus', () => {
  it('shows every deployment with its items soonest first (never last, ties by id), module states, last runs and pending renewals', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    record(
      store,
      'b',
      [
        ['module-license', 'zulu', dateExpiry('2026-12-01')],
        ['module-license', 'endpoint', NEVER],
        ['module-license', 'cdrpro', dateExpiry('2026-12-01')],
        ['activation', null, dateExpiry('2030-09-04')],
      ],
      [
        ['zulu', 'enabled'],
        ['cdrreports', 'disabled'],
      ],
    );
    record(store, 'a', [['module-license', 'cos', dateExpiry('2026-11-25')]], []);
    store.setMeta('next_check_at', '2026-11-27T03:00:00.000Z');

    const report = buildStatus(store, '2026-11-26', new Map([['cdrpro', 'cdrreports']]));

    expect(report.deployments.map((d) => d.deploymentId)).toEqual(['a', 'b']);
    const b = report.deployments[1]!;
    expect(b.items.map((i) => [i.item, i.daysLeft, i.enabled])).toEqual([
      ['license:cdrpro', 5, 'disabled'],
      ['license:zulu', 5, 'enabled'],
      ['activation', 1378, null],
      ['license:endpoint', null, 'not-installed'],
    ]);
    expect(b.lastRun).toMatchObject({ outcome: 'pending', command: 'check' });
    expect(b.lastSuccessfulCheck).toBe('2026-11-20T02:01:00.000Z');
    expect(b.nextCheck).toBe('2026-11-27T03:00:00.000Z');
    expect(b.pendingRenewals).toEqual([{ item: 'license:zulu', pbx: '2026-12-01', portal: '2027-12-01' }]);
    expect(report.deployments[0]!.items.map((i) => [i.item, i.daysLeft, i.enabled])).toEqual([['license:cos', -1, null]]);
  });

  it('carries the status text and signature behind each module state (broken, needs-upgrade, unknown, unsigned)', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const runId = store.runs.start({ trigger: 'manual', command: 'check', host: 'local', deploymentId: null, dryRun: false, pid: 1, at: '2026-11-20T02:00:00.000Z' });
    const module = (name: string, state: 'broken' | 'needs-upgrade' | 'unknown', statusText: string, signature: string) => ({ name, version: '1', statusText, state, license: 'GPLv3+', commercial: false, signature });
    store.expiries.record({
      deploymentId: 'a',
      host: 'local',
      productName: null,
      source: 'pbx',
      items: ['zulu', 'cos', 'sysadmin'].map((k) => makeItem('module-license', k, dateExpiry('2027-01-01'))),
      kinds: ['module-license'],
      modules: [module('zulu', 'broken', 'Kaputt', 'Sangoma'), module('cos', 'needs-upgrade', 'Disabled; Pending upgrade to 17.0.2', 'Unsigned'), module('sysadmin', 'unknown', 'Включено', '')],
      runId,
      at: '2026-11-20T02:00:00.000Z',
    });

    const items = buildStatus(store, '2026-11-26', new Map()).deployments[0]!.items;

    expect(items.map((i) => [i.module, i.enabled, i.statusText, i.signature])).toEqual([
      ['cos', 'needs-upgrade', 'Disabled; Pending upgrade to 17.0.2', 'Unsigned'],
      ['sysadmin', 'unknown', 'Включено', ''],
      ['zulu', 'broken', 'Kaputt', 'Sangoma'],
    ]);
  });

  it('with a deployment id shows that one alone, exactly as in the full report', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    record(store, 'a', [['module-license', 'cos', dateExpiry('2026-11-25')]], [['cos', 'enabled']]);
    record(store, 'b', [['module-license', 'zulu', dateExpiry('2026-12-01')]], [['zulu', 'enabled']]);

    const one = buildStatus(store, '2026-11-26', new Map(), 'b');
    const all = buildStatus(store, '2026-11-26', new Map());

    expect(one.deployments).toEqual([all.deployments[1]]);
  });
});
