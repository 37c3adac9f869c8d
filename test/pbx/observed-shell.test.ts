import { describe, expect, it } from 'vitest';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { ObservedShell } from '../../src/pbx/observed-shell.js';

describe('ObservedShell', () => {
  it('reports each command by its subcommand with how long it took, and passes the result on', async () => {
    const calls: Array<[string, number]> = [];
    const shell = new ObservedShell(new LocalShell(), { onExec: (command, ms) => calls.push([command, ms]) });

    const result = await shell.exec(['echo', 'sa', '--no-ansi', 'info', 'extra'], { timeoutMs: 5000 });

    expect(result.stdout).toBe('sa --no-ansi info extra\n');
    expect(calls).toEqual([['sa info', result.durationMs]]);
  });
});
