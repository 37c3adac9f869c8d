import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cycleWorld, editConfig } from '../helpers/cycle.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/**
 * A read the agent could not take in completely is no data. Here `sa info`
 * prints more than the 4 MiB read limit (blank lines in the middle), so its
 * last licences fall past the cut: once they were recorded as gone and
 * vanished from status and alerts; now the read is unreachable, the raw
 * output is saved, and nothing recorded changes.
 */
describe('output past the read limit', () => {
  it('a licence past the cut is not recorded as gone: unreachable (exit 5), raw output saved, items unchanged', async () => {
    const world = await cycleWorld(join(tmp(), 's'));
    world.store.close();
    const config = world.sandbox.config;
    expect((await runCli(['check', '--config', config])).code).toBe(0);
    const items = async () => (JSON.parse((await runCli(['status', '--json', '--config', config])).stdout) as { deployments: Array<{ items: Array<{ item: string; expiry: string }> }> }).deployments[0]!.items;
    const before = await items();
    expect(before.map((i) => i.item)).toContain('license:zulu');
    const padded = join(world.sandbox.dir, 'padded-fwconsole');
    writeFileSync(
      padded,
      [
        '#!/bin/sh',
        'case "$*" in',
        '  "sa info"*)',
        `    out=$(${JSON.stringify(world.sandbox.fwconsole)} "$@") || exit $?`,
        '    printf "%s\\n" "$out" | head -n 12',
        "    head -c 4300000 /dev/zero | tr '\\0' '\\n'",
        '    printf "%s\\n" "$out" | tail -n +13 ;;',
        `  *) exec ${JSON.stringify(world.sandbox.fwconsole)} "$@" ;;`,
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // No pseudo-terminal: the wrapper captures fwconsole's output before printing it, and 4 MiB through a pty is slow.
    editConfig(config, (c) => {
      c.pbx.fwconsole = padded;
      c.pbx.tty = false;
    });
    world.sandbox.edit((s) => void (s.pbx.requireTty = false));

    const check = await runCli(['check', '--json', '--config', config]);

    expect(check.code, check.stderr).toBe(5);
    const result = JSON.parse(check.stdout) as { outcome: string; error: { message: string; hint: string } };
    expect(result.outcome).toBe('unreachable');
    expect(result.error.message).toMatch(/fwconsole sa info could not be read completely: it printed more than 4 MiB; the output was cut there/);
    expect(result.error.hint).toMatch(/Nothing was recorded from it\. The raw output is saved in /);
    expect(readdirSync(join(dirname(world.sandbox.store), 'unrecognised')).some((f) => f.endsWith('sa-info.txt'))).toBe(true);
    expect(await items()).toEqual(before);
  }, 60_000);
});
