import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cycleWorld, editConfig } from '../helpers/cycle.js';
import { killListedAfterTest, leakyFwconsole } from '../helpers/leaky-fwconsole.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/**
 * fwconsole (or anything it starts) leaving a `setsid` grandchild that holds
 * its output: the agent stops waiting once the command has exited, names the
 * leftover, and gives the lease back. Before, `check` waited for the
 * grandchild (here 120 s) while holding the lease. The hang cases (fwconsole
 * itself stuck too) are in test/faults/leftovers.test.ts.
 */
describe('processes a command leaves behind', () => {
  it('check returns soon after fwconsole ma list exits, names the leftover, and releases the lease', async () => {
    const world = await cycleWorld(join(tmp(), 's'));
    world.store.close();
    const leaky = leakyFwconsole(world.sandbox.dir, world.sandbox.fwconsole, '"ma list"*');
    editConfig(world.sandbox.config, (c) => void (c.pbx.fwconsole = leaky.path));
    const started = Date.now();

    const check = await runCli(['check', '--json', '--config', world.sandbox.config], { timeoutMs: 30_000 });
    const elapsed = Date.now() - started;
    const again = await runCli(['check', '--json', '--config', world.sandbox.config], { timeoutMs: 30_000 });

    expect(check.code, check.stderr).toBe(0);
    expect(elapsed).toBeLessThan(20_000);
    const [stray] = leaky.strays();
    const result = JSON.parse(check.stdout) as { outcome: string; warnings: string[] };
    expect(result.outcome).toBe('up-to-date');
    expect(result.warnings).toContainEqual(expect.stringMatching(new RegExp(`fwconsole ma list left pid ${stray} \\(sleep\\) holding its output`)));
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);

  it('an alert command that leaves a grandchild holding its output is not waited for', async () => {
    const world = await cycleWorld(join(tmp(), 's'));
    world.store.close();
    const pidFile = join(world.sandbox.dir, 'hook.pids');
    const hook = join(world.sandbox.dir, 'hook');
    writeFileSync(hook, `#!/bin/sh\nsleep 0.1\nsetsid sleep 120 & echo $! >> ${pidFile}\nexit 0\n`, { mode: 0o755 });
    killListedAfterTest(pidFile);
    editConfig(world.sandbox.config, (c) => void (c.alerts = { channels: [{ type: 'command', name: 'hook', command: [hook], timeout: '60s' }] }));
    const started = Date.now();

    const test = await runCli(['alerts', 'test', '--config', world.sandbox.config], { timeoutMs: 30_000 });

    expect(test.code, test.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
