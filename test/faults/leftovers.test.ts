import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { editConfig } from '../helpers/cycle.js';
import { faultWorld, sleep } from '../helpers/fault-world.js';
import { leakyFwconsole } from '../helpers/leaky-fwconsole.js';
import { isAlive } from '../helpers/process.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const daemons: AgentProcess[] = [];
afterEach(() => {
  for (const d of daemons.splice(0)) d.child.kill('SIGKILL');
});

/**
 * fwconsole hangs AND leaves a `setsid sleep 120` holding its output (outside
 * its process group, so killing the group does not reach it). Before, `check`
 * waited the 120 s for the grandchild while holding the lease; now a read ends
 * at pbx.readTimeout (3 s here) plus the kill grace and the drain grace.
 */
describe('a hanging fwconsole that leaves a setsid grandchild holding its output', () => {
  it.each([
    ['ma list (no terminal)', '"ma list"*'],
    ['sa info (under script, pbx.tty)', '"sa info"*'],
  ])('%s: check ends at its timeout (exit 5), names the leftover, releases the lease', async (_what, pattern) => {
    const world = await faultWorld(join(tmp(), 's'));
    expect((await world.cli(['check'])).code).toBe(0);
    const leaky = leakyFwconsole(world.dir, world.sandbox.fwconsole, pattern, { hang: true });
    editConfig(world.config, (c) => {
      c.pbx.fwconsole = leaky.path;
      c.pbx.readTimeout = '3s';
    });
    const before = world.inspect((s) => s.expiries.items());
    const started = Date.now();

    const check = await world.cli(['check', '--json'], { timeoutMs: 90_000 });
    const elapsed = Date.now() - started;

    expect(check.code, check.stderr).toBe(5);
    // 3 s read timeout + 2 s kill grace (0.2 s under script) + 1 s drain grace + the CLI's own start.
    expect(elapsed).toBeLessThan(20_000);
    const result = JSON.parse(check.stdout) as { outcome: string; runId: number; error: { message: string } };
    expect(result.outcome).toBe('unreachable');
    expect(result.error.message).toMatch(/did not finish within 3s and was stopped/);
    if (pattern.includes('ma list')) expect(result.error.message).toContain(`pid ${leaky.strays()[0]} (sleep) still held its output`);
    expect(world.inspect((s) => s.leases.get('cycle:local'))).toBeNull();
    expect(world.inspect((s) => s.runs.get(result.runId))).toMatchObject({ outcome: 'unreachable', endedAt: expect.any(String) });
    expect(world.inspect((s) => s.expiries.items())).toEqual(before);
  });
});

describe('kill -9 of the daemon while its check is stuck so', () => {
  it('the check hears of it at once: kills fwconsole, records the run interrupted, gives the lease back, exits within seconds', async () => {
    const world = await faultWorld(join(tmp(), 's'));
    const leaky = leakyFwconsole(world.dir, world.sandbox.fwconsole, '"ma list"*', { hang: true });
    editConfig(world.config, (c) => {
      c.pbx.fwconsole = leaky.path;
      c.pbx.readTimeout = '10m';
      c.schedule = { check: '*/2 * * * * *' };
    });
    const daemon = startAgent(['run', '--config', world.config]);
    daemons.push(daemon);
    await waitFor(() => leaky.strays().length > 0, 60_000);
    const holder = world.inspect((s) => s.leases.get('cycle:local'));
    expect(holder).not.toBeNull();
    const check = holder!.pid;

    daemon.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => !isAlive(check), 30_000);
    const exitedAfter = Date.now() - killedAt;

    // SIGTERM to fwconsole's group, SIGKILL 2 s later (4 s for a daemon's check), the drain grace, recording.
    expect(exitedAfter).toBeLessThan(10_000);
    const run = world.inspect((s) => s.runs.list().find((r) => r.pid === check));
    expect(run).toMatchObject({ outcome: 'interrupted', endedAt: expect.any(String), error: expect.stringMatching(/^stopped by the service before it finished/) });
    expect(world.inspect((s) => s.leases.get('cycle:local'))).toBeNull();
    // Nothing of the check is left but the setsid grandchild, which was never ours to kill.
    expect(processesMentioning(world.dir)).toEqual([]);
    expect(isAlive(leaky.strays()[0]!)).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

/** Live processes whose command line mentions the directory. */
function processesMentioning(dir: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && isAlive(Number(p)))
    .flatMap((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmd.includes(dir) ? [cmd] : [];
      } catch {
        return [];
      }
    });
}
