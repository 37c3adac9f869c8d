import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { BIN, runCli } from '../helpers/cli.js';
import { cycleWorld, editConfig } from '../helpers/cycle.js';
import { useReceivers, type Receiver } from '../helpers/receiver.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const receiver = useReceivers();

/** A sandbox whose agent config sends alerts to the given channels; no Update Activation (renewals.source off): alerts come from what is recorded. */
function sandbox(channels: object[], alerts: object = {}): TestSandbox {
  const box = makeSandbox(join(tmp(), 's'));
  const config = JSON.parse(readFileSync(box.config, 'utf8')) as Record<string, unknown>;
  config.alerts = { channels, ...alerts };
  config.renewals = { source: 'off' };
  writeFileSync(box.config, JSON.stringify(config, null, 2));
  return box;
}

const check = (box: TestSandbox) => runCli(['check', '--config', box.config]);
const titles = (r: Receiver) => r.accepted().map((b) => String(b.title));
const fiveDays = (r: Receiver) => titles(r).filter((t) => t.includes('broadcast licence expires in 5 days'));

describe('alerts, as a user runs them in the sandbox', () => {
  it('ten checks: exactly one delivery for the module 5 days from expiry, and no message twice', async () => {
    const r = await receiver();
    const box = sandbox([{ type: 'webhook', url: r.url }]);

    const first = await check(box);
    for (let i = 0; i < 9; i++) await check(box);

    expect(first.code, first.stderr).toBe(0);
    expect(fiveDays(r)).toEqual([`PBX 63198234567: broadcast licence expires in 5 days (${addDays(calendarDate(new Date()), 5)})`]);
    expect(new Set(titles(r)).size).toBe(titles(r).length);
    expect(titles(r)).toEqual(
      expect.arrayContaining([expect.stringMatching(/areminder licence EXPIRED 12 days ago/), expect.stringMatching(/licensed commercial module disabled: cos/)]),
    );
  }, 60_000); // ten CLI runs: about 2 s each on a busy 2-core machine

  it('check --dry-run sends nothing', async () => {
    const r = await receiver();
    const box = sandbox([{ type: 'webhook', url: r.url }]);

    await runCli(['check', '--dry-run', '--config', box.config]);

    expect(r.requests).toEqual([]);
  });

  it('receiver down during a check and back later: the alert arrives exactly once; meanwhile alerts list shows why', async () => {
    const r = await receiver();
    const box = sandbox([{ type: 'webhook', url: r.url }], { retryAfter: '1s' });
    await r.stop();

    const down = await check(box);
    const listed = await runCli(['alerts', 'list', '--config', box.config]);
    const json = await runCli(['alerts', 'list', '--json', '--config', box.config]);
    await r.start();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await check(box);
    await check(box);

    expect(down.code).toBe(0);
    // The oldest alert was tried and failed; the channel then waits for its retry time instead of failing the rest one by one.
    expect(listed.stdout).toMatch(/failed\s+critical\s+PBX 63198234567: areminder licence EXPIRED 12 days ago/);
    expect(listed.stdout).toMatch(/#\d+ webhook: pending, 1 attempt, last error: webhook http:\/\/127\.0\.0\.1:\d+: connection refused/);
    const report = JSON.parse(json.stdout) as { alerts: Array<{ status: string; lastError: string | null }> };
    expect(report.alerts.map((a) => a.status)).toEqual([...report.alerts.slice(1).map(() => 'pending'), 'failed']);
    expect(`${listed.stdout}${json.stdout}${down.stderr}`).not.toContain('T0KEN');
    expect(fiveDays(r)).toHaveLength(1);
    expect(new Set(titles(r)).size).toBe(titles(r).length);
    expect(titles(r)).toHaveLength(report.alerts.length);
  });

  it('a renewal applied on the PBX (as sa activate after a purchase): one "renewed" message', async () => {
    const r = await receiver();
    const box = sandbox([{ type: 'webhook', url: r.url }]);
    await check(box);
    const renewed = addDays(calendarDate(new Date()), 370);

    box.edit((s) => void (s.pbx.licence.broadcast = renewed));
    for (let i = 0; i < 3; i++) await check(box);

    const renewals = titles(r).filter((t) => t.includes('renewed'));
    expect(renewals).toEqual([`PBX 63198234567: renewed: broadcast licence now expires ${renewed} (was ${addDays(calendarDate(new Date()), 5)})`]);
  });

  it('a purchase, then renew: exactly one "renewed" message', async () => {
    const r = await receiver();
    const world = await cycleWorld(join(tmp(), 'w'));
    world.store.close();
    editConfig(world.sandbox.config, (c) => void (c.alerts = { channels: [{ type: 'webhook', url: r.url }] }));
    await check(world.sandbox);
    const renewed = addDays(calendarDate(new Date()), 365);

    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: renewed });
    const renew = await runCli(['renew', '--yes', '--config', world.sandbox.config]);
    for (let i = 0; i < 2; i++) await check(world.sandbox);

    expect(renew.code, renew.stderr).toBe(0);
    // With a portal, maintenance is known too: licence and maintenance due together make one message.
    expect(titles(r).filter((t) => t.includes('expire in 5 days'))).toEqual([
      `PBX 63198234567: 2 items expire in 5 days (${addDays(calendarDate(new Date()), 5)}): broadcast licence, broadcast maintenance`,
    ]);
    expect(titles(r).filter((t) => t.includes('renewed'))).toEqual(['PBX 63198234567: 2 items renewed: broadcast licence, broadcast maintenance']);
    expect(new Set(titles(r)).size).toBe(titles(r).length);
  });

  it('alerts test: one line per channel, exit 4 when one failed, 0 when all worked', async () => {
    const r = await receiver();
    const dead = await receiver('/dead/T0KEN');
    await dead.stop();
    const dir = tmp();
    const hook = join(dir, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$ALERT_SUBJECT" >> ${dir}/hook.log\n`);
    chmodSync(hook, 0o755);
    const box = sandbox([
      { type: 'webhook', url: r.url },
      { type: 'slack', name: 'ops-slack', url: dead.url, timeout: '2s' },
      { type: 'command', command: [hook] },
    ]);

    const mixed = await runCli(['alerts', 'test', '--config', box.config]);
    await dead.start();
    const allOk = await runCli(['alerts', 'test', '--config', box.config]);

    expect(mixed.code).toBe(4);
    const lines = mixed.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ok {5}webhook: webhook http:\/\/127\.0\.0\.1:\d+ \(\d+ ms\)$/);
    expect(lines[1]).toMatch(/^FAILED ops-slack: slack http:\/\/127\.0\.0\.1:\d+ \(\d+ ms\): connection refused/);
    expect(lines[2]).toMatch(/^ok {5}command: command .*hook\.sh/);
    expect(mixed.stdout + mixed.stderr).not.toContain('T0KEN');
    expect(allOk.code).toBe(0);
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toMatch(/^pbx-activation-agent on .*: test message\n.*test message\n$/);
    expect(titles(r)).toHaveLength(2);
  });

  it('malformed addresses and URLs: exit 78 listing each, before anything runs', async () => {
    const box = sandbox([
      { type: 'email', to: ['ops@example'] },
      { type: 'email', to: ['not-an-address'] },
      { type: 'webhook', url: 'hooks.example.com/T0KEN' },
    ]);

    const result = await check(box);

    expect(result.code).toBe(78);
    expect(result.stderr).toContain('  - alerts.channels.1.to.0: is not an e-mail address');
    expect(result.stderr).toContain('  - alerts.channels.2.url: is not an http(s) URL');
    expect(result.stderr).not.toContain('T0KEN');
    expect(result.stderr).not.toMatch(/channels\.0/);
  });

  it('kill -9 in the middle of a delivery: after a restart every alert arrives exactly once, the interrupted one with its id', async () => {
    const r = await receiver();
    const box = sandbox([{ type: 'webhook', url: r.url, timeout: '60s' }]);
    r.mode = 'hang';

    const child = spawn(process.execPath, [BIN, 'check', '--config', box.config], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // A check (Node start, two fwconsole reads) before the first delivery: several seconds on a busy machine.
    await r.waitFor(1, 40_000);
    child.kill('SIGKILL');
    await exited;
    const interrupted = r.requests[0]!.headers['idempotency-key'];
    r.mode = 'ok';
    const restarted = await runCli(['alerts', 'run', '--config', box.config]);
    const again = await runCli(['alerts', 'run', '--config', box.config]);
    const list = JSON.parse((await runCli(['alerts', 'list', '--json', '--config', box.config])).stdout) as { alerts: Array<{ status: string; uid: string }> };

    expect(restarted.code, restarted.stderr).toBe(0);
    expect(again.code).toBe(0);
    const accepted = r.requests.filter((q) => q.accepted).map((q) => q.headers['idempotency-key']);
    expect(accepted).toHaveLength(list.alerts.length);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(accepted).toContain(interrupted);
    expect(list.alerts.every((a) => a.status === 'delivered')).toBe(true);
    expect(restarted.stderr).toMatch(/a delivery was interrupted; trying it again/);
  }, 60_000); // a check and three CLI runs
});
