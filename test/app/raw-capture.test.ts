import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRawSaver, rawCaptureDir } from '../../src/app/raw-capture.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/** A clock that moves one second per call, from a fixed start. */
function ticking(start = Date.parse('2026-03-01T10:00:00Z')): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

describe('dumps of unrecognised output', () => {
  it('keeps at most the configured number of dumps, the newest', () => {
    const store = join(tmp(), 'agent.db');
    const save = makeRawSaver(store, ticking(), { files: 5, totalBytes: 1 << 20, dumpBytes: 1 << 16 });

    const saved = Array.from({ length: 12 }, (_, i) => save('sa-info', `output ${i}`));

    const left = readdirSync(rawCaptureDir(store)).sort();
    expect(saved.every((f) => f !== null)).toBe(true);
    expect(left).toHaveLength(5);
    expect(left.map((f) => readFileSync(join(rawCaptureDir(store), f), 'utf8'))).toEqual(['output 7', 'output 8', 'output 9', 'output 10', 'output 11']);
  });

  it('with once, keeps one dump per name across checks; another name gets its own', () => {
    const store = join(tmp(), 'agent.db');
    const save = makeRawSaver(store, ticking());

    const first = save('ma-list-status-0123456789-zulu', 'Включено', { once: true });
    const again = save('ma-list-status-0123456789-zulu', 'Включено', { once: true });
    const other = save('ma-list-status-abcdefabcd-zulu', 'Вкл', { once: true });

    expect(first).not.toBeNull();
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(readdirSync(rawCaptureDir(store))).toHaveLength(2);
  });

  it('keeps their total size bounded and cuts a huge dump, saying so', () => {
    const store = join(tmp(), 'agent.db');
    const save = makeRawSaver(store, ticking(), { files: 100, totalBytes: 300_000, dumpBytes: 100_000 });

    for (let i = 0; i < 10; i++) save('ma-list', `${String(i)}${'x'.repeat(250_000)}`);

    const dir = rawCaptureDir(store);
    const sizes = readdirSync(dir).map((f) => statSync(join(dir, f)).size);
    const newest = readdirSync(dir).sort().at(-1)!;
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300_000);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(dir, newest), 'utf8')).toMatch(/^9x+\n# --- cut here: the output was 250001 bytes, only the first 100000 are kept\n$/);
  });

  it('never writes through a symlink planted where the dump would go', () => {
    const base = tmp();
    const store = join(base, 'agent.db');
    const victim = join(base, 'victim');
    writeFileSync(victim, 'precious\n');
    mkdirSync(rawCaptureDir(store), { mode: 0o700 });
    const at = new Date('2026-03-01T10:00:00.000Z');
    symlinkSync(victim, join(rawCaptureDir(store), '2026-03-01T10-00-00-000Z-sa-info.txt'));

    const file = makeRawSaver(store, () => at)('sa-info', 'garbage');

    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(file).not.toBeNull();
    expect(lstatSync(file!).isFile()).toBe(true);
    expect(readFileSync(file!, 'utf8')).toBe('garbage');
  });

  it('refuses a capture directory that is a symlink, and one owned by another user', () => {
    const base = tmp();
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(base, 'a'));
    symlinkSync(elsewhere, rawCaptureDir(join(base, 'a', 'agent.db')));
    mkdirSync(join(base, 'b'));
    mkdirSync(rawCaptureDir(join(base, 'b', 'agent.db')), { mode: 0o700 });
    if (process.getuid?.() === 0) chownSync(rawCaptureDir(join(base, 'b', 'agent.db')), 65534, 65534);

    const viaLink = makeRawSaver(join(base, 'a', 'agent.db'), () => new Date())('sa-info', 'x');
    const foreign = makeRawSaver(join(base, 'b', 'agent.db'), () => new Date())('sa-info', 'x');

    expect(viaLink).toBeNull();
    expect(readdirSync(elsewhere)).toEqual([]);
    if (process.getuid?.() === 0) expect(foreign).toBeNull();
  });

  it('creates the directory 0700 and tightens an older 0750 one; dumps are 0600', () => {
    const base = tmp();
    const store = join(base, 'agent.db');
    mkdirSync(rawCaptureDir(store), { mode: 0o750 });

    const file = makeRawSaver(store, () => new Date())('sa-info', 'x');

    expect(statSync(rawCaptureDir(store)).mode & 0o777).toBe(0o700);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(existsSync(file!)).toBe(true);
  });
});
