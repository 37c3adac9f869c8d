import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, unprivileged } from '../helpers/cli.js';
import { cycleWorld } from '../helpers/cycle.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';
import { requireTool } from '../helpers/require-tool.js';

const tmp = useTmpDirs();

interface DoctorJson {
  ok: boolean;
  checks: Array<{ id: string; status: string; detail: string; fix: string | null }>;
}

/** A sandbox that has been checked once, so a store exists. */
async function checkedSandbox() {
  const sb = makeSandbox(join(tmp(), 'sb'));
  const check = await runCli(['check', '--dry-run', '--config', sb.config]);
  expect(check.code, check.stderr).toBe(0);
  return sb;
}

/** PATH holding only what the sandbox needs (script for the TTY), so clock tools and systemctl are absent. */
function barePath(): string {
  const bin = join(tmp(), 'bin');
  mkdirSync(bin);
  symlinkSync(requireTool('script', 'bsdutils'), join(bin, 'script'));
  return bin;
}

async function doctor(config: string, options: { prefix?: readonly string[]; path?: string } = {}) {
  const result = await runCli(['doctor', '--json', '--config', config], { prefix: options.prefix, env: options.path ? { PATH: options.path } : {} });
  const report = JSON.parse(result.stdout) as DoctorJson;
  return { code: result.code, report, byId: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
}

describe('doctor', () => {
  it('passes a working sandbox; missing clock tools and systemd are warnings, not failures', async () => {
    const sb = await checkedSandbox();

    const { code, report, byId } = await doctor(sb.config, { path: barePath() });

    expect(code, JSON.stringify(report, null, 2)).toBe(0);
    expect(report.ok).toBe(true);
    expect(byId.fwconsole!.status).toBe('ok');
    expect(byId.deployment).toMatchObject({ status: 'ok', detail: 'deployment 63198234567, as configured' });
    expect(byId.store).toMatchObject({ status: 'ok' });
    expect(byId.store!.detail).toContain('integrity_check ok');
    expect(byId.clock).toMatchObject({ status: 'warn', detail: 'unknown: neither timedatectl nor chronyc could tell' });
    expect(byId.clock!.fix).toMatch(/chrony/);
    expect(byId.service!.status).toBe('warn');
    expect(byId.service!.detail).toMatch(/last run .* ago \(manual\): up-to-date/);
    expect(byId.signatures).toMatchObject({ status: 'ok', detail: '8 commercial modules, none unsigned' });
    expect(byId.unrecognised).toMatchObject({ status: 'ok' });
  });

  it('warns about unsigned commercial modules and unreadable statuses, and asks for a redacted capture', async () => {
    const sb = await checkedSandbox();
    sb.edit((s) => {
      s.pbx.modules.find((m) => m.name === 'cos')!.signature = 'Unsigned';
      const zulu = s.pbx.modules.find((m) => m.name === 'zulu')!;
      zulu.statusText = 'Включено';
      zulu.license = 'GPLv3+';
    });

    const { code, byId } = await doctor(sb.config, { path: barePath() });

    expect(code).toBe(0);
    expect(byId.signatures).toMatchObject({ status: 'warn', detail: 'commercial module without a valid signature: cos (Unsigned)' });
    expect(byId.unrecognised).toMatchObject({ status: 'warn', detail: "cannot tell whether zulu ('Включено') is enabled", fix: expect.stringContaining('pbx-activation-agent capture --redact') });
  });

  it('says the service is not installed, and how to install it, where systemd knows no such unit', async () => {
    const sb = await checkedSandbox();
    const bin = barePath();
    // What systemctl (systemd 252) answers for a unit it has no file for, exit status and all.
    writeFileSync(join(bin, 'systemctl'), '#!/bin/sh\necho "Failed to get unit file state for $2: No such file or directory" >&2\nexit 1\n', { mode: 0o755 });

    const { code, byId } = await doctor(sb.config, { path: bin });

    expect(code).toBe(4);
    expect(byId.service!.status).toBe('fail');
    expect(byId.service!.detail).toMatch(/^pbx-activation-agent\.service is not installed; last run .* ago \(manual\): up-to-date$/);
    expect(byId.service!.fix).toContain('apt install ./pbx-activation-agent_<version>_amd64.deb');
  });

  it('finds and explains a broken sandbox: fwconsole removed, store read-only (exit 4)', async () => {
    const sb = await checkedSandbox();
    rmSync(sb.fwconsole);
    chmodSync(sb.store, 0o444);
    // The tests run as root in CI: drop to nobody so the permissions apply; nobody must reach the files.
    for (let dir = sb.dir; dir !== '/'; dir = join(dir, '..')) chmodSync(dir, 0o755);
    chmodSync(sb.config, 0o644);

    const { code, byId } = await doctor(sb.config, { prefix: unprivileged() });

    expect(code).toBe(4);
    expect(byId.fwconsole!.status).toBe('fail');
    expect(byId.fwconsole!.detail).toContain(`fwconsole not found at ${sb.fwconsole}`);
    expect(byId.fwconsole!.fix).toMatch(/pbx\.fwconsole/);
    expect(byId.deployment!.status).toBe('fail');
    expect(byId.store).toMatchObject({ status: 'fail' });
    expect(byId.store!.detail).toContain('is not writable by this user');
    expect(byId.store!.fix).toMatch(/chown/);
  });

  it('checks the portal: reachable with the token accepted, then down, then refusing the token', async () => {
    const world = await cycleWorld(join(tmp(), 'w'));
    world.store.close();

    const up = await doctor(world.sandbox.config, { path: barePath() });
    await world.portal.close();
    const down = await doctor(world.sandbox.config, { path: barePath() });

    expect(up.byId.portal).toMatchObject({ status: 'ok', detail: expect.stringMatching(/answered in \d+ ms: token accepted, deployment 63198234567 has \d+ module/) });
    expect(down.code).toBe(4);
    expect(down.byId.portal).toMatchObject({ status: 'fail', detail: expect.stringMatching(/connection refused/) });
    expect(down.byId.portal!.fix).toMatch(/portal\.url/);
  });

  it('says a portal token file readable by others is the problem', async () => {
    const world = await cycleWorld(join(tmp(), 'w'));
    world.store.close();
    chmodSync(world.sandbox.tokenFile, 0o644);

    const { code, byId } = await doctor(world.sandbox.config, { path: barePath() });

    expect(code).toBe(4);
    expect(byId.portal).toMatchObject({ status: 'fail', detail: expect.stringMatching(/readable by group or others/) });
    expect(byId.portal!.fix).toContain(`chmod 600 ${world.sandbox.tokenFile}`);
  });

  it('says the apply step cannot run for a non-root user without sudo or the apply unit', async () => {
    const sb = await checkedSandbox();
    for (let dir = sb.dir; dir !== '/'; dir = join(dir, '..')) chmodSync(dir, 0o755);
    chmodSync(sb.config, 0o644);

    const { byId } = await doctor(sb.config, { prefix: unprivileged() });

    expect(byId.privilege!.status).toBe('fail');
    expect(byId.privilege!.detail).toMatch(/without pbx\.sudo or pbx\.applyUnit: ".*fwconsole sa activate 63198234567" needs root/);
    expect(byId.privilege!.fix).toMatch(/pbx\.applyUnit/);
  });

  it('prints one line per check with the fix under each problem', async () => {
    const sb = await checkedSandbox();
    rmSync(sb.fwconsole);

    const result = await runCli(['doctor', '--config', sb.config], { env: { PATH: barePath() } });

    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/^FAIL\s+fwconsole\s+fwconsole not found at .*\n\s+fix: Is this a FreePBX host\?/m);
    expect(result.stdout).toMatch(/^ok\s+store\s+/m);
    expect(result.stdout).toMatch(/check\(s\) failed/);
  });
});
