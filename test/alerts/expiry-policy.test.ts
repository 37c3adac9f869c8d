import { describe, expect, it } from 'vitest';
import { dueStage, isNews, planExpiryNotices, planRenewals, thresholdsFor, type Announced, type ExpiryItem } from '../../src/alerts/expiry-policy.js';

const DEFAULT = [60, 30, 14, 7, 3, 1];
const WEEK = 7 * 86_400_000;
const settings = { thresholds: DEFAULT, perModule: new Map([['zulu', [10]], ['cos', []]]), expiredRepeatMs: WEEK };
const NOW = new Date('2026-11-26T10:00:00Z');
const TODAY = '2026-11-26';

function item(key: string, expiry: string, kind: ExpiryItem['kind'] = 'module-license', deploymentId = '631'): ExpiryItem {
  const moduleKey = kind === 'module-license' || kind === 'module-maintenance' ? key : null;
  return { deploymentId, item: moduleKey ? `${kind === 'module-license' ? 'license' : 'maintenance'}:${key}` : key, kind, moduleKey, label: `${key} licence`, expiry };
}

const nothingAnnounced = (): Announced | null => null;

describe('dueStage', () => {
  it.each([
    [null, null],
    [61, null],
    [60, 'days:60'],
    [45, 'days:60'],
    [30, 'days:30'],
    [8, 'days:14'],
    [5, 'days:7'],
    [1, 'days:1'],
    [0, 'days:1'],
    [-1, 'expired'],
    [-400, 'expired'],
  ])('%s days left -> %s', (days, stage) => {
    expect(dueStage(days, DEFAULT)).toBe(stage);
  });

  it('has nothing to say with no thresholds, until the item expires', () => {
    expect(dueStage(0, [])).toBeNull();
    expect(dueStage(-1, [])).toBe('expired');
  });
});

describe('isNews', () => {
  it.each([
    ['nothing announced yet', 'days:7', null, true],
    ['same threshold again', 'days:7', { stage: 'days:7', notifiedAt: '2026-11-25T10:00:00Z' }, false],
    ['a more urgent threshold', 'days:3', { stage: 'days:7', notifiedAt: '2026-11-25T10:00:00Z' }, true],
    ['a less urgent one (thresholds widened)', 'days:30', { stage: 'days:7', notifiedAt: '2026-11-25T10:00:00Z' }, false],
    ['first expired notice', 'expired', { stage: 'days:1', notifiedAt: '2026-11-25T10:00:00Z' }, true],
    ['expired, repeated 6 days ago', 'expired', { stage: 'expired', notifiedAt: '2026-11-20T10:00:00Z' }, false],
    ['expired, repeated 7 days ago', 'expired', { stage: 'expired', notifiedAt: '2026-11-19T10:00:00Z' }, true],
    ['threshold after expired (clock went back)', 'days:1', { stage: 'expired', notifiedAt: '2026-11-25T10:00:00Z' }, false],
  ] as const)('%s -> %s', (_what, due, announced, expected) => {
    expect(isNews(due, announced, NOW, WEEK)).toBe(expected);
  });
});

describe('thresholdsFor', () => {
  it('uses a module\'s own thresholds for its licence and maintenance, the global ones otherwise', () => {
    expect(thresholdsFor({ kind: 'module-license', moduleKey: 'zulu' }, settings)).toEqual([10]);
    expect(thresholdsFor({ kind: 'module-maintenance', moduleKey: 'zulu' }, settings)).toEqual([10]);
    expect(thresholdsFor({ kind: 'module-license', moduleKey: 'broadcast' }, settings)).toEqual(DEFAULT);
    expect(thresholdsFor({ kind: 'activation', moduleKey: null }, settings)).toEqual(DEFAULT);
  });
});

