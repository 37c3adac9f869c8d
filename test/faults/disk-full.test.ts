import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutput } from '../../agent/write-output.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { editConfig } from '../helpers/cycle.js';
import { changeLines, faultWorld, itemDates, sleep, spawnCli, type FaultWorld } from '../helpers/fault-world.js';
import { fillUp, useTmpfs } from '../helpers/tmpfs.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * The store's file system runs out of space: a real tmpfs, filled up. Every
 * command says the disk is full (exit 1), touches nothing, and once space is
 * freed the store is intact with everything recorded before.
 */
const tmp = useTmpDirs();
const tmpfs = useTmpfs();
const DISK_FULL = /^error: the disk holding .*agent\.db is full \(.+\)\nFree space on the file system of .* \(df -h .*\); what was recorded before is intact\.\n$/;

/** A sandbox whose store lives on its own small file system, with one renewal already applied and recorded. */
async function worldOnSmallDisk(): Promise<{ world: FaultWorld; disk: string }> {
  const disk = tmpfs('4m');
  const world = await faultWorld(join(tmp(), 's'));
  editConfig(world.config, (c) => void (c.store = { path: join(disk, 'agent.db') }));
  recordPurchase(world.dir, { module: 'broadcast', until: '2027-12-31' });
  const applied = await world.cli(['check']);
  expect(applied.code, applied.stderr).toBe(0);
  return { world, disk };
}

function recorded(world: FaultWorld) {
  return world.inspect((s) => ({ items: itemDates(s), changes: changeLines(s), runs: s.runs.list().map((r) => `${r.id} ${r.command} ${r.outcome}`) }));
}

