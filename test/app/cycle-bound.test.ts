import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCycle } from '../../src/app/cycle.js';
import { configCycleBoundMs, cycleBoundMs } from '../../src/app/cycle-bound.js';
import { deadline } from '../../src/clock/deadline.js';
import { parseConfig } from '../../src/config/load.js';
import { processBoundMs } from '../../src/process/run-process.js';
import { cycleWorld } from '../helpers/cycle.js';
import { leakyFwconsole } from '../helpers/leaky-fwconsole.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

describe('the whole-cycle limit', () => {
  it('is the sum of the steps, each at its own limit', () => {
    const settings = { readTimeoutMs: 120_000, apply: { applyTimeoutMs: 600_000, settleDelayMs: 15_000, settleTimeoutMs: 180_000 }, portal: null, waitMs: 0, pollEveryMs: 0 };
    const withPortal = { ...settings, portal: { retries: 3, timeoutMs: 30_000, retryMaxMs: 60_000 } };
    const waiting = { ...withPortal, waitMs: 1_800_000, pollEveryMs: 30_000 };

    const read = processBoundMs(120_000);
    const apply = 2 * (processBoundMs(600_000) + 15_000 + 180_000 + read + 5000) + 15_000;
    const portal = 4 * 30_000 + 3 * 60_000 + 1000;

    expect(cycleBoundMs(settings)).toBe(2 * read + apply + 2 * processBoundMs(3000) + 60_000);
    expect(cycleBoundMs(withPortal) - cycleBoundMs(settings)).toBe(portal);
    // renew --wait: the last poll, or the last Update Activation (the activation source repeats it), may start just before the end.
    expect(cycleBoundMs(waiting) - cycleBoundMs(withPortal)).toBe(read + 1_800_000 + 30_000 + Math.max(portal, apply));
    // The defaults: some 42 minutes, far beyond a healthy cycle, far below "for ever".
    expect(configCycleBoundMs(parseConfig('{"portal": {"url": "https://p.example/api", "tokenFile": "/t"}}', '/etc/x.json'))).toBe(cycleBoundMs(withPortal));
  });

  it('stops a stuck cycle when it runs out: the run interrupted saying why, the command killed, the lease given back', async () => {
    const world = await cycleWorld(tmp());
    const leaky = leakyFwconsole(world.sandbox.dir, world.sandbox.fwconsole, '"ma list"*', { hang: true });
    const stuck = world.reconfigure((c) => {
      c.pbx.fwconsole = leaky.path;
      c.pbx.readTimeout = '10m';
    });
    // The limit starts once fwconsole ma list hangs with its grandchild out (reads before it take a while here).
    const stop = new AbortController();
    let started = 0;
    const watch = setInterval(() => {
      if (leaky.strays().length === 0) return;
      clearInterval(watch);
      started = Date.now();
      const limit = deadline(1000);
      limit.signal.addEventListener('abort', () => stop.abort(limit.signal.reason), { once: true });
    }, 50);

    const result = await runCycle(stuck.deps, stuck.settings, { trigger: 'manual', command: 'check', dryRun: false, signal: stop.signal });

    expect(Date.now() - started).toBeLessThan(1000 + 2000 + 1000 + 2000);
    expect(result.outcome).toBe('unreachable');
    expect(result.error?.message).toMatch(/fwconsole ma list was stopped because it ran past its time limit of 1s; pid \d+ \(sleep\) still held its output/);
    expect(world.store.runs.get(result.runId)).toMatchObject({ outcome: 'interrupted', error: expect.stringMatching(/^stopped: it ran past its time limit of 1s/) });
    expect(world.store.leases.get('cycle:local')).toBeNull();
  });
});
