import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require-tool.js';
import { useTmpDirs } from '../helpers/tmp.js';

// The package itself (build, dpkg -i in a Debian 12 root, upgrade, remove, purge, the tarball's install.sh)
// is tested by scripts/test-package.sh, which .ci/run runs: it needs root, debootstrap and minutes.
const tmp = useTmpDirs();
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROGRAMS = ['/usr/bin/pbx-activation-agent', '/opt/pbx-activation-agent/libexec/apply.sh'];

/**
 * The units as the package installs them, with the programs they start pointed at executables in a
 * scratch directory: systemd-analyze checks that those exist.
 */
function systemdAnalyze(args: readonly string[], units: readonly string[]) {
  const dir = tmp();
  for (const program of PROGRAMS) {
    mkdirSync(join(dir, program, '..'), { recursive: true });
    writeFileSync(join(dir, program), '#!/bin/sh\n');
    chmodSync(join(dir, program), 0o755);
  }
  for (const unit of units) {
    const text = PROGRAMS.reduce((t, p) => t.replaceAll(p, join(dir, p)), readFileSync(join(REPO, 'systemd', unit), 'utf8'));
    writeFileSync(join(dir, unit), text);
  }
  return spawnSync(requireTool('systemd-analyze', 'systemd'), [...args], { cwd: dir, encoding: 'utf8' });
}

describe('the systemd units and the sudoers example', () => {
  it('the units pass systemd-analyze verify, and the service scores 3.0 or lower', () => {
    // --man=no: the man page the units name is installed by the package, not present here.
    const verify = systemdAnalyze(['verify', '--man=no', 'pbx-activation-agent.service', 'pbx-activation-agent-apply@activate-63198234567.service'], [
      'pbx-activation-agent.service',
      'pbx-activation-agent-apply@.service',
    ]);
    const security = systemdAnalyze(['security', '--offline=true', '--threshold=30', 'pbx-activation-agent.service'], ['pbx-activation-agent.service']);

    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout + verify.stderr).toBe('');
    // Stopping either unit, or the daemon dying, takes every process it started, setsid grandchildren included.
    for (const unit of ['pbx-activation-agent.service', 'pbx-activation-agent-apply@.service']) {
      const lines = readFileSync(join(REPO, 'systemd', unit), 'utf8').split('\n');
      expect(lines.filter((l) => l.startsWith('KillMode=')), unit).toEqual(['KillMode=control-group']);
    }
    expect(security.status, security.stdout + security.stderr).toBe(0);
    const score = Number(/Overall exposure level for pbx-activation-agent\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    expect(score).toBeLessThanOrEqual(3.0);
  });

  it('the sudoers drop-in validates (visudo -cf)', () => {
    const visudo = requireTool('visudo', 'sudo', ['/usr/sbin', '/sbin']);

    const result = spawnSync(visudo, ['-cf', join(REPO, 'systemd/sudoers.d/pbx-activation-agent')], { encoding: 'utf8' });

    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('parsed OK');
  });
});