describe('the disk holding the store is full', () => {
  it('check, renew, status, history and alerts run say so and exit 1; after freeing space nothing is lost', async () => {
    const { world, disk } = await worldOnSmallDisk();
    const before = recorded(world);
    recordPurchase(world.dir, { module: 'zulu', until: '2028-01-31' });
    const filler = fillUp(disk);

    const results = [];
    for (const args of [['check'], ['renew', '--force', '--yes'], ['status'], ['history'], ['alerts', 'run']]) results.push({ args, ...(await world.cli(args)) });
    rmSync(filler);

    for (const r of results) {
      expect(r.code, `${r.args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr, r.args.join(' ')).toMatch(DISK_FULL);
    }
    // Nothing ran against the PBX on a store that cannot record it.
    expect(world.sandbox.read().pbx.calls['sa activate']).toBe(1);
    expect(world.inspect((s) => s.integrityCheck())).toEqual(['ok']);
    expect(recorded(world)).toEqual(before);
    const next = await world.cli(['check']);
    expect(next.code, next.stderr).toBe(0);
    expect(world.inspect((s) => s.expiries.items().find((i) => i.item === 'license:zulu')?.expiry)).toBe('2028-01-31');
  });

  it('no store yet and no room to create one: exit 1 saying the disk is full', async () => {
    const disk = tmpfs('1m');
    const world = await faultWorld(join(tmp(), 's'));
    editConfig(world.config, (c) => void (c.store = { path: join(disk, 'agent.db') }));
    fillUp(disk);

    const check = await world.cli(['check']);

    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(DISK_FULL);
  });

  it('the disk fills up while sa activate runs: the write after it fails saying so; the next check records the renewal and closes the run', async () => {
    const { world, disk } = await worldOnSmallDisk();
    const before = recorded(world);
    recordPurchase(world.dir, { module: 'zulu', until: '2028-01-31' });
    world.sandbox.edit((s) => {
      s.pbx.faults['sa activate'] = 'slow';
      s.pbx.slowSeconds = 2;
      s.pbx.apacheRestartSeconds = 0;
    });

    const check = spawnCli(['check', '--config', world.config]);
    while ((world.sandbox.read().pbx.calls['sa activate'] ?? 0) < 2) await sleep(50);
    const filler = fillUp(disk);
    const code = await check.exited;
    rmSync(filler);
    const cutShort = world.inspect((s) => s.runs.last()!);
    const next = await world.cli(['check', '--json']);

    expect(code, check.stderr()).toBe(1);
    expect(check.stderr()).toMatch(/error: the disk holding .*agent\.db is full/);
    expect(world.sandbox.read().pbx.licence.zulu).toBe('2028-01-31');
    expect(world.inspect((s) => s.integrityCheck())).toEqual(['ok']);
    expect(next.code, next.stderr).toBe(0);
    const result = JSON.parse(next.stdout) as { runId: number; outcome: string; interruptedRuns: number[] };
    expect(result.outcome).toBe('up-to-date');
    // The failed write was the expiry transaction after sa activate: none of it stayed; the next check recorded the renewal.
    expect(world.inspect((s) => s.expiries.changes({ moduleKey: 'zulu' }).filter((c) => c.source === 'pbx' && c.runId === cutShort.id))).toEqual([]);
    expect(world.inspect((s) => s.expiries.changes({ moduleKey: 'zulu' }).find((c) => c.newExpiry === '2028-01-31' && c.source === 'pbx')?.runId)).toBe(result.runId);
    const after = recorded(world);
    expect(after.changes.slice(0, before.changes.length)).toEqual(before.changes);
    const zuluBefore = before.items.find(([item]) => item === 'license:zulu')![1];
    expect(after.changes.filter((c) => c.startsWith('license:zulu ') && !c.includes('(new)'))).toEqual([`license:zulu ${zuluBefore} -> 2028-01-31 (pbx)`]);
    expect(after.runs.slice(-before.runs.length)).toEqual(before.runs);
    // The run either recorded its failure, or (the disk too full even for that) the next check closed it.
    const run = world.inspect((s) => s.runs.get(cutShort.id)!);
    if (cutShort.endedAt === null) {
      expect(result.interruptedRuns).toEqual([cutShort.id]);
      expect(run).toMatchObject({ outcome: 'interrupted', error: expect.stringMatching(/could not write the store \(disk full/) });
    } else {
      expect(run).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/disk .* is full/) });
    }
  });

  it('report --html and calendar --output onto a full disk, even one that takes part of a write: exit 1 saying so, the files as they were, nothing left behind', async () => {
    const disk = tmpfs('64k');
    const world = await faultWorld(join(tmp(), 's'));
    const checked = await world.cli(['check']);
    expect(checked.code, checked.stderr).toBe(0);
    const page = join(disk, 'timeline.html');
    const feed = join(disk, 'expiries.ics');
    for (const args of [['report', '--html', page], ['calendar', '--output', feed]]) {
      const made = await world.cli(args);
      expect(made.code, made.stderr).toBe(0);
    }
    const before = { page: readFileSync(page, 'utf8'), feed: readFileSync(feed, 'utf8') };
    // Room for a few kB: the page's first piece (its style) is larger, so a write takes part of it and the next one fails.
    const filler = fillUp(disk);
    truncateSync(filler, statSync(filler).size - 4096);

    const results = [];
    for (const [args, file] of [[['report', '--html', page], page], [['calendar', '--output', feed], feed]] as const) results.push({ file, ...(await world.cli(args)) });

    for (const r of results) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`error: cannot write ${r.file} (ENOSPC)`);
      expect(r.stderr).toContain(`is full: free some space (df -h ${disk}) and run it again; ${r.file} is as it was.`);
    }
    expect({ page: readFileSync(page, 'utf8'), feed: readFileSync(feed, 'utf8') }).toEqual(before);
    expect(readdirSync(disk).sort()).toEqual(['expiries.ics', 'filler', 'timeline.html']);
    rmSync(filler);
    const again = await world.cli(['report', '--html', page]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(page, 'utf8')).toContain('</html>');
  });

  it('a piece the disk takes only part of (the last one, mid-character) is an error, never a shorter file', () => {
    const disk = tmpfs('64k');
    const filler = fillUp(disk);
    truncateSync(filler, statSync(filler).size - 4096);
    const file = join(disk, 'out.ics');

    // 3,000 two-byte characters: 6,000 bytes, of which the disk takes 4,096 and then no more.
    expect(() => writeOutput(file, ['BEGIN:VCALENDAR\r\n', 'é'.repeat(3000)])).toThrow(`cannot write ${file} (ENOSPC)`);
    expect(readdirSync(disk)).toEqual(['filler']);
  });

  it('capture onto a full disk: exit 1 saying so, and no half bundle left behind', async () => {
    const disk = tmpfs('1m');
    const world = await faultWorld(join(tmp(), 's'));
    fillUp(disk);
    const output = join(disk, 'bundle.tar.gz');

    const capture = await world.cli(['capture', '--output', output]);

    expect(capture.code, capture.stderr).toBe(1);
    expect(capture.stderr).toMatch(/^error: cannot write .*bundle\.tar\.gz: .*(ENOSPC|no space)/i);
    expect(capture.stderr).toContain('Free some space');
    expect(existsSync(output)).toBe(false);
  });
});
