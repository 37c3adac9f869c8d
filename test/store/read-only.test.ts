import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, unprivileged } from '../helpers/cli.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * An operator who may read the service's store but not write its directory
 * (tests run as root: setpriv drops to nobody). SQLite's WAL index (-shm)
 * cannot be created there; reading must work anyway.
 */
const tmp = useTmpDirs();
const asNobody = unprivileged();

async function readableSandbox(): Promise<TestSandbox> {
  const sb = makeSandbox(join(tmp(), 'sb'));
  const check = await runCli(['check', '--dry-run', '--config', sb.config]);
  expect(check.code, check.stderr).toBe(0);
  for (let dir = sb.dir; dir !== '/'; dir = dirname(dir)) chmodSync(dir, 0o755);
  for (const f of readdirSync(sb.dir)) if (f !== 'bin' && f !== 'etc') chmodSync(join(sb.dir, f), 0o644);
  return sb;
}

describe('reading a store in a directory this user cannot write', () => {
  it('runs as root, so that setpriv can drop to an unprivileged user (else the tests below prove nothing)', () => {
    expect(process.getuid?.()).toBe(0);
  });

  it('status, history, alerts list and fleet status work read-only when no agent has it open', async () => {
    const sb = await readableSandbox();
    expect(existsSync(`${sb.store}-shm`)).toBe(false);

    const results = await Promise.all(
      [['status'], ['history'], ['alerts', 'list'], ['fleet', 'status']].map((command) => runCli([...command, '--config', sb.config], { prefix: asNobody })),
    );

    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/SQLITE_/);
    }
    const [status, history] = results;
    expect(status!.stdout).toContain('Deployment 63198234567');
    expect(history!.stdout).toMatch(/zulu licence: first seen: 2027-01-29/);
    expect(existsSync(`${sb.store}-shm`)).toBe(false);
  });

  it('status works while an agent holds the store open (its WAL index is there, read-only for us)', async () => {
    const sb = await readableSandbox();
    const holder = spawn(process.execPath, [
      '-e',
      `const D=require('better-sqlite3');const d=new D(${JSON.stringify(sb.store)});d.pragma('journal_mode = WAL');d.exec("INSERT OR REPLACE INTO meta VALUES ('held','1')");console.log('open');setTimeout(()=>{},60000)`,
    ]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));

    const status = await runCli(['status', '--json', '--config', sb.config], { prefix: asNobody });
    holder.kill('SIGKILL');

    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).deployments[0].deploymentId).toBe('63198234567');
  });

  it('says what to do, without a SQLite code, when an agent died leaving changes only in its -wal', async () => {
    const sb = await readableSandbox();
    spawnSync(process.execPath, [
      '-e',
      `const D=require('better-sqlite3');const d=new D(${JSON.stringify(sb.store)});d.pragma('journal_mode = WAL');d.exec("INSERT OR REPLACE INTO meta VALUES ('late','1')");process.kill(process.pid,'SIGKILL')`,
    ]);
    rmSync(`${sb.store}-shm`, { force: true });

    const status = await runCli(['status', '--config', sb.config], { prefix: asNobody });

    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`cannot read the store ${sb.store} as this user: an agent is writing it (or stopped before its last changes were folded in)`);
    expect(status.stderr).toContain("Run the command as the agent's user");
    expect(status.stderr).not.toMatch(/SQLITE_/);
  });
});
