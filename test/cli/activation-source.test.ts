import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { Store } from '../../src/store/store.js';
import { BIN, runCli } from '../helpers/cli.js';
import { editConfig } from '../helpers/cycle.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

/*
 * Issue 10's table, row by row, from the CLI on a fresh sandbox without a
 * portal (what every real Sangoma customer has): the renewal source is
 * Update Activation itself, and the sandbox counts its `sa activate` calls.
 */
const tmp = useTmpDirs();
const SLOW = 60_000;

/** A sandbox with no portal, its "Apache" quick to restart; the agent counts days in UTC. */
function sandbox(): TestSandbox {
  const sb = makeSandbox(join(tmp(), 's'));
  sb.edit((s) => void (s.pbx.apacheRestartSeconds = 0.3));
  editConfig(sb.config, (c) => {
    c.timeZone = 'UTC';
    c.pbx.settleDelay = '100ms';
    c.pbx.settleTimeout = '10s';
  });
  return sb;
}

const activations = (sb: TestSandbox) => sb.read().pbx.calls['sa activate'] ?? 0;
const today = () => calendarDate(new Date(), 'UTC');
const check = async (sb: TestSandbox) => {
  const r = await runCli(['check', '--json', '--config', sb.config]);
  return { ...r, result: JSON.parse(r.stdout) as { outcome: string; notes: string[]; source: string; runId: number; probe: { due: boolean; reason: string } | null } };
};

/** A maintenance window `HH:00-HH:00` (UTC) starting `from` hours from now and lasting `hours`. */
function windowFromNow(from: number, hours: number): string {
  const hour = (h: number) => String((new Date().getUTCHours() + h + 24) % 24).padStart(2, '0');
  return `${hour(from)}:00-${hour(from + hours)}:00`;
}

