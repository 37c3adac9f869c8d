import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { DRAIN_GRACE_MS, MAX_OUTPUT_BYTES, runProcess } from '../../src/process/run-process.js';
import { isAlive } from '../helpers/process.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/** Processes a test left on purpose (setsid grandchildren): killed by pid after it. */
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

/**
 * `sh -c SCRIPT` where SCRIPT starts `setsid sleep 60` holding our stdout and writes its pid to a file.
 * It lives a moment before it goes on, as fwconsole (PHP) does: its output descriptors are read just
 * after it starts, to tell later who holds them.
 */
function leavesGrandchild(dir: string, then: string): { argv: string[]; pid: () => number } {
  const pidFile = join(dir, 'grandchild.pid');
  return {
    argv: ['sh', '-c', `sleep 0.1; echo "Deployment ID: 631"; setsid sleep 60 & echo $! > ${pidFile}; ${then}`],
    pid: () => {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      strays.push(pid);
      return pid;
    },
  };
}

describe('runProcess: every wait ends', () => {
  it('returns soon after the command exits, though a setsid grandchild still holds its output, and names it', async () => {
    const cmd = leavesGrandchild(tmp(), 'exit 0');
    const started = Date.now();

    const result = await runProcess(cmd.argv, { timeoutMs: 30_000 });

    const grandchild = cmd.pid();
    expect(Date.now() - started).toBeLessThan(DRAIN_GRACE_MS + 2000);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'Deployment ID: 631\n' });
    expect(result.leftovers).toEqual([`pid ${grandchild} (sleep)`]);
    expect(isAlive(grandchild)).toBe(true); // outside the process group: named, not killed
  });

  it('ends at its timeout when the command hangs and a setsid grandchild holds its output', async () => {
    const cmd = leavesGrandchild(tmp(), 'sleep 60');
    const started = Date.now();

    const result = await runProcess(cmd.argv, { timeoutMs: 500, killGraceMs: 300 });

    const grandchild = cmd.pid();
    expect(Date.now() - started).toBeLessThan(500 + 300 + DRAIN_GRACE_MS + 2000);
    expect(result.timedOut).toBe(true);
    expect(result.stdout).toBe('Deployment ID: 631\n');
    expect(result.leftovers).toEqual([`pid ${grandchild} (sleep)`]);
  });

  it('kills a leftover that stayed in the process group', async () => {
    const pidFile = join(tmp(), 'helper.pid');

    const result = await runProcess(['sh', '-c', `sleep 0.1; sleep 60 & echo $! > ${pidFile}; exit 0`], { timeoutMs: 30_000 });

    const helper = Number(readFileSync(pidFile, 'utf8'));
    strays.push(helper);
    expect(result.leftovers).toEqual([`pid ${helper} (sleep)`]);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(helper)).toBe(false);
  });

  it('returns under a pseudo-terminal (script) too', async () => {
    const cmd = leavesGrandchild(tmp(), 'exit 0');
    const started = Date.now();

    const result = await new LocalShell().exec(cmd.argv, { timeoutMs: 30_000, tty: true });

    cmd.pid();
    expect(Date.now() - started).toBeLessThan(DRAIN_GRACE_MS + 2000);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Deployment ID: 631/);
  });

  it('still returns, saying it cannot name the holder, when the command exits before it could be looked at', async () => {
    const pidFile = join(tmp(), 'grandchild.pid');

    const result = await runProcess(['sh', '-c', `setsid sleep 60 & echo $! > ${pidFile}; exit 0`], { timeoutMs: 30_000 });

    strays.push(Number(readFileSync(pidFile, 'utf8')));
    expect(result.exitCode).toBe(0);
    expect(result.leftovers?.length).toBe(1);
  });

  it('says when the output was cut at the limit', async () => {
    const big = await runProcess(['head', '-c', String(MAX_OUTPUT_BYTES + 10), '/dev/zero'], { timeoutMs: 10_000 });
    const exact = await runProcess(['head', '-c', String(MAX_OUTPUT_BYTES), '/dev/zero'], { timeoutMs: 10_000 });

    expect(big.truncated).toBe(true);
    expect(big.stdout.length).toBe(MAX_OUTPUT_BYTES);
    expect(exact.truncated).toBe(false);
  });
});
