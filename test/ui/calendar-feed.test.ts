import ICAL from 'ical.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRenewalReport } from '../../src/app/renewal-report.js';
import { Store } from '../../src/store/store.js';
import { calendarFeed, renderCalendar } from '../../src/ui/calendar-feed.js';
import { recordCheck, type ItemSpec } from '../helpers/report-store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const TODAY = '2026-11-26';
const SETTINGS = { thresholds: [60, 30, 14, 7, 3, 1], perModule: new Map([['cos', [10, 0]]]) };
const LABEL = 'Contabilità chiamate; Pro, "Plus" \\ édition spéciale pour les très longues descriptions 日本語';

const ITEMS: ItemSpec[] = [
  ['activation', null, '2030-09-04'],
  ['module-license', 'zulu', '2026-12-20', LABEL],
  ['module-license', 'cos', '2027-01-05'],
  ['module-license', 'endpoint', 'never'],
  ['module-license', 'areminder', '2026-11-01'],
];

function feedText(store: Store): string {
  return renderCalendar(buildRenewalReport(store, { today: TODAY, withinDays: null, revisions: true }), SETTINGS);
}

function events(text: string): ICAL.Component[] {
  return new ICAL.Component(ICAL.parse(text)).getAllSubcomponents('vevent');
}

describe('calendar feed', () => {
  it('parses with ical.js: one all-day event per dated item, never left out, text with commas, semicolons and non-ASCII intact', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    recordCheck(store, { id: '631001', host: 'rome', product: 'PBXact, UC; 25', at: '2026-11-25T02:00:00.000Z', items: ITEMS });

    const text = feedText(store);
    const list = events(text);

    expect(list.map((e) => e.getFirstPropertyValue('uid'))).toEqual([
      '631001-license-areminder@pbx-activation-agent',
      '631001-license-zulu@pbx-activation-agent',
      '631001-license-cos@pbx-activation-agent',
      '631001-activation@pbx-activation-agent',
    ]);
    const zulu = list[1]!;
    const start = zulu.getFirstPropertyValue('dtstart') as ICAL.Time;
    expect(start.isDate).toBe(true);
    expect(start.toString()).toBe('2026-12-20');
    expect((zulu.getFirstPropertyValue('dtend') as ICAL.Time).toString()).toBe('2026-12-21');
    expect(zulu.getFirstPropertyValue('summary')).toBe(`Expires: ${LABEL}, PBX rome (631001)`);
    expect(zulu.getFirstPropertyValue('description')).toContain('Deployment 631001 (PBXact, UC; 25), host rome.\n');
    expect(zulu.getFirstPropertyValue('description')).toContain('pbx-activation-agent renew --wait 30m');
    expect(zulu.getFirstPropertyValue('sequence')).toBe(0);
    expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('reminders at the alert thresholds still ahead (per module where configured), none for an expired item', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    recordCheck(store, { id: '631001', at: '2026-11-25T02:00:00.000Z', items: ITEMS });

    const list = events(feedText(store));
    const triggers = (e: ICAL.Component) => e.getAllSubcomponents('valarm').map((a) => String(a.getFirstPropertyValue('trigger')));

    expect(triggers(list[0]!)).toEqual([]);
    expect(triggers(list[1]!)).toEqual(['-P14D', '-P7D', '-P3D', '-P1D']);
    expect(triggers(list[2]!)).toEqual(['-P10D', 'PT0S']);
    expect(triggers(list[3]!)).toHaveLength(6);
    expect(list[1]!.getAllSubcomponents('valarm')[0]!.getFirstPropertyValue('action')).toBe('DISPLAY');
  });

  it('a renewal moves the same event (same UID, new date, higher SEQUENCE) instead of adding one', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    recordCheck(store, { id: '631001', host: 'rome', at: '2026-11-25T02:00:00.000Z', items: ITEMS });
    const before = events(feedText(store));
    recordCheck(store, { id: '631001', host: 'rome', at: '2026-11-26T02:00:00.000Z', items: ITEMS.map((i) => (i[1] === 'zulu' ? ['module-license', 'zulu', '2027-12-20', LABEL] : i)) });

    const after = events(feedText(store));

    const uids = (list: ICAL.Component[]) => list.map((e) => e.getFirstPropertyValue('uid')).sort();
    expect(uids(after)).toEqual(uids(before));
    const zulu = after.find((e) => String(e.getFirstPropertyValue('uid')).includes('zulu'))!;
    expect((zulu.getFirstPropertyValue('dtstart') as ICAL.Time).toString()).toBe('2027-12-20');
    expect(zulu.getFirstPropertyValue('sequence')).toBe(1);
    expect(String(zulu.getFirstPropertyValue('dtstamp'))).toBe('2026-11-26T02:00:00Z');
    const cos = after.find((e) => String(e.getFirstPropertyValue('uid')).includes('cos'))!;
    expect(cos.getFirstPropertyValue('sequence')).toBe(0);
  });

  it('a feed narrowed to the next days (--within) gives its events the same SEQUENCE and DTSTAMP as the full feed', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    recordCheck(store, { id: '631001', host: 'rome', at: '2026-11-25T02:00:00.000Z', items: ITEMS });
    recordCheck(store, { id: '631002', host: 'oslo', at: '2026-11-25T03:00:00.000Z', items: ITEMS });
    const renewed = ITEMS.map((i): ItemSpec => (i[1] === 'zulu' ? ['module-license', 'zulu', '2027-01-20', LABEL] : i));
    recordCheck(store, { id: '631001', host: 'rome', at: '2026-11-26T02:00:00.000Z', items: renewed });
    const stamped = (text: string) => events(text).map((e) => [String(e.getFirstPropertyValue('uid')), e.getFirstPropertyValue('sequence'), String(e.getFirstPropertyValue('dtstamp'))]);

    const full = stamped(feedText(store));
    const within = stamped(renderCalendar(buildRenewalReport(store, { today: TODAY, withinDays: 60, revisions: true }), SETTINGS));

    // zulu of 631001 moved to 2027-01-20 (55 days ahead): in the narrowed feed, with its one change counted.
    // areminder (expired), zulu and cos of both deployments; not the activation (2030).
    expect(within).toHaveLength(6);
    expect(within.some(([uid]) => String(uid).startsWith('631001-activation'))).toBe(false);
    expect(within).toEqual(full.filter(([uid]) => within.some(([w]) => w === uid)));
    expect(within.find(([uid]) => uid === '631001-license-zulu@pbx-activation-agent')).toEqual(['631001-license-zulu@pbx-activation-agent', 1, '2026-11-26T02:00:00Z']);
  });

  it('the feed says what its events as data (--json) say, also for names with line breaks, control characters and a renewal seen', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const odd = 'Odd\r\nname\r; tab\there, back\\slash\x07 \u00e9\r';
    recordCheck(store, {
      id: '631001',
      host: 'rome\r',
      product: 'UC,\n25\r',
      at: '2026-11-25T02:00:00.000Z',
      items: [...ITEMS, ['module-license', 'broadcast', '2026-12-01', odd]],
      pending: [{ item: 'license:zulu', pbx: '2026-12-20', portal: '2027-12-20' }],
    });
    const report = buildRenewalReport(store, { today: TODAY, withinDays: null, revisions: true });

    const parsed = events(renderCalendar(report, SETTINGS)).map((e) => ({
      uid: e.getFirstPropertyValue('uid'),
      summary: e.getFirstPropertyValue('summary'),
      description: e.getFirstPropertyValue('description'),
      sequence: e.getFirstPropertyValue('sequence'),
    }));
    // iCalendar TEXT has no CR and no control characters: CR LF and a lone CR are a line break, the rest go.
    const asText = (text: string) => text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    const data = calendarFeed(report, SETTINGS).events.map((e) => ({ uid: asText(e.uid), summary: asText(e.summary), description: asText(e.description), sequence: e.sequence }));

    expect(parsed).toEqual(data);
    expect(data.some((e) => e.summary.includes('Odd\nname\n; tab\there, back\\slash'))).toBe(true);
    expect(data.some((e) => e.description.includes('The portal already shows a renewal until 2027-12-20'))).toBe(true);
  });

  it('an empty store gives a valid calendar with no event', () => {
    const text = renderCalendar({ today: TODAY, until: null, deployments: [] }, SETTINGS);

    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(calendar.getAllSubcomponents('vevent')).toEqual([]);
  });
});
