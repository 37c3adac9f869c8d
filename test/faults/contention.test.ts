import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { changeLines, faultWorld, itemDates, sleep, spawnCli, storePath, type FaultWorld } from '../helpers/fault-world.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * Contention: the store locked by another process, and concurrent triggers.
 * A lock is waited for (busy timeout, 5 s), then reported; one cycle runs at
 * a time and the others say who holds it.
 */
const tmp = useTmpDirs();
const LOCKED = /^error: the store .*agent\.db is locked by another process\nAnother agent process holds a write lock; wait for it to finish and retry\.\n$/m;

/** Another process holding the store's write lock (BEGIN EXCLUSIVE, one uncommitted write) until released. */
async function holdWriteLock(path: string): Promise<{ release(): Promise<void> }> {
  const script = `const D = require('better-sqlite3');
    const db = new D(${JSON.stringify(path)});
    db.pragma('busy_timeout = 30000');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('locker', 'uncommitted')").run();
    console.log('locked');
    setInterval(() => {}, 1000);`;
  const locker = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const gone = new Promise((resolve) => locker.once('exit', resolve));
  await new Promise((resolve, reject) => {
    locker.stdout.once('data', resolve);
    locker.once('exit', (code) => reject(new Error(`the locking process ended (${code}) before it held the lock`)));
  });
  return {
    async release() {
      locker.kill('SIGKILL');
      await gone;
    },
  };
}

async function appliedOnce(): Promise<FaultWorld> {
  const world = await faultWorld(join(tmp(), 's'));
  const first = await world.cli(['check']);
  expect(first.code, first.stderr).toBe(0);
  return world;
}

function recorded(world: FaultWorld) {
  return world.inspect((s) => ({ items: itemDates(s), changes: changeLines(s), runs: s.runs.list().map((r) => `${r.id} ${r.command} ${r.outcome}`) }));
}

describe('the store locked by another process', () => {
  it('check waits for the busy timeout, then exits 1 saying so; status and history still read; nothing lost', async () => {
    const world = await appliedOnce();
    recordPurchase(world.dir, { module: 'broadcast', until: '2027-12-31' });
    const before = recorded(world);
    const lock = await holdWriteLock(storePath(world.config));

    const started = Date.now();
    const check = await world.cli(['check']);
    const waitedMs = Date.now() - started;
    const status = await world.cli(['status', '--json']);
    const history = await world.cli(['history', '--json']);
    await lock.release();

    expect(check.code, check.stderr).toBe(1);
    expect(check.stderr).toMatch(LOCKED);
    expect(waitedMs).toBeGreaterThanOrEqual(4500);
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
    // WAL: a writer holding the lock does not stop readers.
    expect(status.code, status.stderr).toBe(0);
    expect(history.code, history.stderr).toBe(0);
    expect(world.inspect((s) => s.integrityCheck())).toEqual(['ok']);
    expect(recorded(world)).toEqual(before);
    expect(world.inspect((s) => s.getMeta('locker'))).toBeNull();
    const next = await world.cli(['check']);
    expect(next.code, next.stderr).toBe(0);
  });

  it('locked from while sa activate runs until after the busy timeout: exit 1 saying so; the next check records the renewal and closes the run', async () => {
    const world = await appliedOnce();
    recordPurchase(world.dir, { module: 'broadcast', until: '2027-12-31' });
    world.sandbox.edit((s) => {
      s.pbx.faults['sa activate'] = 'slow';
      s.pbx.slowSeconds = 1;
    });
    const before = recorded(world);

    const check = spawnCli(['check', '--config', world.config]);
    while ((world.sandbox.read().pbx.calls['sa activate'] ?? 0) < 1) await sleep(50);
    const lock = await holdWriteLock(storePath(world.config));
    const code = await check.exited;
    await lock.release();
    const cutShort = world.inspect((s) => s.runs.last()!);
    const next = await world.cli(['check', '--json']);

    expect(code, check.stderr()).toBe(1);
    expect(check.stderr()).toMatch(LOCKED);
    expect(cutShort.endedAt).toBeNull();
    expect(world.inspect((s) => s.integrityCheck())).toEqual(['ok']);
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ outcome: 'up-to-date', interruptedRuns: [cutShort.id] });
    const after = recorded(world);
    expect(after.changes.slice(0, before.changes.length)).toEqual(before.changes);
    expect(after.changes.filter((c) => c.startsWith('license:broadcast ') && c.includes('-> 2027-12-31'))).toHaveLength(1);
    expect(world.inspect((s) => s.runs.get(cutShort.id))).toMatchObject({ outcome: 'interrupted', error: expect.stringMatching(/could not write the store \(.*locked by another process\)/) });
  });
});

describe('concurrent triggers', () => {
  it('five renew --force --yes at once: one runs sa activate, the four others exit 6 naming it', async () => {
    const world = await appliedOnce();
    // Slow enough that all five have started while the first still holds the lease.
    world.sandbox.edit((s) => {
      s.pbx.faults['sa activate'] = 'slow';
      s.pbx.slowSeconds = 4;
    });
    const runsBefore = world.inspect((s) => s.runs.list().length);

    const renews = Array.from({ length: 5 }, () => spawnCli(['renew', '--force', '--yes', '--config', world.config]));
    const codes = await Promise.all(renews.map((r) => r.exited));

    expect([...codes].sort(), renews.map((r) => r.stderr()).join('\n')).toEqual([0, 6, 6, 6, 6]);
    const winner = renews[codes.indexOf(0)]!;
    for (const loser of renews.filter((_, i) => codes[i] === 6)) {
      expect(loser.stderr()).toMatch(new RegExp(`^error: another cycle is running: "renew --force" \\(pid ${winner.pid} on ${hostname()}, since \\S+\\)\\nWait for it to finish`, 'm'));
    }
    expect(world.sandbox.read().pbx.calls['sa activate']).toBe(1);
    expect(world.inspect((s) => s.integrityCheck())).toEqual(['ok']);
    const runs = world.inspect((s) => s.runs.list());
    expect(runs).toHaveLength(runsBefore + 1);
    expect(runs[0]).toMatchObject({ command: 'renew --force', pid: winner.pid, endedAt: expect.any(String) });
    expect(world.inspect((s) => s.leases.get('cycle:local'))).toBeNull();
  });
});
