import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bandOf, buildRenewalReport, summarise } from '../../src/app/renewal-report.js';
import { Store } from '../../src/store/store.js';
import { recordCheck } from '../helpers/report-store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const TODAY = '2026-11-26';

function fleetStore(): Store {
  const store = Store.open(join(tmp(), 'agent.db'));
  recordCheck(store, {
    id: '631001',
    host: 'rome',
    product: 'PBXact UC 25',
    at: '2026-11-25T02:00:00.000Z',
    items: [
      ['activation', null, '2030-09-04'],
      ['module-license', 'zulu', '2026-12-20'],
      ['module-maintenance', 'zulu', '2026-12-20'],
      ['module-license', 'endpoint', 'never'],
      ['module-license', 'areminder', '2026-11-01'],
    ],
    pending: [{ item: 'license:zulu', pbx: '2026-12-20', portal: '2027-12-20' }],
  });
  recordCheck(store, { id: '631002', host: 'milan', product: null, at: '2026-11-25T02:05:00.000Z', items: [['module-license', 'cos', '2027-02-20']] });
  recordCheck(store, { id: '631003', host: 'turin', at: '2026-11-25T02:06:00.000Z', items: [['module-license', 'cos', '2028-01-01']] });
  return store;
}

describe('buildRenewalReport', () => {
  it('lists what expires within the period (expired included, never and later left out), most urgent deployment first', () => {
    const store = fleetStore();

    const report = buildRenewalReport(store, { today: TODAY, withinDays: 90 });

    expect(report.until).toBe('2027-02-24');
    expect(report.deployments.map((d) => [d.host, d.deploymentId, d.productName])).toEqual([
      ['rome', '631001', 'PBXact UC 25'],
      ['milan', '631002', null],
    ]);
    expect(report.deployments[0]!.items.map((i) => [i.item, i.expiry, i.daysLeft, i.band])).toEqual([
      ['license:areminder', '2026-11-01', -25, 'expired'],
      ['license:zulu', '2026-12-20', 24, 'within-30'],
      ['maintenance:zulu', '2026-12-20', 24, 'within-30'],
    ]);
    expect(report.deployments[1]!.items[0]).toMatchObject({ item: 'license:cos', daysLeft: 86, band: 'within-90' });
    expect(report.deployments[0]!.lastSuccessfulCheck).toBe('2026-11-25T02:00:30.000Z');
  });

  it('says which renewals the portal already shows (from the last check), only where the portal date is later', () => {
    const store = fleetStore();
    recordCheck(store, { id: '631002', host: 'milan', at: '2026-11-26T02:05:00.000Z', items: [['module-license', 'cos', '2027-02-20']], pending: [{ item: 'license:cos', pbx: '2027-02-20', portal: '2027-01-01' }] });

    const report = buildRenewalReport(store, { today: TODAY, withinDays: 90 });

    const seen = report.deployments.flatMap((d) => d.items.map((i) => [d.deploymentId, i.item, i.renewalSeen]));
    expect(seen).toEqual([
      ['631001', 'license:areminder', null],
      ['631001', 'license:zulu', '2027-12-20'],
      ['631001', 'maintenance:zulu', null],
      ['631002', 'license:cos', null],
    ]);
  });

  it('with everything: never items, deployments with nothing due; with revisions and renewals: the history of each item', () => {
    const store = fleetStore();
    recordCheck(store, { id: '631003', host: 'turin', at: '2026-11-26T02:06:00.000Z', items: [['module-license', 'cos', '2029-01-01']] });

    const all = buildRenewalReport(store, { today: TODAY, withinDays: null, everything: true, revisions: true, renewalsSince: '2026-01-01T00:00:00.000Z' });
    const one = buildRenewalReport(store, { today: TODAY, withinDays: 30, deploymentId: '631003' });

    expect(all.until).toBeNull();
    expect(all.deployments.map((d) => d.deploymentId)).toEqual(['631001', '631002', '631003']);
    expect(all.deployments[0]!.items.at(-1)).toMatchObject({ item: 'license:endpoint', daysLeft: null, band: 'never' });
    const cos = all.deployments[2]!.items[0]!;
    expect(cos.revision).toEqual({ changes: 2, lastChangedAt: '2026-11-26T02:06:00.000Z' });
    expect(cos.renewals).toEqual([{ changedAt: '2026-11-26T02:06:00.000Z', from: '2028-01-01', to: '2029-01-01' }]);
    expect(all.deployments[0]!.items[0]!.renewals).toEqual([]);
    expect(one.deployments).toEqual([]);
  });

  it('an empty store gives an empty report', () => {
    const store = Store.open(join(tmp(), 'agent.db'));

    expect(buildRenewalReport(store, { today: TODAY, withinDays: 90, everything: true }).deployments).toEqual([]);
  });

  it('summarise counts expired, within 30 and within 90 days (the 90 include the 30)', () => {
    const report = buildRenewalReport(fleetStore(), { today: TODAY, withinDays: null, everything: true });

    expect(summarise(report)).toEqual({ deployments: 3, items: 7, expired: 1, within30: 2, within90: 3 });
  });
});

describe('bandOf', () => {
  it.each([
    [null, 'never'],
    [-1, 'expired'],
    [0, 'within-30'],
    [30, 'within-30'],
    [31, 'within-90'],
    [90, 'within-90'],
    [91, 'later'],
  ] as const)('%s days left: %s', (days, band) => {
    expect(bandOf(days)).toBe(band);
  });
});
