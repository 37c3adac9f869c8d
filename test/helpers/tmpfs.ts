import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * A small tmpfs of its own per call, unmounted after the test: a file system
 * the test can fill up. Mounting needs root (CI runs as root); without it the
 * test fails saying so, it never skips.
 */
export function useTmpfs(): (size: string) => string {
  const mounted: string[] = [];
  afterEach(() => {
    for (const dir of mounted.splice(0)) {
      // Lazy: a process a failed test left behind may still hold a file there.
      execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return (size) => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-agent-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const said = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err);
      throw new Error(`cannot mount a tmpfs for the disk-full tests (${said}): they need root (CI runs .ci/run as root) and a kernel that allows mount here`);
    }
    mounted.push(dir);
    return dir;
  };
}

/** Writes a filler file until the file system has no block left; returns its path (delete it to free the space). */
export function fillUp(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'a');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}
