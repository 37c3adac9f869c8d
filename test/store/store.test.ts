import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dateExpiry, NEVER } from '../../src/core/expiry.js';
import { makeItem, type LicensedItem } from '../../src/core/items.js';
import { StoreError } from '../../src/errors.js';
import { storeFailure } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { unprivileged } from '../helpers/cli.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const PBX_KINDS = ['activation', 'support-contract', 'module-license'] as const;

function observe(store: Store, items: LicensedItem[], at: string, runId: number | null = null) {
  return store.expiries.record({ deploymentId: '631', host: 'local', productName: 'PBXact', source: 'pbx', items, kinds: [...PBX_KINDS], runId, at });
}

describe('Store', () => {
  it('creates the file with WAL, foreign keys and every migration applied', () => {
    const path = join(tmp(), 'sub', 'agent.db');
    const store = Store.open(path);

    expect(store.integrityCheck()).toEqual(['ok']);
    store.close();
    const version = execFileSync(process.execPath, ['-e', `const D=require('better-sqlite3');const d=new D(${JSON.stringify(path)});console.log(d.pragma('user_version',{simple:true}), d.pragma('journal_mode',{simple:true}))`], { cwd: process.cwd() });
    expect(version.toString().trim()).toBe(`${MIGRATIONS.length} wal`);
  });

  it('records first sightings, then nothing while nothing changes, then exactly the changes', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const first = [
      makeItem('activation', null, dateExpiry('2030-09-04')),
      makeItem('module-license', 'areminder', dateExpiry('2026-12-01')),
      makeItem('module-license', 'endpoint', NEVER),
    ];

    const seen = observe(store, first, '2026-11-26T10:00:00.000Z');
    const again = observe(store, first, '2026-11-27T10:00:00.000Z');
    const renewed = observe(
      store,
      [first[0]!, makeItem('module-license', 'areminder', dateExpiry('2027-12-01'))],
      '2026-11-28T10:00:00.000Z',
    );

    expect(seen.map((c) => [c.item, c.oldExpiry, c.newExpiry])).toEqual([
      ['activation', null, '2030-09-04'],
      ['license:areminder', null, '2026-12-01'],
      ['license:endpoint', null, 'never'],
    ]);
    expect(again).toEqual([]);
    expect(renewed.map((c) => [c.item, c.oldExpiry, c.newExpiry])).toEqual([
      ['license:areminder', '2026-12-01', '2027-12-01'],
      ['license:endpoint', 'never', null],
    ]);
    expect(store.expiries.items('631').map((i) => [i.item, i.expiry, i.confirmedAt])).toEqual([
      ['activation', '2030-09-04', '2026-11-28T10:00:00.000Z'],
      ['license:areminder', '2027-12-01', '2026-11-28T10:00:00.000Z'],
    ]);
    expect(store.expiries.changes({ moduleKey: 'areminder' }).map((c) => c.newExpiry)).toEqual(['2027-12-01', '2026-12-01']);
  });

  it('stores never as the text "never" and refuses anything that is not a date', () => {
    const path = join(tmp(), 'agent.db');
    const store = Store.open(path);
    observe(store, [makeItem('module-license', 'endpoint', NEVER)], '2026-11-26T10:00:00.000Z');
    store.close();

    const raw = execFileSync(process.execPath, [
      '-e',
      `const D=require('better-sqlite3');const d=new D(${JSON.stringify(path)});
       console.log(d.prepare("select expiry from items").get().expiry);
       try { d.prepare("update items set expiry = '0'").run(); console.log('accepted'); } catch (e) { console.log('refused'); }`,
    ]);
    expect(raw.toString().split('\n').slice(0, 2)).toEqual(['never', 'refused']);
  });

  it('leaves items of kinds the source does not own alone', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.expiries.record({
      deploymentId: '631',
      host: 'local',
      productName: null,
      source: 'portal',
      items: [makeItem('module-maintenance', 'areminder', dateExpiry('2027-01-01'))],
      kinds: ['module-maintenance'],
      runId: null,
      at: '2026-11-26T10:00:00.000Z',
    });

    const changes = observe(store, [makeItem('activation', null, NEVER)], '2026-11-26T11:00:00.000Z');

    expect(changes.map((c) => c.item)).toEqual(['activation']);
    expect(store.expiries.items('631').map((i) => i.item)).toEqual(['activation', 'maintenance:areminder']);
  });

  it('rolls the whole observation back when one write fails', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    observe(store, [makeItem('activation', null, NEVER)], '2026-11-26T10:00:00.000Z');
    const bad = { ...makeItem('module-license', 'zulu', NEVER), kind: 'bogus' } as unknown as LicensedItem;

    expect(() => observe(store, [makeItem('activation', null, dateExpiry('2031-01-01')), bad], '2026-11-27T10:00:00.000Z')).toThrow();

    expect(store.expiries.items('631').map((i) => i.expiry)).toEqual(['never']);
    expect(store.expiries.changes()).toHaveLength(1);
  });

  it('keeps runs with trigger, times, outcome and error', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const id = store.runs.start({ trigger: 'manual', command: 'check', host: 'local', deploymentId: null, dryRun: true, pid: 42, at: '2026-11-26T10:00:00.000Z' });

    expect(store.runs.unfinished().map((r) => r.id)).toEqual([id]);
    store.runs.finish(id, { outcome: 'unreachable', at: '2026-11-26T10:00:05.000Z', error: 'portal down', deploymentId: '631' });

    expect(store.runs.get(id)).toMatchObject({ trigger: 'manual', dryRun: true, outcome: 'unreachable', error: 'portal down', deploymentId: '631', endedAt: '2026-11-26T10:00:05.000Z' });
    expect(store.runs.lastSuccessful()).toBeNull();
    expect(store.runs.unfinished()).toEqual([]);
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const path = join(tmp(), 'agent.db');
    writeFileSync(path, 'this is not a database, but somebody cares about it');

    expect(() => Store.open(path)).toThrow(StoreError);
    expect(() => Store.open(path)).toThrow(/not a SQLite database.*\n?|corrupted/);
    expect(readFileSync(path, 'utf8')).toBe('this is not a database, but somebody cares about it');
  });

  it('reports a corrupted database without overwriting it', () => {
    const path = join(tmp(), 'agent.db');
    const store = Store.open(path);
    observe(store, [makeItem('activation', null, NEVER)], '2026-11-26T10:00:00.000Z');
    store.close();
    const bytes = readFileSync(path);
    bytes.fill(0x41, 100, 4096);
    writeFileSync(path, bytes);

    let err: unknown;
    try {
      Store.open(path).guard((s) => s.expiries.items());
    } catch (e) {
      err = e;
    }

    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toMatch(/corrupted|not a SQLite/);
    expect((err as StoreError).hint).toMatch(/mv .*agent\.db .*\.bad/);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('says a store directory is not writable, naming it', () => {
    const dir = tmp();
    const script = `import('${new URL('../../dist/src/store/store.js', import.meta.url).href}').then(({ Store }) => {
      try { Store.open('${dir}/locked/agent.db'); console.log('opened'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
    })`;
    execFileSync('mkdir', ['-m', '0755', join(dir, 'locked')]);

    const out = execFileSync(unprivileged()[0] ?? process.execPath, [...unprivileged().slice(1), ...(unprivileged().length ? [process.execPath] : []), '-e', script]).toString();

    expect(out).toMatch(/^StoreError: the store .*locked\/agent\.db is not writable \(EACCES\)/);
  });

  it.each([
    ['SQLITE_BUSY_SNAPSHOT', /^the store .*agent\.db is locked by another process$/],
    ['SQLITE_CORRUPT_INDEX', /^the store .*agent\.db is corrupted \(boom, SQLITE_CORRUPT_INDEX\)$/],
    ['SQLITE_FULL', /^the disk holding .*agent\.db is full \(boom\)$/],
    // On a file system with room, an I/O error is not a full disk; the extended code is kept as evidence.
    ['SQLITE_IOERR_SHMSIZE', /^cannot write the store .*agent\.db \(boom, SQLITE_IOERR_SHMSIZE\)$/],
    ['SQLITE_READONLY_DBMOVED', /^cannot write the store .*agent\.db \(boom, SQLITE_READONLY_DBMOVED\)$/],
  ])('classifies %s by its primary result code', (code, message) => {
    const failure = storeFailure(join(tmp(), 'agent.db'), Object.assign(new Error('boom'), { code }));

    expect(failure).toBeInstanceOf(StoreError);
    expect(failure.message).toMatch(message);
  });
});
