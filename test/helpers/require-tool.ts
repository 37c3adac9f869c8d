import { execFileSync } from 'node:child_process';

/**
 * Returns the absolute path of a tool a system test needs, or throws naming
 * the Debian package to install: a missing tool fails, it never skips.
 */
export function requireTool(name: string, debianPackage: string, searchPath: readonly string[] = []): string {
  for (const dir of searchPath) {
    try {
      execFileSync('test', ['-x', `${dir}/${name}`]);
      return `${dir}/${name}`;
    } catch {
      // keep looking
    }
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
  } catch {
    throw new Error(`${name} is not installed: apt-get install ${debianPackage} (.ci/run does this)`);
  }
}
