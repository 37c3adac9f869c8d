import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestPeriod } from '../../src/alerts/digest.js';
import { AlertService } from '../../src/alerts/service.js';
import { AlertSettings } from '../../src/config/alerts-schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { buildChannels } from '../../src/notify/build.js';
import type { Channel } from '../../src/notify/channel.js';
import { WebhookChannel } from '../../src/notify/webhook.js';
import { Store } from '../../src/store/store.js';
import { useReceivers, type Receiver } from '../helpers/receiver.js';
import { recordCheck } from '../helpers/report-store.js';
import { useSmtpRelays } from '../helpers/smtp-relay.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const receiver = useReceivers();
const MONDAY_8 = { weekday: 'monday', time: '08:00' } as const;

describe('digestPeriod', () => {
  it.each([
    // 2026-11-23 is a Monday; Rome is UTC+1 in November.
    ['2026-11-23T07:00:00Z', 'Europe/Rome', '2026-11-23', '2026-11-16T07:00:00.000Z', '2026-11-23T07:00:00.000Z'],
    ['2026-11-23T06:59:59Z', 'Europe/Rome', '2026-11-16', '2026-11-09T07:00:00.000Z', '2026-11-16T07:00:00.000Z'],
    ['2026-11-29T22:00:00Z', 'Europe/Rome', '2026-11-23', '2026-11-16T07:00:00.000Z', '2026-11-23T07:00:00.000Z'],
    ['2026-11-29T23:30:00Z', 'Europe/Rome', '2026-11-23', '2026-11-16T07:00:00.000Z', '2026-11-23T07:00:00.000Z'],
    ['2026-11-30T07:00:00Z', 'Europe/Rome', '2026-11-30', '2026-11-23T07:00:00.000Z', '2026-11-30T07:00:00.000Z'],
    // Summer time ended on Sunday 2026-10-25: the week before the slot is 7 days and one hour long.
    ['2026-10-26T09:00:00Z', 'Europe/Rome', '2026-10-26', '2026-10-19T06:00:00.000Z', '2026-10-26T07:00:00.000Z'],
    ['2026-11-23T08:00:00Z', 'UTC', '2026-11-23', '2026-11-16T08:00:00.000Z', '2026-11-23T08:00:00.000Z'],
  ])('at %s in %s: the week of %s, last week from %s to %s', (now, zone, key, from, to) => {
    expect(digestPeriod(new Date(now), MONDAY_8, zone)).toEqual({ key, from, to });
  });
});

function world(r: Receiver, digest: object | null = MONDAY_8, path = join(tmp(), 'agent.db')) {
  const store = Store.open(path);
  const settings = AlertSettings.parse({ thresholds: [], digest });
  const service = new AlertService({ store, channels: [new WebhookChannel('hook', 'webhook', r.url, 2000)], log: silentLogger }, { settings, timeZone: 'Europe/Rome', moduleAliases: new Map(), maxClockSkewMs: 300_000 });
  return { store, service };
}

function seed(store: Store): void {
  recordCheck(store, { id: '631001', host: 'rome', product: 'PBXact UC 25', at: '2026-11-10T02:00:00.000Z', items: [['module-license', 'zulu', '2026-12-05'], ['module-license', 'cos', '2027-06-01']] });
  recordCheck(store, {
    id: '631001',
    host: 'rome',
    product: 'PBXact UC 25',
    at: '2026-11-20T02:00:00.000Z',
    items: [['module-license', 'zulu', '2026-12-05'], ['module-license', 'cos', '2027-06-01'], ['module-license', 'broadcast', '2026-11-01']],
    pending: [{ item: 'license:zulu', pbx: '2026-12-05', portal: '2027-12-05' }],
  });
}

const digests = (r: Receiver) => r.accepted().filter((b) => b.kind === 'digest');