describe('planExpiryNotices', () => {
  it('groups eight modules expiring together into one notice', () => {
    const eight = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k) => item(k, '2026-12-01'));

    const notices = planExpiryNotices(eight, nothingAnnounced, TODAY, NOW, settings);

    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ deploymentId: '631', expiry: '2026-12-01', stage: 'days:7', daysLeft: 5, repeat: false });
    expect(notices[0]!.items).toHaveLength(8);
  });

  it('keeps different dates, stages and deployments apart, and never alerts on never', () => {
    const items = [
      item('a', '2026-12-01'),
      item('b', '2026-12-02'),
      item('c', '2026-12-01', 'module-license', '999'),
      item('endpoint', 'never'),
      item('sysadmin', '2027-06-01'),
      item('zulu', '2026-12-01'),
      item('cos', '2026-11-27'),
      item('activation', '2026-11-20', 'activation'),
    ];

    const notices = planExpiryNotices(items, nothingAnnounced, TODAY, NOW, settings);

    expect(notices.map((n) => [n.deploymentId, n.expiry, n.stage, n.items.map((i) => i.item)])).toEqual([
      ['631', '2026-11-20', 'expired', ['activation']],
      ['631', '2026-12-01', 'days:7', ['license:a']],
      ['631', '2026-12-01', 'days:10', ['license:zulu']],
      ['631', '2026-12-02', 'days:7', ['license:b']],
      ['999', '2026-12-01', 'days:7', ['license:c']],
    ]);
  });

  it('says each threshold once per expiry value: ten evaluations on one day give one notice', () => {
    const items = [item('broadcast', '2026-12-01')];
    const announced = new Map<string, Announced>();
    let total = 0;

    for (let i = 0; i < 10; i++) {
      const notices = planExpiryNotices(items, (s) => announced.get(s) ?? null, TODAY, NOW, settings);
      for (const n of notices) for (const it of n.items) announced.set(`expiry/631/${it.item}/${it.expiry}`, { stage: n.stage, notifiedAt: NOW.toISOString() });
      total += notices.length;
    }

    expect(total).toBe(1);
  });

  it('walks 60, 30, 14, 7, 3, 1, then expired weekly, over a hundred days', () => {
    const items = [item('broadcast', '2027-01-25')];
    const announced = new Map<string, Announced>();
    const said: string[] = [];

    for (let day = 0; day < 100; day++) {
      const now = new Date(Date.parse('2026-11-01T10:00:00Z') + day * 86_400_000);
      const today = now.toISOString().slice(0, 10);
      for (const n of planExpiryNotices(items, (s) => announced.get(s) ?? null, today, now, settings)) {
        said.push(`${today} ${n.stage}${n.repeat ? ' (repeat)' : ''}`);
        announced.set('expiry/631/license:broadcast/2027-01-25', { stage: n.stage, notifiedAt: now.toISOString() });
      }
    }

    expect(said).toEqual([
      '2026-11-26 days:60',
      '2026-12-26 days:30',
      '2027-01-11 days:14',
      '2027-01-18 days:7',
      '2027-01-22 days:3',
      '2027-01-24 days:1',
      '2027-01-26 expired',
      '2027-02-02 expired (repeat)',
    ]);
  });

  it('re-arms when the expiry changes: the new value has announced nothing yet', () => {
    const announced = new Map<string, Announced>([['expiry/631/license:broadcast/2026-12-01', { stage: 'days:7', notifiedAt: NOW.toISOString() }]]);

    const notices = planExpiryNotices([item('broadcast', '2026-12-20')], (s) => announced.get(s) ?? null, TODAY, NOW, settings);

    expect(notices.map((n) => [n.expiry, n.stage])).toEqual([['2026-12-20', 'days:30']]);
  });
});

describe('planRenewals', () => {
  const open = (item: string, expiry: string) => ({ subject: `expiry/631/${item}/${expiry}`, deploymentId: '631', item, expiry });
  const current = (items: ExpiryItem[]) => (d: string, i: string) => items.find((x) => x.deploymentId === d && x.item === i) ?? null;

  it.each([
    ['moved later: renewed', '2027-12-01', ['renewed']],
    ['became never: renewed', 'never', ['renewed']],
    ['unchanged: still open', '2026-12-01', []],
    ['moved earlier: closed silently', '2026-11-28', ['closed']],
  ])('%s', (_what, now, expected) => {
    const result = planRenewals([open('license:broadcast', '2026-12-01')], current([item('broadcast', now)]));

    expect([...result.renewed.map(() => 'renewed'), ...result.closed.map(() => 'closed')]).toEqual(expected);
  });

  it('names old and new dates, and closes a vanished item silently', () => {
    const result = planRenewals([open('license:broadcast', '2026-12-01'), open('license:gone', '2026-12-01')], current([item('broadcast', '2027-12-01')]));

    expect(result.renewed.map((r) => [r.item.item, r.oldExpiry, r.newExpiry])).toEqual([['license:broadcast', '2026-12-01', '2027-12-01']]);
    expect(result.closed).toEqual(['expiry/631/license:gone/2026-12-01']);
  });
});
