import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require-tool.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PREFIX = '/opt/pbx-activation-agent';

function script(name: string, args: readonly string[]) {
  const result = spawnSync('bash', [join(REPO, 'systemd', name), ...args], { encoding: 'utf8', timeout: 300_000 });
  expect(result.status, `${name} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Every path under root with its type, mode and content hash (or link target): what "the same result" means. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const rel = path.slice(root.length);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${rel} link ${readlinkSync(path)}`);
      else if (st.isDirectory()) {
        out.push(`${rel} dir ${mode}`);
        walk(path);
      } else out.push(`${rel} file ${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}

function systemdAnalyze(root: string, args: readonly string[], units: readonly string[]) {
  // Units name PREFIX; point them at the scratch root's copy so verify finds the programs.
  const dir = join(tmp(), 'units');
  mkdirSync(dir);
  for (const unit of units) {
    writeFileSync(join(dir, unit), readFileSync(join(root, 'etc/systemd/system', unit), 'utf8').replaceAll(PREFIX, `${root}${PREFIX}`));
  }
  return spawnSync(requireTool('systemd-analyze', 'systemd'), [...args], { cwd: dir, encoding: 'utf8' });
}

describe('systemd/install.sh into a scratch root (--root)', () => {
  it('installs the same files twice in a row, keeps an edited config, and uninstall keeps data unless --purge', () => {
    const root = join(tmp(), 'root');

    script('install.sh', ['--root', root]);
    const first = snapshot(root);
    writeFileSync(join(root, 'etc/pbx-activation-agent/config.json'), '{ "schedule": { "check": "01:00-02:00" } }\n');
    const edited = snapshot(root);
    script('install.sh', ['--root', root]);
    const second = snapshot(root);

    expect(second).toEqual(edited);
    expect(first.filter((l) => !l.startsWith('/etc/pbx-activation-agent/config.json '))).toEqual(second.filter((l) => !l.startsWith('/etc/pbx-activation-agent/config.json ')));
    expect(second).toContain('/etc/pbx-activation-agent dir 750');
    expect(second).toContain('/var/lib/pbx-activation-agent dir 750');
    expect(second.find((l) => l.startsWith('/etc/pbx-activation-agent/portal-token '))).toMatch(/ file 600 /);
    expect(second).toContain(`/usr/local/bin/pbx-activation-agent link ${PREFIX}/bin/pbx-activation-agent`);
    expect(second).toContain('/etc/systemd/system/multi-user.target.wants/pbx-activation-agent.service link /etc/systemd/system/pbx-activation-agent.service');
    expect(second.some((l) => l.includes('/node_modules/vitest'))).toBe(false);
    const wrapper = readFileSync(join(root, PREFIX, 'bin/pbx-activation-agent'), 'utf8');
    expect(wrapper).toContain(`exec ${PREFIX}/runtime/bin/node ${PREFIX}/app/bin/pbx-activation-agent.js "$@"`);
    const version = spawnSync(join(root, PREFIX, 'runtime/bin/node'), [join(root, PREFIX, 'app/bin/pbx-activation-agent.js'), '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);

    script('uninstall.sh', ['--root', root]);
    const kept = snapshot(root);
    script('uninstall.sh', ['--root', root, '--purge']);
    const purged = snapshot(root);

    expect(kept.some((l) => l.startsWith(PREFIX))).toBe(false);
    expect(kept.some((l) => l.includes('pbx-activation-agent.service'))).toBe(false);
    expect(kept).toContain('/etc/pbx-activation-agent/config.json file 640 ' + createHash('sha256').update('{ "schedule": { "check": "01:00-02:00" } }\n').digest('hex'));
    expect(kept).toContain('/var/lib/pbx-activation-agent dir 750');
    expect(purged.some((l) => l.includes('pbx-activation-agent'))).toBe(false);
  }, 600_000);

  it('the installed units pass systemd-analyze verify, and the service scores 3.0 or lower', () => {
    const root = join(tmp(), 'root');
    script('install.sh', ['--root', root]);

    const verify = systemdAnalyze(root, ['verify', 'pbx-activation-agent.service', 'pbx-activation-agent-apply@activate-63198234567.service'], [
      'pbx-activation-agent.service',
      'pbx-activation-agent-apply@.service',
    ]);
    const security = systemdAnalyze(root, ['security', '--offline=true', '--threshold=30', 'pbx-activation-agent.service'], ['pbx-activation-agent.service']);

    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout + verify.stderr).toBe('');
    // Stopping either unit, or the daemon dying, takes every process it started, setsid grandchildren included.
    for (const unit of ['pbx-activation-agent.service', 'pbx-activation-agent-apply@.service']) {
      const lines = readFileSync(join(root, 'etc/systemd/system', unit), 'utf8').split('\n');
      expect(lines.filter((l) => l.startsWith('KillMode=')), unit).toEqual(['KillMode=control-group']);
    }
    expect(security.status, security.stdout + security.stderr).toBe(0);
    const score = Number(/Overall exposure level for pbx-activation-agent\.service: ([\d.]+)/.exec(security.stdout)?.[1]);
    expect(score).toBeLessThanOrEqual(3.0);
  }, 600_000);

  it('the sudoers drop-in validates (visudo -cf)', () => {
    const visudo = requireTool('visudo', 'sudo', ['/usr/sbin', '/sbin']);

    const result = spawnSync(visudo, ['-cf', join(REPO, 'systemd/sudoers.d/pbx-activation-agent')], { encoding: 'utf8' });

    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('parsed OK');
  });
});