describe('the weekly digest', () => {
  it('is sent once per week through the outbox, with what expires within 90 days and what changed last week', async () => {
    const r = await receiver();
    const { store, service } = world(r);
    seed(store);

    await service.run(new Date('2026-11-23T07:30:00Z'));
    await service.run(new Date('2026-11-23T08:30:00Z'));
    await service.run(new Date('2026-11-27T12:00:00Z'));

    const sent = digests(r);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.title).toBe('Licence digest for the week of 2026-11-23: 2 items expire within 90 days (1 expired); 1 change last week');
    const data = sent[0]!.data as Record<string, any>;
    expect(data.period).toEqual({ key: '2026-11-23', from: '2026-11-16T07:00:00.000Z', to: '2026-11-23T07:00:00.000Z' });
    expect(data.expiring.map((i: any) => [i.host, i.deploymentId, i.item, i.daysLeft, i.renewalSeen])).toEqual([
      ['rome', '631001', 'license:broadcast', -22, null],
      ['rome', '631001', 'license:zulu', 12, '2027-12-05'],
    ]);
    expect(data.changes.map((c: any) => [c.item, c.change, c.newExpiry])).toEqual([['license:broadcast', 'new', '2026-11-01']]);
    expect(String(sent[0]!.text)).toContain('PBX rome (631001), PBXact UC 25');
    expect(String(sent[0]!.text)).toMatch(/2026-12-05 {2}12 days left {6}zulu licence {2}\(renewal on the portal: 2027-12-05, not applied yet\)/);
    expect(store.outbox.events().filter((e) => e.kind === 'digest').map((e) => [e.dedupKey, e.status])).toEqual([['digest/2026-11-23', 'delivered']]);
  });

  it('survives restarts and concurrent processes: one digest per week, the next week another', async () => {
    const r = await receiver();
    const path = join(tmp(), 'agent.db');
    const first = world(r, MONDAY_8, path);
    seed(first.store);
    const second = world(r, MONDAY_8, path);

    await Promise.all([first.service.run(new Date('2026-11-23T09:00:00Z')), second.service.run(new Date('2026-11-23T09:00:00Z'))]);
    first.store.close();
    const restarted = world(r, MONDAY_8, path);
    await restarted.service.run(new Date('2026-11-24T09:00:00Z'));
    await restarted.service.run(new Date('2026-12-01T09:00:00Z'));

    expect(digests(r).map((d) => (d.data as { period: { key: string } }).period.key)).toEqual(['2026-11-23', '2026-11-30']);
  });

  it('is off by default', async () => {
    const r = await receiver();
    const { store, service } = world(r, null);
    seed(store);

    await service.run(new Date('2026-11-23T09:00:00Z'));

    expect(digests(r)).toEqual([]);
  });

  it('says so when nothing expires and nothing changed', async () => {
    const r = await receiver();
    const { service } = world(r);

    await service.run(new Date('2026-11-23T09:00:00Z'));

    expect(digests(r).map((d) => d.title)).toEqual(['Licence digest for the week of 2026-11-23: nothing expires within 90 days; 0 changes last week']);
  });
});

describe('the digest by e-mail', () => {
  const smtpRelay = useSmtpRelays();

  it('is multipart: the text, and an HTML table with every text escaped', async () => {
    const { port, mail } = await smtpRelay();
    const dir = tmp();
    const settings = AlertSettings.parse({ thresholds: [], digest: MONDAY_8, channels: [{ type: 'email', to: ['ops@example.com'], from: 'pbx@example.com', smtp: { host: '127.0.0.1', port, security: 'none' } }] });
    const channels: Channel[] = await buildChannels(settings, join(dir, 'agent.json'), {});
    const store = Store.open(join(dir, 'agent.db'));
    recordCheck(store, { id: '631001', host: 'rome', at: '2026-11-20T02:00:00.000Z', items: [['module-license', 'zulu', '2026-12-05', 'Zulu <b>UC</b> & "Co"']] });
    const service = new AlertService({ store, channels, log: silentLogger }, { settings, timeZone: 'UTC', moduleAliases: new Map(), maxClockSkewMs: 300_000 });

    const result = await service.run(new Date('2026-11-23T09:00:00Z'));

    expect(result.delivered.failed).toEqual([]);
    // The other mail is the dead-man alert (no check for three days).
    const digest = mail.filter((m) => /^Subject: Licence digest/m.test(m));
    expect(digest).toHaveLength(1);
    const raw = digest[0]!.replace(/=\r?\n/g, '');
    expect(raw).toMatch(/Content-Type: multipart\/alternative;/);
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(raw).toMatch(/Content-Type: text\/html; charset=utf-8/);
    const [text, html] = raw.split(/Content-Type: text\/html; charset=utf-8/) as [string, string];
    expect(text).toContain('Zulu <b>UC</b> & "Co"');
    expect(html).toContain('<table');
    expect(html).toContain('Zulu &lt;b&gt;UC&lt;/b&gt; &amp; &quot;Co&quot;');
    expect(html).not.toContain('<b>UC</b>');
  });
});