describe('the activation probe: Update Activation as the renewal source (no portal)', () => {
  it('nothing within 30 days, scheduled check: no sa activate, up-to-date, saying why', async () => {
    const sb = sandbox();
    sb.edit((s) => {
      for (const key of Object.keys(s.pbx.licence)) if (s.pbx.licence[key] !== 'Never') s.pbx.licence[key] = addDays(today(), 100);
    });

    const scheduled = await runCli(['check', '--trigger', 'schedule', '--config', sb.config]);
    const manual = await check(sb);

    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(manual.code).toBe(0);
    expect(activations(sb)).toBe(0);
    expect(manual.result).toMatchObject({ outcome: 'up-to-date', source: 'activation', probe: { due: false } });
    expect(manual.result.notes.join('\n')).toMatch(/^Update Activation not run: nothing expires within 30 days; next: Support contract expires \S+, probes from \S+$/m);
    const store = Store.open(sb.store, { readonly: true });
    const run = store.runs.list().find((r) => r.trigger === 'schedule');
    store.close();
    expect(run).toMatchObject({ outcome: 'up-to-date', details: expect.objectContaining({ source: 'activation', probe: expect.objectContaining({ due: false, activations: 0 }) }) });
  }, SLOW);

  it('an item within 30 days, nothing bought: one sa activate, up-to-date, "nothing new from Sangoma"; a second check the same day runs none', async () => {
    const sb = sandbox();

    const first = await check(sb);
    const second = await check(sb);
    const status = await runCli(['status', '--config', sb.config]);
    const statusJson = JSON.parse((await runCli(['status', '--json', '--config', sb.config])).stdout);

    expect(first.code, first.stderr).toBe(0);
    expect(first.result.outcome).toBe('up-to-date');
    expect(first.result.notes).toContain('Update Activation ran; nothing new from Sangoma');
    expect(second.result.outcome).toBe('up-to-date');
    expect(second.result.notes.join('\n')).toMatch(/Update Activation not run: probed \d+s ago; next after \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(activations(sb)).toBe(1);
    expect(first.stdout).not.toContain('"unverified":[{');
    expect(status.stdout).toMatch(/^Renewals from: Update Activation itself/m);
    expect(status.stdout).toMatch(/^Update Activation: last \d{4}-\d\d-\d\d \d\d:\d\d UTC \(nothing-new\); next not now: probed /m);
    expect(statusJson.renewalSource).toBe('activation');
    expect(statusJson.deployments[0].probe).toMatchObject({ due: false, last: { result: 'nothing-new' }, nextAt: expect.stringMatching(/^\d{4}-/) });
  }, SLOW);

  it('bought, check inside the maintenance window: one sa activate, applied, history shows old -> new seen by activation', async () => {
    const sb = sandbox();
    editConfig(sb.config, (c) => void (c.schedule = { maintenanceWindow: windowFromNow(-1, 3) }));
    recordPurchase(sb.dir, { module: 'broadcast', until: '2028-01-31' });

    const run = await check(sb);
    const history = JSON.parse((await runCli(['history', '--json', '--module', 'broadcast', '--config', sb.config])).stdout);

    expect(run.code, run.stderr).toBe(0);
    expect(run.result.outcome).toBe('applied');
    expect(activations(sb)).toBe(1);
    expect(history.changes[0]).toMatchObject({ item: 'license:broadcast', oldExpiry: addDays(today(), 5), newExpiry: '2028-01-31', source: 'activation', runId: run.result.runId });
  }, SLOW);

  it('bought, check outside the maintenance window: no sa activate, up-to-date (not pending) with when it will probe', async () => {
    const sb = sandbox();
    const window = windowFromNow(2, 1);
    editConfig(sb.config, (c) => void (c.schedule = { maintenanceWindow: window }));
    recordPurchase(sb.dir, { module: 'broadcast', until: '2028-01-31' });

    const run = await check(sb);

    expect(run.code).toBe(0);
    expect(run.result.outcome).toBe('up-to-date');
    const opens = new Date();
    opens.setUTCHours(opens.getUTCHours() + 2, 0, 0, 0);
    expect(run.result.notes.join('\n')).toContain(`Update Activation not run: outside the maintenance window ${window}; next probe at ${opens.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    expect(activations(sb)).toBe(0);
  }, SLOW);

  it('renew --yes after a purchase: one sa activate, applied, exit 0, whatever the window', async () => {
    const sb = sandbox();
    editConfig(sb.config, (c) => void (c.schedule = { maintenanceWindow: windowFromNow(2, 1) }));
    recordPurchase(sb.dir, { module: 'broadcast', until: '2028-01-31' });

    const renew = await runCli(['renew', '--yes', '--config', sb.config]);

    expect(renew.code, renew.stderr).toBe(0);
    expect(renew.stdout).toMatch(/Outcome: applied/);
    expect(renew.stdout).toMatch(/broadcast licence\s+\d{4}-\d\d-\d\d\s+2028-01-31\s+renewed/);
    expect(activations(sb)).toBe(1);
  }, SLOW);

  it('renew --yes --module broadcast when broadcast was not bought: sa activate ran, exit 3 (pending), "broadcast still shows <date>"', async () => {
    const sb = sandbox();

    const renew = await runCli(['renew', '--yes', '--module', 'broadcast', '--config', sb.config]);
    const status = await runCli(['status', '--config', sb.config]);

    expect(renew.code, renew.stderr).toBe(3);
    expect(renew.stdout).toContain(`broadcast still shows ${addDays(today(), 5)}`);
    expect(renew.stdout).toMatch(/broadcast licence\s+\S+\s+\S+\s+NOT renewed yet \(bought\)/);
    expect(activations(sb)).toBe(1);
    expect(status.stdout).toContain(`Renewals waiting to be applied: license:broadcast ${addDays(today(), 5)} -> a later date (bought)`);
  }, SLOW);

  it('renew --yes --wait (12m scaled to 9.6s, retryEvery 5m to 4s) with the purchase after the second try: at most 3 activations, spaced, applied', async () => {
    const sb = sandbox();
    editConfig(sb.config, (c) => void (c.renewals = { retryEvery: '4s' }));
    const renew = runCli(['renew', '--yes', '--wait', '9600ms', '--config', sb.config]);
    await waitFor(() => activations(sb) >= 2);
    recordPurchase(sb.dir, { module: 'broadcast', until: '2028-01-31' });

    const result = await renew;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Outcome: applied/);
    expect(result.stdout).toContain('Update Activation ran (3 times); new from Sangoma: broadcast licence');
    expect(activations(sb)).toBe(3);
    const starts = result.stderr
      .split('\n')
      .filter((l) => l.includes('"msg":"applying renewals"'))
      .map((l) => Date.parse(JSON.parse(l).time as string));
    expect(starts).toHaveLength(3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(3990);
    expect(result.stderr).toContain('"msg":"nothing new from Sangoma yet"');
  }, SLOW);

  it('Ctrl-C while renew --wait waits for its next try: no further Update Activation, the run recorded interrupted', async () => {
    const sb = sandbox();
    editConfig(sb.config, (c) => void (c.renewals = { retryEvery: '1m' }));
    const child = spawn(process.execPath, [BIN, 'renew', '--yes', '--wait', '10m', '--config', sb.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => stderr.includes('"msg":"nothing new from Sangoma yet"'));

    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', r));

    expect(code).not.toBe(0);
    expect(activations(sb)).toBe(1);
    const store = Store.open(sb.store, { readonly: true });
    const run = store.runs.last();
    store.close();
    expect(run).toMatchObject({ command: 'renew', outcome: 'interrupted' });
  }, SLOW);

  it('killed during sa activate: the attempt still counts, the next check does not restart Apache again', async () => {
    const sb = sandbox();
    sb.edit((s) => {
      s.pbx.faults['sa activate'] = 'slow';
      s.pbx.slowSeconds = 30;
    });
    const child = spawn(process.execPath, [BIN, 'check', '--config', sb.config], { stdio: 'ignore' });
    await waitFor(() => activations(sb) === 1);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    sb.edit((s) => void delete s.pbx.faults['sa activate']);

    const next = await check(sb);

    expect(next.code).toBe(0);
    expect(next.result.outcome).toBe('up-to-date');
    expect(next.result.notes.join('\n')).toMatch(/Update Activation not run: probed \d+s ago/);
    expect(activations(sb)).toBe(1);
  }, SLOW);

  it('renewals.source "off": check records only; renew still runs Update Activation when asked', async () => {
    const sb = sandbox();
    editConfig(sb.config, (c) => void (c.renewals = { source: 'off' }));
    recordPurchase(sb.dir, { module: 'broadcast', until: '2028-01-31' });

    const run = await check(sb);
    const before = activations(sb);
    const renew = await runCli(['renew', '--yes', '--module', 'broadcast', '--json', '--config', sb.config]);

    expect(run.result).toMatchObject({ outcome: 'up-to-date', source: 'off' });
    expect(run.result.notes.join()).toMatch(/renewals\.source is "off"/);
    expect(before).toBe(0);
    expect(renew.code, renew.stderr).toBe(0);
    expect(JSON.parse(renew.stdout)).toMatchObject({ outcome: 'applied', source: 'off', verified: [{ item: 'license:broadcast', portal: null }] });
    expect(activations(sb)).toBe(1);
  }, SLOW);

  it('renewals.source "portal" without a portal section: exit 78 saying what to do', async () => {
    const sb = sandbox();
    editConfig(sb.config, (c) => void (c.renewals = { source: 'portal', horizon: 'soon' }));

    const run = await runCli(['check', '--config', sb.config]);

    expect(run.code).toBe(78);
    expect(run.stderr).toContain('renewals.source: "portal" needs a portal section');
    expect(run.stderr).toContain('renewals.horizon: "soon" is not a duration');
    expect(activations(sb)).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
