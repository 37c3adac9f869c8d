import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { META } from '../../src/store/meta-keys.js';
import { Store } from '../../src/store/store.js';
import { startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const running: AgentProcess[] = [];

afterEach(() => {
  for (const agent of running.splice(0)) agent.child.kill('SIGKILL');
});

function sandbox(): TestSandbox {
  const sb = makeSandbox(join(tmp(), 'sb'));
  const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
  writeFileSync(sb.config, JSON.stringify({ ...config, schedule: { check: '*/2 * * * * *', retryMin: '1h', retryMax: '6h' } }, null, 2));
  return sb;
}

function run(sb: TestSandbox): AgentProcess {
  const agent = startAgent(['run', '--config', sb.config]);
  running.push(agent);
  return agent;
}

const started = (l: Record<string, unknown>) => l.msg === 'daemon started';

describe('one daemon per store', () => {
  it('a second `run` on the same store exits 1 naming the first (pid, host, since); once the first stops, it starts', async () => {
    const sb = sandbox();
    const first = run(sb);
    await first.waitFor(started);

    const second = run(sb);
    const secondCode = await second.exited();
    first.child.kill('SIGTERM');
    const firstCode = await first.exited();
    const third = run(sb);
    await third.waitFor(started);
    third.child.kill('SIGTERM');

    expect(secondCode).toBe(1);
    expect(second.stderr()).toMatch(new RegExp(`another pbx-activation-agent daemon is already running on the store .*agent\\.db \\(pid ${first.child.pid} on ${hostname()}, since \\d{4}-\\d\\d-\\d\\dT`));
    expect(second.lines.some(started)).toBe(false);
    expect(firstCode).toBe(0);
    expect(await third.exited()).toBe(0);
  }, 60_000);

  it('a daemon killed with -9 does not block the next one: its claim is taken over at once (its process is gone)', async () => {
    const sb = sandbox();
    const first = run(sb);
    await first.waitFor(started);
    first.child.kill('SIGKILL');
    await first.exited();

    const next = run(sb);
    await next.waitFor(started);
    next.child.kill('SIGTERM');

    expect(await next.exited()).toBe(0);
  }, 60_000);

  it('a check that finds the cycle lease held ("locked") writes no backoff that later daemons would inherit', async () => {
    const sb = sandbox();
    const store = Store.open(sb.store);
    // A manual `renew` of this host, alive (this test process), holds the cycle lease for the daemon's whole life.
    store.leases.acquire('cycle:local', { pid: process.pid, host: hostname(), command: 'renew' }, new Date(), 600_000, () => true);
    store.close();

    const agent = run(sb);
    const locked = await agent.waitFor((l) => l.msg === 'check finished' || l.msg === 'check did not succeed; retrying later', 30_000);
    agent.child.kill('SIGTERM');
    await agent.exited();

    expect(locked.outcome).toBe('locked');
    const after = Store.open(sb.store, { readonly: true });
    expect(after.getMeta(META.backoffUntil) ?? '').toBe('');
    expect(after.getMeta(META.failures) ?? '0').toBe('0');
    after.close();
  }, 60_000);
});
