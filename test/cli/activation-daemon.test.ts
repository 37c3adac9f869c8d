import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { Store } from '../../src/store/store.js';
import { freePort, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { editConfig } from '../helpers/cycle.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

/* The daemon with the activation probe as its renewal source (no portal), checking every 2 seconds. */
const tmp = useTmpDirs();
const running: AgentProcess[] = [];

afterEach(() => {
  for (const agent of running.splice(0)) agent.child.kill('SIGKILL');
});

function sandbox(renewals: Record<string, unknown>, extra: Record<string, unknown> = {}): TestSandbox {
  const sb = makeSandbox(join(tmp(), 'sb'));
  sb.edit((s) => void (s.pbx.apacheRestartSeconds = 0.3));
  editConfig(sb.config, (c) => {
    Object.assign(c, { timeZone: 'UTC', schedule: { check: '*/2 * * * * *', maintenanceWindow: wholeDayWindow() }, renewals, ...extra });
    c.pbx.settleDelay = '100ms';
    c.pbx.settleTimeout = '10s';
  });
  return sb;
}

/** A maintenance window that is open now and for the next 22 hours. */
function wholeDayWindow(): string {
  const hour = (h: number) => String((new Date().getUTCHours() + h + 24) % 24).padStart(2, '0');
  return `${hour(-1)}:00-${hour(22)}:00`;
}

function run(sb: TestSandbox): AgentProcess {
  const agent = startAgent(['run', '--config', sb.config]);
  running.push(agent);
  return agent;
}

const activations = (sb: TestSandbox) => sb.read().pbx.calls['sa activate'] ?? 0;
const finished = (l: Record<string, unknown>) => l.msg === 'check finished';

describe('the daemon with the activation probe', () => {
  it('a purchase made while the daemon runs is applied by the next scheduled check inside the window; the metrics count the probes', async () => {
    const port = await freePort();
    const sb = sandbox({ probeInterval: '3s' }, { metrics: { listen: `127.0.0.1:${port}` } });
    const agent = run(sb);
    await agent.waitFor(finished, 30_000);
    const probed = activations(sb);

    recordPurchase(sb.dir, { module: 'broadcast', until: '2028-01-31' });
    await agent.waitFor((l) => finished(l) && l.outcome === 'applied', 30_000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    agent.child.kill('SIGTERM');
    expect(await agent.exited(), agent.stderr()).toBe(0);

    expect(probed).toBe(1);
    const store = Store.open(sb.store, { readonly: true });
    const change = store.expiries.changes({ moduleKey: 'broadcast' }).find((c) => c.newExpiry === '2028-01-31');
    const applying = change?.runId ? store.runs.get(change.runId) : null;
    store.close();
    expect(change).toMatchObject({ item: 'license:broadcast', source: 'activation' });
    expect(applying).toMatchObject({ trigger: 'schedule', outcome: 'applied' });
    expect(metrics).toMatch(/^pbx_agent_activation_probes_total\{result="nothing-new"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^pbx_agent_next_probe_timestamp_seconds \d{10}$/m);
  }, 90_000);

  it('a restart straight after a probe does not probe again (the interval is kept in the store)', async () => {
    const sb = sandbox({});
    const first = run(sb);
    await first.waitFor(finished, 30_000);
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    expect(activations(sb)).toBe(1);

    const second = run(sb);
    await second.waitFor(finished, 30_000);
    const again = second.lines.findIndex(finished) + 1;
    await second.waitFor(finished, 30_000, again);
    second.child.kill('SIGTERM');
    await second.exited();

    expect(activations(sb)).toBe(1);
    const store = Store.open(sb.store, { readonly: true });
    const last = store.runs.last();
    store.close();
    expect(last?.details?.probe).toMatchObject({ due: false, reason: expect.stringMatching(/^probed \d+s ago; next after /) });
  }, 90_000);
});
