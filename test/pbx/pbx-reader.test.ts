import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRawSaver } from '../../src/app/raw-capture.js';
import { formatExpiry } from '../../src/core/expiry.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { PbxReader } from '../../src/pbx/pbx-reader.js';
import { schmoozeDir } from '../../src/sandbox/licence-file.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { pbxFailure } from '../helpers/failure.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function readerFor(sandbox: TestSandbox, overrides: { fwconsole?: string; tty?: boolean; readTimeoutMs?: number } = {}): PbxReader {
  return new PbxReader(
    new LocalShell(),
    {
      fwconsole: overrides.fwconsole ?? sandbox.fwconsole,
      schmoozeDir: schmoozeDir(sandbox.dir),
      tty: overrides.tty ?? true,
      readTimeoutMs: overrides.readTimeoutMs ?? 15_000,
      saveRaw: makeRawSaver(sandbox.store, () => new Date()),
    },
    silentLogger,
  );
}

const failure = pbxFailure;

describe('PbxReader against the simulated fwconsole', () => {
  it('reads deployment, activation, support contract, every module licence and module states', async () => {
    const sandbox = makeSandbox(tmp(), { now: new Date('2026-11-26T10:00:00Z') });

    const snapshot = await readerFor(sandbox).read();

    expect(snapshot.deploymentId).toBe('63198234567');
    expect(snapshot.warnings).toEqual([]);
    expect(Object.fromEntries(snapshot.items.map((i) => [i.item, formatExpiry(i.expiry)]))).toEqual({
      activation: '2030-09-26',
      'support-contract': '2027-01-10',
      'license:global': '2027-06-14',
      'license:areminder': '2026-11-14',
      'license:broadcast': '2026-12-01',
      'license:callaccounting': '2026-12-21',
      'license:sysadmin': '2027-06-14',
      'license:endpoint': 'never',
      'license:cdrpro': '2027-02-24',
      'license:zulu': '2027-01-25',
      'license:cos': '2027-09-22',
    });
    expect(snapshot.modules.find((m) => m.name === 'cos')).toMatchObject({ state: 'disabled', commercial: true });
  });

  it('reads localised status words, and unknown ones as unknown', async () => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => {
      s.pbx.language = 'it';
      s.pbx.modules[0]!.statusText = 'Включено';
    });

    const modules = await readerFor(sandbox).readModules();

    expect(modules.find((m) => m.name === 'broadcast')).toMatchObject({ statusText: 'Attivato', state: 'enabled' });
    expect(modules.find((m) => m.name === 'cos')).toMatchObject({ statusText: 'Disattivato', state: 'disabled' });
    expect(modules.find((m) => m.name === 'areminder')).toMatchObject({ state: 'unknown' });
  });

  it('never takes an unreadable status of a licensed module for enabled: warns and keeps the output once per text', async () => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => {
      // zulu: licensed (zulu_exp) although its License column is not Commercial; framework: neither.
      const zulu = s.pbx.modules.find((m) => m.name === 'zulu')!;
      zulu.statusText = 'Включено';
      zulu.license = 'GPLv3+';
    });
    const reader = readerFor(sandbox);

    const first = await reader.read();
    const second = await reader.read();

    expect(first.modules.find((m) => m.name === 'zulu')).toMatchObject({ state: 'unknown', commercial: false });
    expect(first.warnings).toEqual([expect.stringMatching(/^cannot tell whether zulu is enabled: status text 'Включено' \(output kept in .*ma-list-status-[0-9a-f]{10}-zulu\.txt\)$/)]);
    expect(second.warnings).toEqual(first.warnings);
    const saved = readdirSync(join(sandbox.dir, 'unrecognised'));
    expect(saved).toHaveLength(1);
    expect(readFileSync(join(sandbox.dir, 'unrecognised', saved[0]!), 'utf8')).toMatch(/^# module zulu: status text 'Включено' not recognised\n# command: .*ma list --format=json[\s\S]*"Включено"/);
  });

  it('says a TTY is needed when sa info runs without one', async () => {
    const sandbox = makeSandbox(tmp());

    const err = await failure(readerFor(sandbox, { tty: false }).readLicence());

    expect(err.reason).toBe('needs-tty');
    expect(err.hint).toMatch(/pbx\.tty/);
  });

  it('reports a missing fwconsole with the path to fix', async () => {
    const sandbox = makeSandbox(tmp());

    const err = await failure(readerFor(sandbox, { fwconsole: join(sandbox.dir, 'nope', 'fwconsole') }).read());

    expect(err.reason).toBe('not-found');
    expect(err.message).toMatch(/fwconsole not found at .*nope\/fwconsole/);
    expect(err.hint).toMatch(/pbx\.fwconsole/);
  });

  it('reports a missing fwconsole without the TTY wrapper too', async () => {
    const sandbox = makeSandbox(tmp());

    const err = await failure(readerFor(sandbox, { fwconsole: join(sandbox.dir, 'nope'), tty: false }).readModules());

    expect(err.reason).toBe('not-found');
  });

  it('reports an fwconsole that is not executable', async () => {
    const sandbox = makeSandbox(tmp());
    chmodSync(sandbox.fwconsole, 0o644);

    const err = await failure(readerFor(sandbox, { tty: false }).readModules());

    expect(err.reason).toBe('not-executable');
  });

  it('stops a hanging fwconsole at the timeout', async () => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => void (s.pbx.faults['ma list'] = 'hang'));
    const started = Date.now();

    const err = await failure(readerFor(sandbox, { readTimeoutMs: 1500 }).readModules());

    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/did not finish within 2s/);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('reports a non-zero exit with the last line it printed', async () => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => void (s.pbx.faults['sa info'] = 'exit-1'));

    const err = await failure(readerFor(sandbox).readLicence());

    expect(err.reason).toBe('exit-status');
    expect(err.message).toMatch(/exited with status 1: .*SQLSTATE/);
  });

  it.each([
    ['empty', /it printed nothing/],
    ['garbage', /no "Key: Value" lines|none of the/],
  ] as const)('saves %s sa info output for a bug report and never calls it "no modules"', async (fault, message) => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => void (s.pbx.faults['sa info'] = fault));

    const err = await failure(readerFor(sandbox).read());

    expect(err.reason).toBe('unrecognised-output');
    expect(err.message).toMatch(message);
    expect(err.evidence?.savedTo).toBeDefined();
    expect(existsSync(err.evidence!.savedTo!)).toBe(true);
    expect(readFileSync(err.evidence!.savedTo!, 'utf8')).toContain('# command:');
    expect(err.hint).toContain(err.evidence!.savedTo!);
  });

  it.each(['empty', 'garbage'] as const)('refuses %s ma list output', async (fault) => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => void (s.pbx.faults['ma list'] = fault));

    const err = await failure(readerFor(sandbox).readModules());

    expect(err.reason).toBe('unrecognised-output');
  });

  it('recognises an unactivated box', async () => {
    const sandbox = makeSandbox(tmp());
    sandbox.edit((s) => void (s.pbx.activated = false));

    const err = await failure(readerFor(sandbox).read());

    expect(err.reason).toBe('not-activated');
  });

  it('warns when the licence file disagrees with fwconsole, trusting fwconsole', async () => {
    const sandbox = makeSandbox(tmp());
    const fake = join(sandbox.dir, 'bin', 'fake-fwconsole');
    const list = JSON.stringify({ status: true, type: 'message', data: [['broadcast', '17.0.1', 'Enabled', 'Commercial', 'Sangoma']] });
    const info = 'Deployment ID: 63198234567\nbroadcast_exp: 2031-01-01';
    writeFileSync(fake, `#!/bin/sh\nif [ "$1" = sa ]; then printf '${info}\\n'; else echo '${list}'; fi\n`, { mode: 0o755 });

    const snapshot = await readerFor(sandbox, { fwconsole: fake, tty: false }).read();

    expect(snapshot.items.find((i) => i.item === 'license:broadcast')?.expiry).toEqual({ kind: 'date', date: '2031-01-01' });
    expect(snapshot.warnings.join('\n')).toMatch(/broadcast licence: fwconsole says 2031-01-01 but .*license-63198234567\.zl says 20\d\d-\d\d-\d\d; trusting fwconsole/);
  });

  it('compares schmooze.zl too, and skips an ionCube licence file with a note instead of reading it', async () => {
    const sandbox = makeSandbox(tmp());
    const fake = join(sandbox.dir, 'bin', 'fake-fwconsole');
    const list = JSON.stringify({ status: true, type: 'message', data: [['broadcast', '17.0.1', 'Enabled', 'Commercial', 'Sangoma']] });
    writeFileSync(fake, `#!/bin/sh\nif [ "$1" = sa ]; then printf 'Deployment ID: 63198234567\\nbroadcast_exp: 2031-01-01\\n'; else echo '${list}'; fi\n`, { mode: 0o755 });
    const dir = schmoozeDir(sandbox.dir);
    rmSync(join(dir, 'license-63198234567.zl'));
    writeFileSync(join(dir, 'schmooze.zl'), 'Product-Name = PBXact\nbroadcast_exp = 2030-02-02\nVerification-Code = abc=\n');
    writeFileSync(join(dir, 'license-2.zl'), 'Product-Name: PBXact\n------ LICENSE FILE DATA -------\nTV4T0X720hezwwcBmG4bBrlg822dmi7R\n--------------------------------\n');
    const notes: string[] = [];
    const log: Logger = { ...silentLogger, info: (_o: object, msg: string) => void notes.push(msg) };

    const snapshot = await new PbxReader(new LocalShell(), { fwconsole: fake, schmoozeDir: dir, tty: false, readTimeoutMs: 15_000, saveRaw: () => null }, log).read();

    expect(snapshot.warnings).toEqual([expect.stringMatching(/broadcast licence: fwconsole says 2031-01-01 but .*schmooze\.zl says 2030-02-02; trusting fwconsole/)]);
    expect(notes).toEqual([expect.stringContaining('ionCube licence file')]);
  });

  it('falls back to /etc/schmooze/pbxid when sa info names no deployment', async () => {
    const sandbox = makeSandbox(tmp());
    const fake = join(sandbox.dir, 'bin', 'fake-fwconsole');
    const list = JSON.stringify({ status: true, type: 'message', data: [['framework', '17.0.1', 'Enabled', 'GPLv2+', 'Sangoma']] });
    writeFileSync(fake, `#!/bin/sh\nif [ "$1" = sa ]; then echo "Activation Expiry: 26-Sep-2030"; else echo '${list}'; fi\n`, { mode: 0o755 });

    const snapshot = await readerFor(sandbox, { fwconsole: fake, tty: false }).read();

    expect(snapshot.deploymentId).toBe('63198234567');
    rmSync(join(schmoozeDir(sandbox.dir), 'pbxid'));
    await expect(readerFor(sandbox, { fwconsole: fake, tty: false }).read()).rejects.toMatchObject({ reason: 'not-activated' });
  });
});
