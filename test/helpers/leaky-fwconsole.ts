import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const pidFiles: string[] = [];
afterEach(() => {
  for (const file of pidFiles.splice(0)) for (const pid of strayPids(file)) killQuietly(pid);
});

/** Kills, after the test, every pid listed (one a line) in `file` by the processes under test. */
export function killListedAfterTest(file: string): void {
  pidFiles.push(file);
}

export interface LeakyFwconsole {
  /** The wrapper to put in pbx.fwconsole. */
  readonly path: string;
  /** Pids of the grandchildren it left so far (killed after the test). */
  strays(): number[];
}

/**
 * A fwconsole as a badly behaved PBX has it: it runs the sandbox's fwconsole,
 * and for the commands matching `pattern` (a sh `case` pattern over its
 * arguments, e.g. `"ma list"*`) leaves a `setsid sleep 120` behind holding
 * its stdout and stderr; with `hang`, it then hangs itself too.
 */
export function leakyFwconsole(dir: string, real: string, pattern: string, options: { hang?: boolean } = {}): LeakyFwconsole {
  const path = join(dir, 'leaky-fwconsole');
  const pidFile = join(dir, 'leaky-fwconsole.pids');
  killListedAfterTest(pidFile);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      'case "$*" in',
      `  ${pattern})`,
      `    ${JSON.stringify(real)} "$@"`,
      '    status=$?',
      `    setsid sleep 120 & echo $! >> ${JSON.stringify(pidFile)}`,
      options.hang ? '    sleep 3600' : '    :',
      '    exit $status ;;',
      `  *) exec ${JSON.stringify(real)} "$@" ;;`,
      'esac',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { path, strays: () => strayPids(pidFile) };
}

function strayPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
