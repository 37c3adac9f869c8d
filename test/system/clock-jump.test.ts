import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { META } from '../../src/store/meta-keys.js';
import { Store } from '../../src/store/store.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { runCli } from '../helpers/cli.js';
import { cycleWorld, editConfig, type CycleWorld } from '../helpers/cycle.js';
import { requireTool } from '../helpers/require-tool.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * A clock that jumped: the real CLI and daemon run under libfaketime (Debian
 * package faketime), years ahead, then with the right clock again. Nothing
 * recorded while the clock ran ahead may keep a health alert quiet or hold
 * the checks back.
 */
const tmp = useTmpDirs();
const running: AgentProcess[] = [];
afterEach(() => {
  for (const agent of running.splice(0)) agent.child.kill('SIGKILL');
});

requireTool('faketime', 'faketime');
const LIB = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']
  .map((dir) => join(dir, 'faketime', 'libfaketime.so.1'))
  .find((path) => existsSync(path));

/** The environment of a process whose clock is `offset` (faketime syntax: "+1825d", "-3d") off; timers keep real time. */
function shifted(offset: string): NodeJS.ProcessEnv {
  if (!LIB) throw new Error('libfaketime.so.1 not found: apt-get install faketime (.ci/run does this)');
  return { LD_PRELOAD: LIB, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' };
}

async function world(): Promise<{ w: CycleWorld; alertLog: string; channelDown: string }> {
  const w = await cycleWorld(join(tmp(), 'w'));
  w.store.close();
  const alertLog = join(w.sandbox.dir, 'alerts.log');
  const channelDown = join(w.sandbox.dir, 'channel-down');
  // A command channel that fails while `channel-down` exists, else appends the alert's kind to a log.
  writeFileSync(join(w.sandbox.dir, 'hook.sh'), `#!/bin/sh\n[ -e ${channelDown} ] && exit 1\necho "$ALERT_KIND" >> ${alertLog}\n`, { mode: 0o755 });
  editConfig(w.sandbox.config, (c) => {
    c.alerts = { channels: [{ type: 'command', command: [join(w.sandbox.dir, 'hook.sh')] }] };
    c.schedule = { check: '0 3 * * *', retryMin: '1h', retryMax: '6h' };
  });
  return { w, alertLog, channelDown };
}

const alerts = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

describe('a clock that ran years ahead, then was put right', () => {
  it('the dead-man fires and is delivered, and status and history flag what was recorded in the future', async () => {
    const { w, alertLog, channelDown } = await world();
    const config = w.sandbox.config;

    // Three days ago, a good check; then one with the clock five years ahead, while the alert channel was down.
    expect((await runCli(['check', '--config', config], { env: shifted('-3d') })).code).toBe(0);
    writeFileSync(channelDown, '');
    const ahead = await runCli(['check', '--json', '--config', config], { env: shifted('+1825d') });
    rmSync(channelDown);
    const written = Store.open(w.sandbox.store, { readonly: true });
    const channelRetryAt = written.outbox.channelStates()[0]?.retryAt ?? null;
    written.close();
    // The clock is right again, and the PBX cannot be read.
    w.sandbox.edit((s) => void (s.pbx.faults['sa info'] = 'exit-1'));
    const failing = await runCli(['check', '--config', config]);
    const run = await runCli(['alerts', 'run', '--json', '--config', config]);
    const status = await runCli(['status', '--config', config]);
    const history = await runCli(['history', '--json', '--config', config]);
    const historyText = await runCli(['history', '--config', config]);

    expect(ahead.code, ahead.stderr).toBe(0);
    expect(failing.code).toBe(5);
    expect(run.code, run.stderr).toBe(0);
    // The failed delivery left the channel backing off until five years from now: that must not hold the alerts back.
    expect(Date.parse(channelRetryAt!) - Date.now()).toBeGreaterThan(4 * 365 * 86_400_000);
    expect(alerts(alertLog)).toContain('dead-man');
    expect(status.stdout).toMatch(/^! last run 203\d-\S+, last successful check 203\d-\S+, last seen 203\d-\S+: recorded in the future: clock was wrong\?$/m);
    expect(JSON.parse(history.stdout).recordedInFuture).toBeGreaterThanOrEqual(1);
    expect(historyText.stdout).toMatch(/^203\d-.*run \d+: check \(manual\) -> up-to-date \(recorded in the future: clock was wrong\?\)$/m);
  });

  it('a daemon started with the right clock checks at once, whatever backoff a daemon with the clock ahead stored', async () => {
    const { w } = await world();
    w.sandbox.edit((s) => void (s.pbx.faults['sa info'] = 'exit-1'));
    const aheadDaemon = startAgent(['run', '--config', w.sandbox.config], shifted('+1825d'));
    running.push(aheadDaemon);
    await aheadDaemon.waitFor((l) => l.msg === 'check did not succeed; retrying later', 60_000);
    aheadDaemon.child.kill('SIGTERM');
    await aheadDaemon.exited();
    const store = Store.open(w.sandbox.store, { readonly: true });
    const backoffUntil = store.getMeta(META.backoffUntil)!;
    store.close();
    w.sandbox.edit((s) => void delete s.pbx.faults['sa info']);

    const daemon = startAgent(['run', '--config', w.sandbox.config]);
    running.push(daemon);
    const finished = await daemon.waitFor((l) => l.msg === 'check finished', 60_000);
    daemon.child.kill('SIGTERM');

    expect(Date.parse(backoffUntil) - Date.now()).toBeGreaterThan(4 * 365 * 86_400_000);
    expect(finished.outcome).toBe('up-to-date');
    expect(await daemon.exited()).toBe(0);
    expect(readdirSync(w.sandbox.dir)).toContain('agent.db');
  });
});
