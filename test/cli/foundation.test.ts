import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { readState, updateState } from '../../src/sandbox/state.js';
import { runCli, unprivileged } from '../helpers/cli.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

async function sandbox(): Promise<{ dir: string; config: string }> {
  const dir = join(tmp(), 's');
  const init = await runCli(['sandbox', 'init', dir]);
  expect(init.code, init.stderr).toBe(0);
  return { dir, config: join(dir, 'agent.json') };
}

interface StatusJson {
  today: string;
  deployments: Array<{ deploymentId: string; items: Array<{ item: string; expiry: string; daysLeft: number | null; enabled: string | null }> }>;
}

describe('the foundation, as a user runs it', () => {
  it('sandbox init, then status --json lists every module with its date and days left', async () => {
    const { config } = await sandbox();
    const today = calendarDate(new Date());

    const status = await runCli(['status', '--config', config, '--json']);

    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as StatusJson;
    expect(report.today).toBe(today);
    const items = Object.fromEntries(report.deployments[0]!.items.map((i) => [i.item, i]));
    expect(report.deployments[0]!.deploymentId).toBe('63198234567');
    expect(items['license:areminder']).toMatchObject({ expiry: addDays(today, -12), daysLeft: -12, enabled: 'enabled' });
    expect(items['license:broadcast']).toMatchObject({ expiry: addDays(today, 5), daysLeft: 5 });
    expect(items['license:callaccounting']).toMatchObject({ expiry: addDays(today, 25), daysLeft: 25 });
    expect(items['license:sysadmin']).toMatchObject({ expiry: addDays(today, 200), daysLeft: 200 });
    expect(items['license:endpoint']).toMatchObject({ expiry: 'never', daysLeft: null });
    expect(items['license:cdrpro']).toMatchObject({ expiry: addDays(today, 90), daysLeft: 90, enabled: 'enabled' });
    expect(items['license:cos']).toMatchObject({ enabled: 'disabled' });
    expect(items.activation).toMatchObject({ expiry: addDays(today, 1400) });
    expect(items['support-contract']).toMatchObject({ daysLeft: 45 });
    expect(Object.keys(items)).toHaveLength(11);
  });

  it('prints a readable table by default', async () => {
    const { config } = await sandbox();

    const status = await runCli(['status', '--config', config]);

    expect(status.stdout).toMatch(/ITEM\s+KIND\s+EXPIRY\s+DAYS LEFT\s+MAINTENANCE\s+MODULE/);
    expect(status.stdout).toMatch(/areminder\s+licence\s+\d{4}-\d\d-\d\d\s+expired 12d ago/);
    expect(status.stdout).toMatch(/endpoint\s+licence\s+never\s+-/);
  });

  it('check --dry-run records nothing new on a second run, then exactly what was edited', async () => {
    const { dir, config } = await sandbox();

    const unchanged = await runCli(['check', '--dry-run', '--json', '--config', config]);
    updateState(dir, (s) => {
      s.pbx.licence.broadcast = '2027-12-01';
      delete s.pbx.licence.zulu;
    });
    const edited = await runCli(['check', '--dry-run', '--json', '--config', config]);
    const again = await runCli(['check', '--dry-run', '--json', '--config', config]);

    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(JSON.parse(unchanged.stdout).changes).toEqual([]);
    expect(JSON.parse(edited.stdout).changes.map((c: { item: string; newExpiry: string | null }) => [c.item, c.newExpiry])).toEqual([
      ['license:broadcast', '2027-12-01'],
      ['license:zulu', null],
    ]);
    expect(JSON.parse(again.stdout).changes).toEqual([]);
    expect(readState(dir).pbx.calls['sa activate']).toBeUndefined();
  });

  it('--help works for every command', async () => {
    for (const args of [['--help'], ['status', '--help'], ['check', '--help'], ['sandbox', '--help'], ['sandbox', 'init', '--help']]) {
      const result = await runCli(args);

      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/Usage: pbx-activation-agent/);
    }
  });

  it('exits 2 on a usage error', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['status', '--bogus'])).code).toBe(2);
  });
});

describe('bad configuration (exit 78, every problem listed)', () => {
  it('missing file', async () => {
    const result = await runCli(['status', '--config', '/nonexistent/agent.json']);

    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/configuration \/nonexistent\/agent\.json is invalid:\n  - the file does not exist/);
  });

  it('found through $PBX_AGENT_CONFIG', async () => {
    const result = await runCli(['status'], { env: { PBX_AGENT_CONFIG: '/nonexistent/env.json' } });

    expect(result.code).toBe(78);
    expect(result.stderr).toContain('/nonexistent/env.json');
  });

  it('malformed JSON', async () => {
    const file = join(tmp(), 'agent.json');
    writeFileSync(file, '{\n  "pbx": {\n    "tty": true,\n  }\n}\n');

    const result = await runCli(['check', '--config', file]);

    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/not valid JSON at line 4/);
  });

  it('invalid values, all listed at once', async () => {
    const file = join(tmp(), 'agent.json');
    writeFileSync(file, JSON.stringify({ pbx: { tty: 'yes', readTimeout: 'forever' }, stor: {} }));

    const result = await runCli(['check', '--config', file]);

    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/- pbx\.tty: /);
    expect(result.stderr).toMatch(/- pbx\.readTimeout: "forever" is not a duration/);
    expect(result.stderr).toMatch(/- stor: unknown key/);
  });

  it('unreadable file', async () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const file = join(dir, 'agent.json');
    writeFileSync(file, '{}', { mode: 0o600 });

    const result = await runCli(['status', '--config', file], { prefix: unprivileged() });

    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/not readable by this user/);
  });
});

