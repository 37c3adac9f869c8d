import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { freePort, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { runCli } from '../helpers/cli.js';
import { cycleWorld, editConfig } from '../helpers/cycle.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const running: AgentProcess[] = [];

afterEach(() => {
  for (const agent of running.splice(0)) agent.child.kill('SIGKILL');
});

/** The daemon's own mechanics: no Update Activation (renewals.source off); test/cli/activation-daemon.test.ts has the probe. */
function sandbox(extra: Record<string, unknown> = {}): TestSandbox {
  const sb = makeSandbox(join(tmp(), 'sb'));
  const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
  writeFileSync(sb.config, JSON.stringify({ ...config, schedule: { check: '*/2 * * * * *' }, renewals: { source: 'off' }, ...extra }, null, 2));
  return sb;
}

function run(sb: TestSandbox): AgentProcess {
  const agent = startAgent(['run', '--config', sb.config]);
  running.push(agent);
  return agent;
}

const finished = (l: Record<string, unknown>) => l.msg === 'check finished';

describe('run (the daemon)', () => {
  it('performs scheduled checks, serves /metrics and /healthz, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const sb = sandbox({ metrics: { listen: `127.0.0.1:${port}` } });
    const agent = run(sb);

    await agent.waitFor(finished);
    const second = agent.lines.findIndex(finished) + 1;
    await agent.waitFor(finished, 10_000, second);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    const started = Date.now();
    agent.child.kill('SIGTERM');
    const code = await agent.exited();

    expect(code, agent.stderr()).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(metrics).toMatch(/^pbx_agent_runs_total\{outcome="up-to-date"\} [2-9]\d*$/m);
    expect(metrics).toMatch(/^pbx_agent_expiry_timestamp_seconds\{deployment="63198234567",host="local",item="license:broadcast",kind="module-license"\} \d{10}$/m);
    expect(metrics).not.toMatch(/item="license:endpoint"/);
    expect(health.status).toBe(200);
    expect(await health.text()).toMatch(/^ok: last successful check/);
    const store = Store.open(sb.store, { readonly: true });
    expect(store.integrityCheck()).toEqual(['ok']);
    expect(store.runs.unfinished()).toEqual([]);
    expect(store.runs.last()?.trigger).toBe('schedule');
    store.close();
  });

  it('refuses an invalid configuration with exit 78, every problem listed, before doing anything', async () => {
    const sb = sandbox({ schedule: { check: '61 3 * * *' }, metrics: { listen: '0.0.0.0:9468' } });
    const store = join(sb.dir, 'elsewhere.db');
    const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(sb.config, JSON.stringify({ ...config, store: { path: store } }));

    const result = await runCli(['run', '--config', sb.config]);
    const cron = await runCli(['run', '--config', writeConfig(sb, { schedule: { check: '61 3 * * *' }, metrics: {}, store: { path: store } })]);

    expect(result.code).toBe(78);
    expect(result.stderr).toContain('metrics.listen: 0.0.0.0 is not a loopback address');
    expect(cron.code).toBe(78);
    expect(cron.stderr).toContain('schedule.check: minute "61"');
    expect(existsSync(store)).toBe(false);
  });

  it('on SIGHUP with an invalid configuration keeps running on the old one and logs every problem', async () => {
    const sb = sandbox();
    const agent = run(sb);
    await agent.waitFor(finished);
    const good = readFileSync(sb.config, 'utf8');

    writeFileSync(sb.config, JSON.stringify({ ...JSON.parse(good), schedule: { check: 'every minute' }, pbx: { tty: 'yes' } }));
    agent.child.kill('SIGHUP');
    const refused = await agent.waitFor((l) => l.msg === 'configuration not reloaded: keeping the one in use');
    const after = agent.lines.indexOf(refused);
    await agent.waitFor(finished, 10_000, after);
    writeFileSync(sb.config, good);
    agent.child.kill('SIGHUP');
    await agent.waitFor((l) => l.msg === 'configuration reloaded', 10_000, after);
    agent.child.kill('SIGTERM');

    expect(await agent.exited()).toBe(0);
    const problems = agent.lines.filter((l) => l.msg === 'configuration problem').map((l) => l.problem);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/schedule\.check: must be a daily window/);
    expect(problems.join('\n')).toMatch(/pbx\.tty/);
  });

  it('on SIGHUP with a new store.path keeps the whole configuration in force: its checks go on in the old store', async () => {
    const sb = sandbox();
    const agent = run(sb);
    await agent.waitFor(finished);
    const config = JSON.parse(readFileSync(sb.config, 'utf8'));

    writeFileSync(sb.config, JSON.stringify({ ...config, store: { path: join(sb.dir, 'elsewhere.db') } }));
    agent.child.kill('SIGHUP');
    const refused = await agent.waitFor((l) => l.msg === 'configuration not reloaded: store.path changed; restart the service to use the new store');
    await agent.waitFor(finished, 10_000, agent.lines.indexOf(refused));
    agent.child.kill('SIGTERM');

    expect(await agent.exited()).toBe(0);
    expect(existsSync(join(sb.dir, 'elsewhere.db'))).toBe(false);
    expect(agent.lines.filter((l) => l.msg === 'check finished' && l.outcome === 'up-to-date').length).toBeGreaterThanOrEqual(2);
  });

  it('exits 1 naming the address when the metrics port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const sb = sandbox({ metrics: { listen: `127.0.0.1:${port}` } });

    const result = await runCli(['run', '--config', sb.config]);
    blocker.close();

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot serve metrics on 127.0.0.1:${port}: the address is already in use`);
  });

  it('exits 1 saying so when another process holds the store locked', async () => {
    const sb = sandbox();
    Store.open(sb.store).close();
    const locker = spawn(process.execPath, [
      '-e',
      `const D=require('better-sqlite3');const d=new D(${JSON.stringify(sb.store)});d.exec('BEGIN EXCLUSIVE');d.exec("INSERT INTO meta VALUES ('lock','1')");console.log('locked');setTimeout(()=>{},60000)`,
    ]);
    await new Promise((resolve) => locker.stdout.once('data', resolve));

    const result = await runCli(['run', '--config', sb.config]);
    locker.kill('SIGKILL');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the store .* is locked by another process/);
  });

  it('SIGTERM while fwconsole hangs: exits within 15 s, the run interrupted; kill -9 of the daemon stops its check too; the next start checks again', async () => {
    const sb = sandbox();
    sb.edit((s) => {
      s.pbx.faults['sa info'] = 'hang';
    });
    const agent = run(sb);
    await agent.waitFor((l) => l.msg === 'check starting');

    const started = Date.now();
    agent.child.kill('SIGTERM');
    const code = await agent.exited();
    const stopMs = Date.now() - started;
    const crashed = run(sb);
    await crashed.waitFor((l) => l.msg === 'check starting');
    // Killed once its check process has recorded its run (and hangs in sa info): a loaded machine takes a while to start one.
    await waitUntil(() => {
      const store = Store.open(sb.store, { readonly: true });
      try {
        return store.runs.unfinished().length === 1;
      } finally {
        store.close();
      }
    });
    crashed.child.kill('SIGKILL');
    await crashed.exited();
    // The daemon's check process hears that the daemon is gone and records its run as interrupted.
    await waitUntil(() => {
      const store = Store.open(sb.store, { readonly: true });
      try {
        return store.runs.unfinished().length === 0;
      } finally {
        store.close();
      }
    });
    sb.edit((s) => void delete s.pbx.faults['sa info']);
    const restarted = run(sb);
    await restarted.waitFor(finished, 30_000);
    restarted.child.kill('SIGTERM');
    await restarted.exited();

    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(15_000);
    const store = Store.open(sb.store, { readonly: true });
    const runs = store.runs.list().filter((r) => r.command === 'run');
    expect(store.integrityCheck()).toEqual(['ok']);
    expect(runs.map((r) => r.outcome)).toEqual(['up-to-date', 'interrupted', 'interrupted']);
    expect(runs.every((r) => r.endedAt !== null)).toBe(true);
    store.close();
    expect(processesUsing(sb.dir)).toEqual([]);
  }, 90_000);

  it('SIGTERM in the middle of an apply: exits within 15 s, the run is interrupted, the next start recovers', async () => {
    const world = await cycleWorld(join(tmp(), 'w'));
    world.store.close();
    editConfig(world.sandbox.config, (c) => void (c.schedule = { check: '*/2 * * * * *' }));
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });
    world.sandbox.edit((s) => {
      s.pbx.faults['sa activate'] = 'slow';
      s.pbx.slowSeconds = 60;
    });
    const agent = startAgent(['run', '--config', world.sandbox.config]);
    running.push(agent);
    await agent.waitFor((l) => l.msg === 'applying renewals', 30_000);

    const started = Date.now();
    agent.child.kill('SIGTERM');
    const code = await agent.exited();
    const stopMs = Date.now() - started;
    world.sandbox.edit((s) => void delete s.pbx.faults['sa activate']);
    const next = await runCli(['check', '--json', '--config', world.sandbox.config]);

    expect(code, agent.stderr()).toBe(0);
    expect(stopMs).toBeLessThan(15_000);
    const store = Store.open(world.sandbox.store, { readonly: true });
    expect(store.integrityCheck()).toEqual(['ok']);
    const daemonRun = store.runs.list().find((r) => r.command === 'run');
    expect(daemonRun).toMatchObject({ outcome: 'interrupted', error: expect.stringMatching(/^stopped by the service before it finished/) });
    store.close();
    expect(['applied', 'up-to-date']).toContain(JSON.parse(next.stdout).outcome);
    expect(JSON.parse((await runCli(['status', '--json', '--config', world.sandbox.config])).stdout).deployments[0].items).toContainEqual(
      expect.objectContaining({ item: 'license:broadcast', expiry: '2027-12-31' }),
    );
  }, 60_000);
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Processes whose command line mentions the directory: nothing the agent started may linger. */
function processesUsing(dir: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return { stat: readFileSync(`/proc/${p}/stat`, 'utf8'), cmd: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ') };
      } catch {
        return null;
      }
    })
    .filter((p): p is { stat: string; cmd: string } => p !== null && p.cmd.includes(dir) && !/\) Z /.test(p.stat))
    .map((p) => p.cmd);
}

function writeConfig(sb: TestSandbox, extra: Record<string, unknown>): string {
  const file = join(sb.dir, 'other.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(sb.config, 'utf8')), ...extra }));
  return file;
}
