import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dateExpiry, NEVER, type Expiry } from '../../src/core/expiry.js';
import { makeItem } from '../../src/core/items.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { RunOutcome } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function run(store: Store, deploymentId: string, at: string, outcome: RunOutcome): number {
  const id = store.runs.start({ trigger: 'fleet', command: 'fleet check', host: `h-${deploymentId}`, deploymentId, dryRun: false, pid: 1, at });
  store.runs.finish(id, { outcome, at, deploymentId });
  return id;
}

function deployment(store: Store, id: string, modules: string[]): void {
  store.expiries.record({
    deploymentId: id,
    host: `h-${id}`,
    productName: null,
    source: 'pbx',
    items: modules.map((m) => makeItem('module-license', m, dateExpiry('2027-01-01'))),
    kinds: ['module-license'],
    modules: modules.map((name) => ({ name, version: '17.0.1', statusText: 'Enabled', state: 'enabled', license: 'Commercial', commercial: true, signature: 'Sangoma' })),
    runId: null,
    at: '2026-01-01T00:00:00.000Z',
  });
}

describe('store reads for status, one query per table', () => {
  it('finds the newest run and the newest successful run of every deployment, ties broken by id', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    deployment(store, 'a', ['zulu']);
    deployment(store, 'b', ['zulu']);
    deployment(store, 'c', ['zulu']);
    run(store, 'a', '2026-11-01T02:00:00.000Z', 'up-to-date');
    const aOk = run(store, 'a', '2026-11-02T02:00:00.000Z', 'applied');
    const aLast = run(store, 'a', '2026-11-03T02:00:00.000Z', 'unreachable');
    run(store, 'b', '2026-11-03T02:00:00.000Z', 'up-to-date');
    const bTie = run(store, 'b', '2026-11-03T02:00:00.000Z', 'pending');

    const latest = store.runs.latestPerDeployment();
    const ok = store.runs.latestSuccessfulPerDeployment();
    const onlyA = store.runs.latestPerDeployment('a');

    expect(latest.map((r) => [r.deploymentId, r.id])).toEqual([
      ['a', aLast],
      ['b', bTie],
    ]);
    expect(ok.map((r) => [r.deploymentId, r.id])).toEqual([
      ['a', aOk],
      ['b', bTie],
    ]);
    expect(onlyA.map((r) => r.id)).toEqual([aLast]);
    expect(latest.map((r) => r.id)).toEqual(['a', 'b'].map((d) => store.runs.last(d)?.id));
    expect(ok.map((r) => r.id)).toEqual(['a', 'b'].map((d) => store.runs.lastSuccessful(d)?.id));
  });

  it('lists the module states of every deployment, or of one', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    deployment(store, 'b', ['zulu', 'cos']);
    deployment(store, 'a', ['sysadmin']);

    const all = store.expiries.moduleStates();
    const one = store.expiries.moduleStates('b');

    expect(all).toEqual([
      { deploymentId: 'a', name: 'sysadmin', state: 'enabled', statusText: 'Enabled', signature: 'Sangoma' },
      { deploymentId: 'b', name: 'cos', state: 'enabled', statusText: 'Enabled', signature: 'Sangoma' },
      { deploymentId: 'b', name: 'zulu', state: 'enabled', statusText: 'Enabled', signature: 'Sangoma' },
    ]);
    expect(one.map((m) => m.name)).toEqual(['cos', 'zulu']);
  });
});

describe('store reads for fleet status', () => {
  const observe = (store: Store, deploymentId: string, host: string, at: string, items: Array<[string, Expiry]>) =>
    store.expiries.record({
      deploymentId,
      host,
      productName: null,
      source: 'pbx',
      items: items.map(([key, expiry]) => makeItem('module-license', key, expiry)),
      kinds: ['module-license'],
      runId: null,
      at,
    });

  it('finds the dated item that expires first in every deployment, never "never", the first item id on a tie', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    observe(store, 'a', 'rome', '2026-11-01T00:00:00.000Z', [['zulu', dateExpiry('2027-03-01')], ['cos', NEVER], ['sysadmin', dateExpiry('2026-12-24')]]);
    observe(store, 'b', 'milan', '2026-11-01T00:00:00.000Z', [['zulu', dateExpiry('2027-01-01')], ['cos', dateExpiry('2027-01-01')]]);
    observe(store, 'c', 'turin', '2026-11-01T00:00:00.000Z', [['cos', NEVER]]);

    const soonest = store.expiries.soonestPerDeployment();

    expect([...soonest.values()].sort((x, y) => x.deploymentId.localeCompare(y.deploymentId))).toEqual([
      { deploymentId: 'a', item: 'license:sysadmin', label: 'sysadmin licence', expiry: '2026-12-24' },
      { deploymentId: 'b', item: 'license:cos', label: 'cos licence', expiry: '2027-01-01' },
    ]);
  });

  it('finds the deployment every host showed last, also after it was reinstalled as another deployment', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    observe(store, 'new', 'rome', '2026-11-20T00:00:00.000Z', []);
    observe(store, 'old', 'rome', '2026-10-01T00:00:00.000Z', []);
    observe(store, 'm', 'milan', '2026-11-01T00:00:00.000Z', []);

    const newest = store.expiries.newestPerHost();

    expect(Object.fromEntries(newest)).toEqual({ rome: 'new', milan: 'm' });
  });
});

