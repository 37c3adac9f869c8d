import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editConfig } from '../helpers/cycle.js';
import { faultWorld } from '../helpers/fault-world.js';
import { leakyFwconsole } from '../helpers/leaky-fwconsole.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

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
