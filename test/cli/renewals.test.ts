import { spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { readState, updateState } from '../../src/sandbox/state.js';
import { BIN, runCli } from '../helpers/cli.js';
import { cycleWorld, editConfig } from '../helpers/cycle.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

async function world() {
  const w = await cycleWorld(join(tmp(), 's'));
  w.store.close();
  return { dir: w.sandbox.dir, config: w.sandbox.config };
}

describe('renewals, as a user runs them', () => {
  it('purchase, then check --json: applied (exit 0), the new date in status and history', async () => {
    const { dir, config } = await world();
    recordPurchase(dir, { module: 'broadcast', until: '2027-12-31' });

    const check = await runCli(['check', '--json', '--config', config]);
    const status = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout);
    const history = JSON.parse((await runCli(['history', '--json', '--module', 'broadcast', '--config', config])).stdout);

    expect(check.code, check.stderr).toBe(0);
    const result = JSON.parse(check.stdout);
    expect(result.outcome).toBe('applied');
    expect(result.planned).toHaveLength(1);
    expect(result.applied).toHaveLength(1);
    expect(result.verified).toHaveLength(1);
    const broadcast = status.deployments[0].items.find((i: { item: string }) => i.item === 'license:broadcast');
    expect(broadcast.expiry).toBe('2027-12-31');
    expect(history.changes[0]).toMatchObject({ item: 'license:broadcast', newExpiry: '2027-12-31', source: 'pbx', runId: result.runId });
    expect(history.runs).toEqual([]);
  });

  it('under sandbox fault 5xx: unreachable (exit 5), nothing changes', async () => {
    const { dir, config } = await world();
    await runCli(['check', '--config', config]);
    const before = (await runCli(['status', '--json', '--config', config])).stdout;
    recordPurchase(dir, { module: 'broadcast', until: '2027-12-31' });

    const fault = await runCli(['sandbox', 'fault', dir, '5xx']);
    const check = await runCli(['check', '--config', config]);
    const after = (await runCli(['status', '--json', '--config', config])).stdout;

    expect(fault.code).toBe(0);
    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(/Outcome: unreachable/);
    expect(check.stdout).toMatch(/failed with HTTP 503/);
    expect(readState(dir).pbx.calls['sa activate']).toBeUndefined();
    const items = (s: string) => JSON.parse(s).deployments[0].items.map((i: { item: string; expiry: string }) => [i.item, i.expiry]);
    expect(items(after)).toEqual(items(before));
  });

  it('two renew --force --yes started together: sa activate runs once, the other exits 6 naming the holder', async () => {
    const { dir, config } = await world();

    const [a, b] = await Promise.all([runCli(['renew', '--force', '--yes', '--config', config]), runCli(['renew', '--force', '--yes', '--config', config])]);

    expect([a.code, b.code].sort()).toEqual([0, 6]);
    const loser = a.code === 6 ? a : b;
    expect(loser.stderr).toMatch(/another cycle is running: "renew --force" \(pid \d+ on .+, since /);
    expect(readState(dir).pbx.calls['sa activate']).toBe(1);
  });

  it('renew --wait polls until the purchase shows on the portal, then applies and prints before/after', async () => {
    const { dir, config } = await world();
    editConfig(config, (c) => void (c.portal.pollInterval = '300ms'));
    // Bought once the agent has polled in vain.
    const child = spawn(process.execPath, [BIN, 'renew', '--wait', '30s', '--yes', '--config', config], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const first = !stderr.includes('renewal not on the portal yet');
      stderr += chunk.toString();
      if (first && stderr.includes('renewal not on the portal yet')) recordPurchase(dir, { module: 'zulu', until: '2028-01-31' });
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const renew = { code, stdout, stderr };

    expect(renew.code, renew.stderr).toBe(0);
    expect(renew.stdout).toMatch(/The portal shows 1 renewal\(s\): zulu licence/);
    expect(renew.stdout).toMatch(/zulu licence\s+\d{4}-\d\d-\d\d\s+2028-01-31\s+renewed/);
    expect(renew.stderr).toMatch(/renewal not on the portal yet/);
  });

  it('renew --wait gives up after the wait when nothing appears', async () => {
    const { config } = await world();
    editConfig(config, (c) => void (c.portal.pollInterval = '200ms'));

    const renew = await runCli(['renew', '--wait', '1s', '--yes', '--config', config]);

    expect(renew.code).toBe(0);
    expect(renew.stdout).toMatch(/Nothing new appeared on the portal within 1s/);
    expect(renew.stdout).toMatch(/Outcome: up-to-date/);
  });

  it.each([
    ['missing', (token: string) => rmSync(token), /portal token file .* does not exist/],
    ['readable by others', (token: string) => chmodSync(token, 0o644), /readable by group or others \(mode 0644\)/],
  ])('token file %s: exit 78 with the fix', async (_what, breakIt, message) => {
    const { dir, config } = await world();
    breakIt(join(dir, 'portal-token'));

    const check = await runCli(['check', '--config', config]);

    expect(check.code).toBe(78);
    expect(check.stderr).toMatch(message);
    expect(check.stderr).not.toContain(readState(dir).portal.token);
  });

  it('kill -9 during apply: the next run marks it interrupted and recovers', async () => {
    const { dir, config } = await world();
    recordPurchase(dir, { module: 'broadcast', until: '2027-12-31' });
    updateState(dir, (s) => {
      s.pbx.faults['sa activate'] = 'slow';
      s.pbx.slowSeconds = 30;
    });
    const child = spawn(process.execPath, [BIN, 'renew', '--yes', '--config', config], { stdio: 'ignore' });
    await waitFor(() => (readState(dir).pbx.calls['sa activate'] ?? 0) === 1);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    updateState(dir, (s) => void delete s.pbx.faults['sa activate']);
    const next = await runCli(['check', '--json', '--config', config]);

    const result = JSON.parse(next.stdout);
    expect(result.interruptedRuns).toHaveLength(1);
    expect(['up-to-date', 'applied']).toContain(result.outcome);
    const history = JSON.parse((await runCli(['history', '--json', '--config', config])).stdout);
    expect(history.runs.find((r: { id: number }) => r.id === result.interruptedRuns[0])).toMatchObject({ command: 'renew', outcome: 'interrupted' });
  });

  it('sandbox commands refuse bad input with exit 2', async () => {
    const { dir } = await world();

    expect((await runCli(['sandbox', 'fault', dir, 'meltdown'])).code).toBe(2);
    expect((await runCli(['sandbox', 'purchase', dir, '--module', 'broadcast', '--until', 'tomorrow'])).code).toBe(2);
    expect((await runCli(['sandbox', 'fault', dir, 'hang', '--fwconsole', 'sa reboot'])).code).toBe(2);
    expect((await runCli(['history', '--since', 'yesterday', '--config', join(dir, 'agent.json')])).code).toBe(2);
    expect((await runCli(['history', '--all', '--limit', '5', '--config', join(dir, 'agent.json')])).code).toBe(2);
  });

  it('history shows the newest events, says when older ones were left out, and --all shows every one', async () => {
    const { config } = await world();
    for (let i = 0; i < 2; i++) expect((await runCli(['check', '--dry-run', '--config', config])).code).toBe(0);

    const cut = await runCli(['history', '--limit', '2', '--config', config]);
    const cutJson = JSON.parse((await runCli(['history', '--limit', '2', '--json', '--config', config])).stdout);
    const all = JSON.parse((await runCli(['history', '--all', '--json', '--config', config])).stdout);
    const usual = JSON.parse((await runCli(['history', '--json', '--config', config])).stdout);

    expect(cut.stdout).toContain('Showing the newest 2 events; older ones match too (--limit N for more, --all for every one).');
    expect(cutJson).toMatchObject({ limit: 2, truncated: true });
    expect(cutJson.changes.length + cutJson.runs.length).toBe(2);
    expect(all).toMatchObject({ limit: null, truncated: false });
    expect(all.runs).toHaveLength(2);
    expect(usual).toMatchObject({ limit: 200, truncated: false, runs: all.runs, changes: all.changes });
  });
});

describe('npm run demo', () => {
  it('runs the whole story and exits 0', async () => {
    const { runProcess } = await import('../../src/process/run-process.js');

    const demo = await runProcess([process.execPath, 'dist/agent/demo.js'], { timeoutMs: 120_000, env: { ...process.env, NO_COLOR: '1' } });

    expect(demo.exitCode, demo.stderr).toBe(0);
    const [noPortal, portal] = demo.stdout.split('Part 2:');
    // First the real-world path: no portal, Update Activation is the renewal source.
    expect(noPortal).toMatch(/Outcome: applied[^\n]*\nRenewals from: Update Activation/);
    expect(noPortal).toMatch(/broadcast licence\s+\d{4}-\d\d-\d\d\s+\d{4}-\d\d-\d\d\s+renewed \(bought\)/);
    expect(noPortal).toMatch(/Alerts the operator received[^\n]*\n  PBX 63198234567: areminder licence EXPIRED 12 days ago/);
    // Renewed before the alerts were decided: no alert about broadcast.
    expect(noPortal!.split('Alerts the operator received')[1]!.split('== Status after')[0]).not.toContain('broadcast');
    // Then the portal contract.
    expect(portal).toMatch(/Outcome: applied[^\n]*\nRenewals from: the portal/);
    expect(portal).toMatch(/zulu licence\s+\d{4}-\d\d-\d\d\s+\d{4}-\d\d-\d\d\s+renewed/);
    expect(portal).toMatch(/Demo finished/);
  }, 120_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