describe('migration 5', () => {
  it('adds the index history --module uses to a store made by an older agent, keeping its data', () => {
    const path = join(tmp(), 'agent.db');
    const old = new BetterSqlite3(path);
    for (const [i, sql] of MIGRATIONS.slice(0, 4).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${i + 1}`);
    }
    old.exec(`INSERT INTO deployments VALUES ('a', 'local', NULL, '2026-01-01', '2026-01-01');
      INSERT INTO expiry_changes (deployment_id, item, kind, label, old_expiry, new_expiry, changed_at, source)
      VALUES ('a', 'license:zulu', 'module-license', 'zulu licence', NULL, '2027-01-01', '2026-01-01T00:00:00.000Z', 'pbx')`);
    old.close();

    const store = Store.open(path);
    const changes = store.expiries.changes({ moduleKey: 'zulu' });
    store.close();

    const db = new BetterSqlite3(path, { readonly: true });
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM expiry_changes WHERE item IN ('license:zulu', 'maintenance:zulu') ORDER BY changed_at DESC, id DESC LIMIT 10`)
      .all() as Array<{ detail: string }>;
    const version = db.pragma('user_version', { simple: true });
    db.close();
    expect(version).toBe(MIGRATIONS.length);
    expect(changes.map((c) => c.newExpiry)).toEqual(['2027-01-01']);
    expect(plan.map((p) => p.detail).join(' ')).toContain('changes_by_item_time');
  });
});

