import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dateExpiry, NEVER } from '../../src/core/expiry.js';
import { makeItem } from '../../src/core/items.js';
import { AgentMetrics, endOfDay } from '../../src/metrics/metrics.js';
import { housekeeping } from '../../src/service/housekeeping.js';
import { silentLogger } from '../../src/log/logger.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const DAY = 86_400_000;

function seeded(now: Date) {
  const store = Store.open(join(tmp(), 'agent.db'));
  const run = (at: string, outcome: 'up-to-date' | 'unreachable') => {
    const id = store.runs.start({ trigger: 'schedule', command: 'run', host: 'local', deploymentId: '631', dryRun: false, pid: 1, at });
    store.runs.finish(id, { outcome, at });
    return id;
  };
  const old = run('2025-01-01T03:00:00.000Z', 'up-to-date');
  store.expiries.record({
    deploymentId: '631',
    host: 'pbx1',
    productName: null,
    source: 'pbx',
    items: [makeItem('module-license', 'broadcast', dateExpiry('2026-12-01')), makeItem('module-license', 'endpoint', NEVER)],
    kinds: ['module-license'],
    runId: old,
    at: '2025-01-01T03:00:01.000Z',
  });
  run('2025-01-02T03:00:00.000Z', 'unreachable');
  run(new Date(now.getTime() - DAY).toISOString(), 'up-to-date');
  const clock = { now: () => now };
  const metrics = new AgentMetrics({ store, clock, version: '9.9.9', startedAt: now, staleAfterMs: () => 2 * DAY });
  return { store, metrics, clock };
}

describe('AgentMetrics', () => {
  it('exposes each expiry as the end of its last day in UTC, and leaves "never" out', async () => {
    const { metrics } = seeded(new Date('2026-06-01T00:00:00Z'));

    const text = await metrics.text();

    expect(endOfDay('2026-12-01')).toBe(Date.UTC(2026, 11, 2) / 1000);
    expect(text).toContain(`pbx_agent_expiry_timestamp_seconds{deployment="631",host="pbx1",item="license:broadcast",kind="module-license"} ${Date.UTC(2026, 11, 2) / 1000}`);
    expect(text).not.toContain('license:endpoint');
    expect(text).toContain('pbx_agent_runs_total{outcome="up-to-date"} 2');
    expect(text).toContain('pbx_agent_runs_total{outcome="unreachable"} 1');
    expect(text).toContain('pbx_agent_build_info{version="9.9.9"} 1');
    expect(text).toMatch(/^pbx_agent_outbox_pending 0$/m);
    expect(text).not.toMatch(/^pbx_agent_next_check_timestamp_seconds /m);
  });

  it('counts the alerts waiting in the outbox', async () => {
    const { store, metrics } = seeded(new Date('2026-06-01T00:00:00Z'));
    for (const n of [1, 2]) {
      store.outbox.enqueue({ uid: `u${n}`, dedupKey: `k${n}`, kind: 'expiry', severity: 'warning', deploymentId: '631', subjects: [], title: `t${n}`, body: 'b', data: {}, createdAt: '2026-06-01T00:00:00Z' });
    }

    expect(await metrics.text()).toContain('pbx_agent_outbox_pending 2');
  });

  it('housekeeping deletes old runs but keeps those the expiry history points to, and the run counter never drops', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const { store, metrics, clock } = seeded(now);

    housekeeping(store, clock, silentLogger, () => ({ runsRetentionMs: 400 * DAY }))();

    expect(store.runs.list().map((r) => r.startedAt.slice(0, 10))).toEqual(['2026-05-31', '2025-01-01']);
    expect(store.expiries.changes()).toHaveLength(2);
    expect(await metrics.text()).toContain('pbx_agent_runs_total{outcome="unreachable"} 1');
  });

  it('/healthz: healthy while the last success is younger than the limit', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const { store, metrics } = seeded(now);
    const later = { now: () => new Date(now.getTime() + 3 * DAY) };

    const fresh = metrics.health();
    const stale = new AgentMetrics({ store, clock: later, version: '1', startedAt: now, staleAfterMs: () => 2 * DAY }).health();


    expect(fresh).toEqual({ ok: true, reason: 'last successful check 24h ago' });
    expect(stale.ok).toBe(false);
    expect(stale.reason).toMatch(/^last successful check 4d ago \(limit 2d\)/);
  });

  it('/healthz and the last-success gauge ignore a success stamped in the future (the clock ran ahead)', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const { store } = seeded(now);
    const later = { now: () => new Date(now.getTime() + 3 * DAY) };
    const future = '2031-06-01T00:00:00.000Z';
    store.runs.finish(store.runs.start({ trigger: 'schedule', command: 'run', host: 'local', deploymentId: '631', dryRun: false, pid: 1, at: future }), { outcome: 'up-to-date', at: future });

    const metrics = new AgentMetrics({ store, clock: later, version: '1', startedAt: now, staleAfterMs: () => 2 * DAY, maxSkewMs: () => 300_000 });
    const health = metrics.health();

    expect(health.ok).toBe(false);
    expect(health.reason).toBe(
      'last successful check 4d ago (limit 2d); a later success is stamped 2031-06-01T00:00:00.000Z (recorded in the future: clock was wrong?); see `pbx-activation-agent status` and the journal',
    );
    expect(await metrics.text()).toContain(`pbx_agent_last_successful_check_timestamp_seconds ${Date.parse('2026-05-31T00:00:00Z') / 1000}`);
  });
});
