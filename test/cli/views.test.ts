import ICAL from 'ical.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

async function sandbox(): Promise<{ dir: string; config: string }> {
  const dir = join(tmp(), 'sandbox');
  const init = await runCli(['sandbox', 'init', dir]);
  expect(init.code, init.stderr).toBe(0);
  return { dir, config: join(dir, 'agent.json') };
}

describe('due, calendar and report, as a user runs them', () => {
  it('due: the sandbox items within 90 days, grouped under the deployment id, exit 0; --csv and --json of the same list', async () => {
    const { config } = await sandbox();

    const text = await runCli(['due', '--config', config]);
    const csv = await runCli(['due', '--csv', '--config', config]);
    const json = await runCli(['due', '--json', '--within', '30d', '--config', config]);

    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Deployment 63198234567 {2}PBXact UC 25\n/);
    expect(text.stdout).toMatch(/expired 12d ago\s+areminder licence\s+none seen/);
    expect(text.stdout).toMatch(/6 items on 1 deployment expire within 90 days \(until \d{4}-\d\d-\d\d\), 1 already expired\./);
    expect(text.stdout).not.toMatch(/sysadmin|endpoint/);
    expect(csv.code).toBe(0);
    const records = csv.stdout.split('\r\n');
    expect(records[0]).toBe('host,deployment_id,product,item,kind,label,expiry,days_left,renewal_seen');
    expect(records).toHaveLength(8);
    expect(records[1]).toMatch(/^local,63198234567,PBXact UC 25,license:areminder,module-license,areminder licence,\d{4}-\d\d-\d\d,-12,$/);
    expect(JSON.parse(json.stdout).deployments[0].items.map((i: { item: string }) => i.item)).toEqual(['license:areminder', 'license:broadcast', 'license:callaccounting']);
  });

  it('due with nothing in the period (or no store yet): says so, exit 0', async () => {
    const dir = tmp();
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ store: { path: join(dir, 'agent.db') } }));

    const due = await runCli(['due', '--config', config]);
    const csv = await runCli(['due', '--csv', '--config', config]);

    expect(due.code).toBe(0);
    expect(due.stdout).toBe('Nothing expires within 90 days.\n');
    expect(csv.stdout).toBe('host,deployment_id,product,item,kind,label,expiry,days_left,renewal_seen\r\n');
  });

  it.each([
    [['due', '--csv', '--json'], /--csv and --json exclude each other/],
    [['due', '--within', 'soon'], /--within "soon" is not a period/],
    [['due', '--within', '0d'], /--within "0d" is not a period/],
    [['report', '--html', 'x.html', '--json'], /--html and --json exclude each other/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const { config } = await sandbox();

    const result = await runCli([...args, '--config', config]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('--deployment with an id the store never recorded is a usage error naming the ones it has (exit 2), not an empty answer', async () => {
    const { config } = await sandbox();
    const store = Store.open((JSON.parse(readFileSync(config, 'utf8')) as { store: { path: string } }).store.path);
    // A check that named its deployment and failed before recording anything: its runs are still history.
    const run = store.runs.start({ trigger: 'manual', command: 'check', host: 'local', deploymentId: '631000999', dryRun: false, pid: 1, at: '2026-11-30T02:00:00.000Z' });
    store.runs.finish(run, { outcome: 'unreachable', at: '2026-11-30T02:00:05.000Z', deploymentId: '631000999' });
    store.close();

    const typo = [];
    for (const command of [['status'], ['history'], ['due'], ['calendar'], ['report'], ['report', '--html', '-']]) typo.push(await runCli([...command, '--deployment', '6319823456', '--config', config]));
    const known = await runCli(['due', '--deployment', '63198234567', '--config', config]);
    const runsOnly = await runCli(['history', '--deployment', '631000999', '--config', config]);

    for (const result of typo) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: no deployment 6319823456 in the store \(.*agent\.db\)\nDeployments recorded there: 63198234567\.\n$/);
    }
    expect(known.code, known.stderr).toBe(0);
    expect(known.stdout).toMatch(/^Deployment 63198234567 /);
    expect(runsOnly.code, runsOnly.stderr).toBe(0);
    expect(runsOnly.stdout).toMatch(/run \d+: check \(manual\) -> unreachable/);
  });

  it('calendar --output FILE writes a feed ical.js parses; without it the same feed on stdout', async () => {
    const { dir, config } = await sandbox();
    const file = join(dir, 'expiries.ics');

    const written = await runCli(['calendar', '--output', file, '--config', config]);
    const printed = await runCli(['calendar', '--config', config]);

    expect(written.code, written.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(printed.stdout).toBe(text);
    const events = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent');
    // The sandbox has 11 items, one of them Never.
    expect(events).toHaveLength(10);
  });

  it('calendar --output into a missing directory: a clear error, exit 1', async () => {
    const { config } = await sandbox();

    const result = await runCli(['calendar', '--output', '/nonexistent/dir/x.ics', '--config', config]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot write \/nonexistent\/dir\/x\.ics \(ENOENT\)\nCheck that \/nonexistent\/dir exists/);
  });

  it('report prints the figures; report --html FILE writes the page; --json the value', async () => {
    const { dir, config } = await sandbox();
    const file = join(dir, 'timeline.html');

    const text = await runCli(['report', '--config', config]);
    const html = await runCli(['report', '--html', file, '--config', config]);
    const json = await runCli(['report', '--json', '--config', config]);

    expect(text.stdout).toMatch(/^11 items on 1 deployment \(days counted from \d{4}-\d\d-\d\d\): 1 expired, 2 within 30 days, 5 within 90 days\./);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*data-deployment="63198234567"[\s\S]*<\/html>\n$/);
    expect(JSON.parse(json.stdout).summary).toEqual({ deployments: 1, items: 11, expired: 1, within30: 2, within90: 5 });
  });
});
