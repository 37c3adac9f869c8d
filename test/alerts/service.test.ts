import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertService } from '../../src/alerts/service.js';
import { AlertSettings } from '../../src/config/alerts-schema.js';
import { dateExpiry, NEVER, type Expiry } from '../../src/core/expiry.js';
import { makeItem } from '../../src/core/items.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Channel } from '../../src/notify/channel.js';
import { WebhookChannel } from '../../src/notify/webhook.js';
import type { RunOutcome } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';
import { useReceivers, type Receiver } from '../helpers/receiver.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const receiver = useReceivers();
const DAY = 86_400_000;
const T0 = new Date('2026-11-26T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function setup(channels: (r: Receiver) => Channel[], r: Receiver, overrides: Record<string, unknown> = {}) {
  const store = Store.open(join(tmp(), 'agent.db'));
  const settings = AlertSettings.parse({ retryAfter: '1m', retryMax: '1h', ...overrides });
  const service = new AlertService({ store, channels: channels(r), log: silentLogger }, { settings, timeZone: 'UTC', moduleAliases: new Map(), maxClockSkewMs: 5 * 60_000 });
  return { store, service };
}

const webhook = (r: Receiver) => [new WebhookChannel('hook', 'webhook', r.url, 2000)];

function observe(store: Store, modules: Record<string, Expiry>, when: Date, runId: number | null = null) {
  store.expiries.record({
    deploymentId: '631',
    host: 'local',
    productName: 'PBXact',
    source: 'pbx',
    items: Object.entries(modules).map(([k, e]) => makeItem('module-license', k, e)),
    kinds: ['module-license'],
    runId,
    at: when.toISOString(),
  });
}

function recordRun(store: Store, outcome: RunOutcome, when: Date, details?: object, error?: string): number {
  const id = store.runs.start({ trigger: 'schedule', command: 'check', host: 'local', deploymentId: '631', dryRun: false, pid: 1, at: when.toISOString() });
  store.runs.finish(id, { outcome, at: when.toISOString(), deploymentId: '631', details, error: error ?? null });
  return id;
}

const titles = (r: Receiver) => r.accepted().map((b) => String(b.title));

