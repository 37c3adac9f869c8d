import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { quoteArgv, SpawnError, wrapArgv } from '../../src/pbx/shell.js';
import { isAlive } from '../helpers/process.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const shell = new LocalShell();

describe('LocalShell', () => {
  it('runs an argv array without a shell: metacharacters stay literal', async () => {
    const result = await shell.exec(['printf', '%s|', 'a b', '$(id)', ';rm -rf /', "'q'"], { timeoutMs: 5000 });

    expect(result.stdout).toBe("a b|$(id)|;rm -rf /|'q'|");
    expect(result.exitCode).toBe(0);
  });

  it('reports exit status and stderr', async () => {
    const result = await shell.exec(['sh', '-c', 'echo oops >&2; exit 3'], { timeoutMs: 5000 });

    expect(result).toMatchObject({ exitCode: 3, stderr: 'oops\n', timedOut: false });
  });

  it('kills the whole process group on timeout, children included', async () => {
    const dir = tmp();
    const pidFile = join(dir, 'child.pid');
    const started = Date.now();

    const result = await shell.exec(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 300 });

    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(child)).toBe(false);
  });

  it('stops a command when its abort signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);

    const result = await shell.exec(['sleep', '30'], { timeoutMs: 30_000, signal: controller.signal });

    expect(result.aborted).toBe(true);
    expect(result.durationMs).toBeLessThan(5000);
  });

  it('gives a pseudo-terminal when asked, as script -qc does', async () => {
    const withTty = await shell.exec(['sh', '-c', 'test -t 1 && echo tty || echo pipe'], { timeoutMs: 5000, tty: true });
    const without = await shell.exec(['sh', '-c', 'test -t 1 && echo tty || echo pipe'], { timeoutMs: 5000 });

    expect(withTty.stdout.trim()).toBe('tty');
    expect(without.stdout.trim()).toBe('pipe');
  });

  it('keeps the exit status through the pseudo-terminal wrapper', async () => {
    const result = await shell.exec(['sh', '-c', 'exit 7'], { timeoutMs: 5000, tty: true });

    expect(result.exitCode).toBe(7);
  });

  it('raises SpawnError for a program that does not exist', async () => {
    await expect(shell.exec(['/nonexistent/fwconsole'], { timeoutMs: 5000 })).rejects.toBeInstanceOf(SpawnError);
  });

  it('reads files and says null for missing ones', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pbxid'), '631\n');

    expect(await shell.readFile(join(dir, 'pbxid'))).toBe('631\n');
    expect(await shell.readFile(join(dir, 'missing'))).toBeNull();
    expect(await shell.listDir(dir)).toEqual(['pbxid']);
    expect(await shell.listDir(join(dir, 'missing'))).toBeNull();
  });
});

describe('wrapArgv', () => {
  it('puts sudo -n inside the pseudo-terminal wrapper, quoting every argument', () => {
    expect(wrapArgv(['/usr/sbin/fwconsole', 'sa', 'activate', '631'], { sudo: true })).toEqual([
      'sudo',
      '-n',
      '--',
      '/usr/sbin/fwconsole',
      'sa',
      'activate',
      '631',
    ]);
    expect(wrapArgv(['/usr/sbin/fwconsole', 'sa', 'info'], { tty: true, sudo: true })).toEqual([
      'script',
      '-q',
      '-e',
      '-c',
      'sudo -n -- /usr/sbin/fwconsole sa info',
      '/dev/null',
    ]);
  });

  it('quotes hostile arguments so a shell sees them as one literal word', async () => {
    const hostile = ["it's", '$(touch /tmp/pwned)', '`id`', 'a;b', 'new\nline'];
    const result = await shell.exec(['sh', '-c', `printf '%s|' ${quoteArgv(hostile)}`], { timeoutMs: 5000 });

    expect(result.stdout).toBe(`${hostile.join('|')}|`);
  });
});