describe('status reuses a validation kept in the store only for the same config text', () => {
  it('a config edited into an invalid one is refused (78), not served from the kept validation', async () => {
    const { config } = await sandbox();
    const ok = await runCli(['status', '--config', config]);
    const cfg = JSON.parse(readFileSync(config, 'utf8'));
    cfg.pbx.tty = 'sometimes';
    writeFileSync(config, JSON.stringify(cfg));

    const edited = await runCli(['status', '--config', config]);

    expect(ok.code).toBe(0);
    expect(edited.code).toBe(78);
    expect(edited.stderr).toMatch(/- pbx\.tty: /);
  });

  it('a valid edit takes effect at once (timeZone moves "today")', async () => {
    const { config } = await sandbox();
    const cfg = JSON.parse(readFileSync(config, 'utf8'));
    cfg.timeZone = 'Pacific/Kiritimati';
    writeFileSync(config, JSON.stringify(cfg));

    const status = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout);

    expect(status.today).toBe(calendarDate(new Date(), 'Pacific/Kiritimati'));
  });
});

describe('bad PBX and store (clear message, right exit code, nothing lost)', () => {
  it.each([
    ['fwconsole missing', (dir: string) => rmSync(join(dir, 'bin', 'fwconsole')), /fwconsole not found at/],
    ['fwconsole not executable', (dir: string) => chmodSync(join(dir, 'bin', 'fwconsole'), 0o644), /not executable|not found/],
    ['fwconsole exiting non-zero', (dir: string) => updateState(dir, (s) => void (s.pbx.faults['sa info'] = 'exit-1')), /exited with status 1/],
    ['fwconsole printing nothing', (dir: string) => updateState(dir, (s) => void (s.pbx.faults['sa info'] = 'empty')), /it printed nothing/],
    ['fwconsole printing garbage', (dir: string) => updateState(dir, (s) => void (s.pbx.faults['ma list'] = 'garbage')), /unrecognised output from fwconsole ma list/],
  ])('%s: unreachable (5), the recorded dates are kept', async (_what, breakIt, message) => {
    const { dir, config } = await sandbox();
    const before = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout) as StatusJson;

    breakIt(dir);
    const check = await runCli(['check', '--dry-run', '--config', config]);
    const after = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout) as StatusJson;

    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(message);
    expect(check.stdout).toMatch(/What to do: /);
    expect(after.deployments[0]!.items).toEqual(before.deployments[0]!.items);
  });

  it('fwconsole hanging: stopped at pbx.readTimeout', async () => {
    const { dir, config } = await sandbox();
    const cfg = JSON.parse(readFileSync(config, 'utf8'));
    cfg.pbx.readTimeout = '1s';
    writeFileSync(config, JSON.stringify(cfg));
    updateState(dir, (s) => void (s.pbx.faults['sa info'] = 'hang'));

    const started = Date.now();
    const check = await runCli(['check', '--dry-run', '--config', config]);

    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(/did not finish within 1s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('store directory not writable: exit 1 naming the directory', async () => {
    const { dir, config } = await sandbox();
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    chmodSync(join(dir, '..'), 0o755);
    chmodSync(dir, 0o755);
    const cfg = JSON.parse(readFileSync(config, 'utf8'));
    cfg.store.path = join(readOnly, 'agent.db');
    writeFileSync(config, JSON.stringify(cfg), { mode: 0o644 });

    const check = await runCli(['check', '--dry-run', '--config', config], { prefix: unprivileged() });

    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/the store .*read-only\/agent\.db is not writable \(EACCES\)/);
    expect(check.stderr).toMatch(/Make .*read-only writable/);
  });

  it('store file corrupted: says so and leaves it as it was', async () => {
    const { dir, config } = await sandbox();
    const path = join(dir, 'agent.db');
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    writeFileSync(path, Buffer.from('garbage that used to be a database'));

    const check = await runCli(['check', '--dry-run', '--config', config]);
    const status = await runCli(['status', '--config', config]);

    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/is not a SQLite database/);
    expect(check.stderr).toMatch(/Nothing was changed/);
    expect(status.code).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe('garbage that used to be a database');
  });
});