describe('AlertService with a real store and a real webhook receiver', () => {
  it('names the fleet host in the subject of a deployment reached over SSH', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    store.expiries.record({
      deploymentId: '632',
      host: 'rome',
      productName: 'PBXact',
      source: 'pbx',
      items: [makeItem('module-license', 'broadcast', dateExpiry('2026-12-01'))],
      kinds: ['module-license'],
      runId: null,
      at: T0.toISOString(),
    });
    const id = store.runs.start({ trigger: 'fleet', command: 'fleet check', host: 'rome', deploymentId: '632', dryRun: false, pid: 1, at: T0.toISOString() });
    store.runs.finish(id, { outcome: 'up-to-date', at: T0.toISOString(), deploymentId: '632' });

    await service.run(T0);

    expect(titles(r)).toEqual(['PBX rome (632): broadcast licence expires in 5 days (2026-12-01)']);
  });

  it('ten evaluations and deliveries give one message per group, grouped modules in one', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01'), zulu: dateExpiry('2026-12-01'), sysadmin: dateExpiry('2027-06-01'), endpoint: NEVER }, T0);

    for (let i = 0; i < 10; i++) await service.run(at(i * 60_000));

    expect(titles(r)).toEqual(['PBX 631: 2 items expire in 5 days (2026-12-01): broadcast licence, zulu licence']);
    expect(r.requests[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a renewal closes the open alert with one "renewed" message and re-arms the thresholds', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);
    await service.run(T0);

    observe(store, { broadcast: dateExpiry('2026-12-20') }, at(60_000));
    for (let i = 1; i <= 5; i++) await service.run(at(i * 120_000));

    expect(titles(r)).toEqual([
      'PBX 631: broadcast licence expires in 5 days (2026-12-01)',
      'PBX 631: renewed: broadcast licence now expires 2026-12-20 (was 2026-12-01)',
      'PBX 631: broadcast licence expires in 24 days (2026-12-20)',
    ]);
  });

  it('holds expiry alerts back while the clock is untrusted, says why, and catches up once it is fixed', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0, { clock: { synchronized: false, skewMs: 3 * 3_600_000, reason: 'NTP service inactive' } });
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);

    const held = await service.run(T0);
    await service.run(at(60_000));
    recordRun(store, 'up-to-date', at(DAY / 2), { clock: { synchronized: true, skewMs: 120 } });
    await service.run(at(DAY / 2));

    expect(held.evaluated.heldBack).toEqual(['local']);
    expect(titles(r)).toEqual([
      'pbx-activation-agent on local: clock not trustworthy, expiry alerts held back',
      'PBX 631: broadcast licence expires in 5 days (2026-12-01)',
      'pbx-activation-agent on local: resolved: the clock is trustworthy again; expiry alerts resume',
    ]);
    expect(String(r.accepted()[0]!.text)).toContain("not synchronized (NTP); the system clock is 3h ahead of the portal's (NTP service inactive)");
  });

  it('receiver down: the alert waits with its error, backs off, then arrives exactly once', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);
    await r.stop();

    const down = await service.run(T0);
    await r.start();
    const tooSoon = await service.run(at(30_000));
    const later = await service.run(at(61_000));
    await service.run(at(120_000));

    expect(down.delivered.failed).toHaveLength(1);
    expect(down.delivered.failed[0]!.error).toBe(`webhook ${new URL(r.url).origin}: connection refused (is the receiver running?)`);
    expect(tooSoon.delivered.backingOff).toEqual(['hook']);
    expect(later.delivered.delivered).toHaveLength(1);
    expect(titles(r)).toEqual(['PBX 631: broadcast licence expires in 5 days (2026-12-01)']);
    expect(store.outbox.deliveries()[0]).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  });

  it('a receiver answering 500 (echoing its URL) leaves a redacted error in the outbox', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);
    r.mode = 500;

    await service.run(T0);

    const [delivery] = store.outbox.deliveries();
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
    expect(delivery!.lastError).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+: HTTP 500: failure 500 at \[redacted\]$/);
    expect(JSON.stringify(store.outbox.channelStates())).not.toContain('T0KEN');
  });

  it('one channel down does not hold the alert back; the other keeps trying for a day, then gives up', async () => {
    const r = await receiver();
    const dead = await receiver('/dead');
    await dead.stop();
    const { store, service } = setup(() => [new WebhookChannel('up', 'webhook', r.url, 2000), new WebhookChannel('down', 'slack', dead.url, 2000)], r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);

    await service.run(T0);
    const [event] = store.outbox.events();
    await service.run(at(DAY + 2 * 3_600_000));

    expect(event!.status).toBe('delivered');
    expect(store.outbox.deliveries(event!.id).map((d) => [d.channel, d.status])).toEqual([
      ['down', 'failed'],
      ['up', 'delivered'],
    ]);
    expect(r.accepted()).toHaveLength(1);
  });

  it('a channel backing off still gets what another channel delivered meanwhile, once it is back', async () => {
    const r = await receiver();
    const flaky = await receiver('/flaky');
    const { store, service } = setup(() => [new WebhookChannel('steady', 'webhook', r.url, 2000), new WebhookChannel('flaky', 'webhook', flaky.url, 2000)], r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);
    flaky.mode = 503;
    await service.run(T0);

    observe(store, { broadcast: dateExpiry('2026-12-01'), zulu: dateExpiry('2026-12-20') }, at(10_000));
    await service.run(at(10_000));
    flaky.mode = 'ok';
    await service.run(at(90_000));
    await service.run(at(200_000));

    expect(titles(r)).toHaveLength(2);
    expect(titles(flaky)).toEqual(titles(r));
  });

  it('a delivery claimed by a process that died is sent again, with the same id', async () => {
    const r = await receiver();
    const { store } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);
    const settings = AlertSettings.parse({});
    const dying = new AlertService({ store, channels: webhook(r), log: silentLogger, pid: 999_999 }, { settings, timeZone: 'UTC', moduleAliases: new Map(), maxClockSkewMs: 5 * 60_000 });
    dying.evaluate(T0);
    store.outbox.addDeliveries(['hook']);
    const claimed = store.outbox.claimNext('hook', T0.toISOString(), 999_999, T0.toISOString());

    const restarted = new AlertService({ store, channels: webhook(r), log: silentLogger, isAlive: (pid) => pid !== 999_999 }, { settings, timeZone: 'UTC', moduleAliases: new Map(), maxClockSkewMs: 5 * 60_000 });
    await restarted.deliver(at(1000));
    await restarted.deliver(at(2000));

    expect(claimed).not.toBe('backing-off');
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual([(claimed as { uid: string }).uid]);
  });

  it('undelivered expiry alerts are superseded by newer ones about the same items', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-20') }, T0);
    r.mode = 503;
    await service.run(T0);

    recordRun(store, 'up-to-date', at(10 * DAY));
    r.mode = 'ok';
    await service.run(at(10 * DAY));

    expect(titles(r)).toEqual(['PBX 631: broadcast licence expires in 14 days (2026-12-20)']);
    expect(store.outbox.events().map((e) => e.status)).toEqual(['delivered', 'superseded']);
  });

  it('failing checks and the dead-man are announced once each and resolved by a success', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r, { failingFor: '12h', deadManAfter: '36h' });
    recordRun(store, 'up-to-date', T0);

    for (let h = 1; h <= 46; h += 3) {
      recordRun(store, 'unreachable', at(h * 3_600_000), undefined, 'Cant Reach Online Server');
      await service.run(at(h * 3_600_000));
    }
    recordRun(store, 'up-to-date', at(49 * 3_600_000));
    await service.run(at(49 * 3_600_000));
    await service.run(at(50 * 3_600_000));

    expect(titles(r)).toEqual([
      'pbx-activation-agent on local: checks failing for 15h (6 failed runs)',
      'pbx-activation-agent on local: no successful check for 37h',
      'pbx-activation-agent on local: resolved: a check succeeded again',
      'pbx-activation-agent on local: resolved: checks succeed again',
    ]);
    expect(String(r.accepted()[0]!.text)).toContain('Cant Reach Online Server');
  });

  it('a renewal bought but not verified is critical until the PBX shows it', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    observe(store, { broadcast: dateExpiry('2027-06-01') }, T0);
    recordRun(store, 'failed', T0, { unverified: [{ item: 'license:broadcast', pbx: '2027-06-01', portal: '2028-06-01' }] }, 'verification failed');

    await service.run(T0);
    await service.run(at(60_000));
    observe(store, { broadcast: dateExpiry('2028-06-01') }, at(DAY));
    recordRun(store, 'up-to-date', at(DAY));
    await service.run(at(DAY));

    expect(r.accepted().map((b) => [b.severity, b.title])).toEqual([
      ['critical', 'PBX 631: CRITICAL: renewal bought but not applied: license:broadcast (portal 2028-06-01, PBX 2027-06-01)'],
      ['info', 'PBX 631: resolved: the renewal is now applied'],
    ]);
  });

  it('a broken module with an empty License column but a licence key alerts once, and resolves when fixed; an unreadable one alerts once per text', async () => {
    const r = await receiver();
    const { store, service } = setup(webhook, r);
    const state = (zulu: [string, string], cos: [string, string], when: Date) => {
      store.expiries.record({
        deploymentId: '631',
        host: 'local',
        productName: 'PBXact',
        source: 'pbx',
        items: [makeItem('module-license', 'zulu', dateExpiry('2027-06-01')), makeItem('module-license', 'cos', dateExpiry('2027-06-01'))],
        kinds: ['module-license'],
        modules: [
          // As FreePBX 17 printed a Broken row: no License, no signature (FreePBX/issue-tracker#983).
          { name: 'zulu', version: '17.0.9', statusText: zulu[1], state: zulu[0] as 'broken', license: '', commercial: false, signature: 'Unsigned' },
          { name: 'cos', version: '17.0.3', statusText: cos[1], state: cos[0] as 'unknown', license: 'Commercial', commercial: true, signature: 'Sangoma' },
        ],
        runId: recordRun(store, 'up-to-date', when),
        at: when.toISOString(),
      });
    };

    state(['broken', 'Broken'], ['unknown', 'Включено'], T0);
    await service.run(T0);
    state(['broken', 'Broken'], ['unknown', 'Включено'], at(60_000));
    await service.run(at(60_000));
    state(['enabled', 'Enabled'], ['unknown', 'Вкл.'], at(120_000));
    await service.run(at(120_000));

    expect(titles(r)).toEqual([
      "PBX 631: cannot tell whether cos is enabled: status text 'Включено'",
      'PBX 631: licensed commercial module broken: zulu',
      "PBX 631: cannot tell whether cos is enabled: status text 'Вкл.'",
      'PBX 631: resolved: module no longer broken (or no longer licensed) (zulu)',
    ]);
  });

  it('with no channel configured nothing is recorded', async () => {
    const r = await receiver();
    const { store, service } = setup(() => [], r);
    recordRun(store, 'up-to-date', T0);
    observe(store, { broadcast: dateExpiry('2026-12-01') }, T0);

    await service.run(T0);

    expect(store.outbox.events()).toEqual([]);
    expect(store.alerts.openMarks()).toEqual([]);
  });
});