describe('migration 7 and the change count kept on each item (the calendar SEQUENCE and DTSTAMP)', () => {
  function observeZulu(store: Store, at: string, expiry: string | null): void {
    store.expiries.record({
      deploymentId: 'a',
      host: 'rome',
      productName: null,
      source: 'pbx',
      items: expiry === null ? [] : [makeItem('module-license', 'zulu', dateExpiry(expiry))],
      kinds: ['module-license'],
      runId: null,
      at,
    });
  }
  /** What the views counted before migration 7: every history row of the item. */
  function counted(path: string): unknown[] {
    const db = new BetterSqlite3(path, { readonly: true });
    const rows = db.prepare(`SELECT deployment_id, item, COUNT(*), MAX(changed_at) FROM expiry_changes GROUP BY deployment_id, item`).raw().all();
    db.close();
    return rows;
  }
  const revisions = (store: Store) => [...store.reports.itemsByDeployment({ until: null, revisions: true }).values()].flat().map((r) => [r.deploymentId, r.item, r.revision]);

  it('fills the count in a store made by an older agent from its whole history, an item gone and back included', () => {
    const path = join(tmp(), 'agent.db');
    const old = new BetterSqlite3(path);
    for (const [i, sql] of MIGRATIONS.slice(0, 6).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${i + 1}`);
    }
    old.exec(`INSERT INTO deployments VALUES ('a', 'rome', NULL, '2026-01-01', '2026-01-01');
      INSERT INTO items (deployment_id, item, kind, module_key, label, expiry, source, first_seen, confirmed_at)
      VALUES ('a', 'license:zulu', 'module-license', 'zulu', 'zulu licence', '2028-01-01', 'pbx', '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'),
             ('a', 'license:cos', 'module-license', 'cos', 'cos licence', '2027-06-01', 'pbx', '2026-01-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z');
      INSERT INTO expiry_changes (deployment_id, item, kind, label, old_expiry, new_expiry, changed_at, source) VALUES
        ('a', 'license:zulu', 'module-license', 'zulu licence', NULL, '2026-06-01', '2026-01-01T00:00:00.000Z', 'pbx'),
        ('a', 'license:zulu', 'module-license', 'zulu licence', '2026-06-01', NULL, '2026-02-01T00:00:00.000Z', 'pbx'),
        ('a', 'license:zulu', 'module-license', 'zulu licence', NULL, '2028-01-01', '2026-03-01T00:00:00.000Z', 'pbx'),
        ('a', 'license:cos', 'module-license', 'cos licence', NULL, '2027-06-01', '2026-01-01T00:00:00.000Z', 'pbx')`);
    old.close();

    const store = Store.open(path);
    const after = revisions(store);
    store.close();

    expect(after).toEqual([
      ['a', 'license:cos', { changes: 1, lastChangedAt: '2026-01-01T00:00:00.000Z' }],
      ['a', 'license:zulu', { changes: 3, lastChangedAt: '2026-03-01T00:00:00.000Z' }],
    ]);
  });

  it('record keeps it equal to the history count: a new date adds one, an unchanged one none, an item back after it was gone continues', () => {
    const path = join(tmp(), 'agent.db');
    const store = Store.open(path);
    observeZulu(store, '2026-01-01T00:00:00.000Z', '2026-06-01');
    observeZulu(store, '2026-01-02T00:00:00.000Z', '2026-06-01');
    expect(revisions(store)).toEqual([['a', 'license:zulu', { changes: 1, lastChangedAt: '2026-01-01T00:00:00.000Z' }]]);
    observeZulu(store, '2026-02-01T00:00:00.000Z', '2027-06-01');
    observeZulu(store, '2026-03-01T00:00:00.000Z', null);
    expect(revisions(store)).toEqual([]);
    observeZulu(store, '2026-04-01T00:00:00.000Z', '2027-06-01');
    observeZulu(store, '2026-04-02T00:00:00.000Z', '2027-06-01');

    expect(revisions(store)).toEqual([['a', 'license:zulu', { changes: 4, lastChangedAt: '2026-04-01T00:00:00.000Z' }]]);
    store.close();
    expect(counted(path)).toEqual([['a', 'license:zulu', 4, '2026-04-01T00:00:00.000Z']]);
  });
});

describe('the views reads (itemsByDeployment, renewalsSince), which SQLite hands over as JSON text', () => {
  function observe(store: Store, at: string, items: ReturnType<typeof makeItem>[], deploymentId = 'a'): void {
    store.expiries.record({ deploymentId, host: 'rome', productName: null, source: 'pbx', items, kinds: ['module-license'], runId: null, at });
  }

  it('carries any text through unchanged: quotes, backslashes, control characters, non-ASCII, astral characters', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const label = 'Zulu "UC", back\\slash\n\ttab \u0001\u001f ctl – ü 日本 😀 </script> \u2028';
    const key = 'zülu"\\😀';
    observe(store, '2026-01-01T00:00:00.000Z', [makeItem('module-license', key, dateExpiry('2027-01-01'), label), makeItem('module-license', 'endpoint', NEVER)]);

    const rows = [...store.reports.itemsByDeployment({ until: null, includeNever: true, revisions: true }).values()].flat();
    expect(rows).toEqual([
      { deploymentId: 'a', item: `license:${key}`, kind: 'module-license', moduleKey: key, label, expiry: '2027-01-01', revision: { changes: 1, lastChangedAt: '2026-01-01T00:00:00.000Z' } },
      { deploymentId: 'a', item: 'license:endpoint', kind: 'module-license', moduleKey: 'endpoint', label: 'endpoint licence', expiry: 'never', revision: { changes: 1, lastChangedAt: '2026-01-01T00:00:00.000Z' } },
    ]);
    store.close();
  });

  it('gives each item its renewals oldest first, two recorded at the same instant in the order recorded; dates moved earlier are not renewals', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const zulu = (expiry: Expiry) => [makeItem('module-license', 'zulu', expiry)];
    observe(store, '2026-01-01T00:00:00.000Z', zulu(dateExpiry('2026-06-01')));
    observe(store, '2026-03-01T00:00:00.000Z', zulu(dateExpiry('2027-06-01')));
    observe(store, '2026-03-01T00:00:00.000Z', zulu(dateExpiry('2028-06-01')));
    observe(store, '2026-04-01T00:00:00.000Z', zulu(dateExpiry('2027-01-01')));
    observe(store, '2026-05-01T00:00:00.000Z', zulu(NEVER));
    observe(store, '2026-02-01T00:00:00.000Z', zulu(dateExpiry('2029-01-01')), 'b');

    expect(store.reports.renewalsSince('2026-01-01T00:00:00.000Z')).toEqual(
      new Map([
        [
          'a',
          new Map([
            [
              'license:zulu',
              [
                { changedAt: '2026-03-01T00:00:00.000Z', from: '2026-06-01', to: '2027-06-01' },
                { changedAt: '2026-03-01T00:00:00.000Z', from: '2027-06-01', to: '2028-06-01' },
                { changedAt: '2026-05-01T00:00:00.000Z', from: '2027-01-01', to: 'never' },
              ],
            ],
          ]),
        ],
      ]),
    );
    expect(store.reports.renewalsSince('2026-04-01T00:00:00.000Z', 'a').get('a')?.get('license:zulu')).toEqual([{ changedAt: '2026-05-01T00:00:00.000Z', from: '2027-01-01', to: 'never' }]);
    expect(store.reports.renewalsSince('2026-06-01T00:00:00.000Z')).toEqual(new Map());
    store.close();
  });
});
