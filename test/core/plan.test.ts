import { describe, expect, it } from 'vitest';
import { dateExpiry, NEVER } from '../../src/core/expiry.js';
import { makeItem } from '../../src/core/items.js';
import { planRenewals, unverified } from '../../src/core/plan.js';

const lic = (key: string, date: string | null) => makeItem('module-license', key, date === null ? NEVER : dateExpiry(date));

describe('planRenewals', () => {
  it.each([
    ['a later date on the portal', [lic('broadcast', '2026-12-01')], [lic('broadcast', '2027-12-01')], [['license:broadcast', '2026-12-01', '2027-12-01']]],
    ['never on the portal, a date on the PBX', [lic('endpoint', '2026-12-01')], [lic('endpoint', null)], [['license:endpoint', '2026-12-01', 'never']]],
    ['a module only the portal has', [], [lic('zulu', '2027-01-01')], [['license:zulu', null, '2027-01-01']]],
    ['the same date', [lic('broadcast', '2026-12-01')], [lic('broadcast', '2026-12-01')], []],
    ['an earlier date on the portal', [lic('broadcast', '2027-12-01')], [lic('broadcast', '2026-12-01')], []],
    ['never on both', [lic('endpoint', null)], [lic('endpoint', null)], []],
  ])('%s', (_what, pbx, portal, expected) => {
    const plan = planRenewals(pbx, portal);

    expect(plan.renewals.map((r) => [r.item, r.pbx, r.portal])).toEqual(expected);
  });

  it('never plans maintenance (the PBX cannot show it) and notes odd differences', () => {
    const plan = planRenewals(
      [lic('broadcast', '2027-12-01'), lic('legacy', '2026-01-01')],
      [lic('broadcast', '2026-12-01'), makeItem('module-maintenance', 'broadcast', dateExpiry('2030-01-01'))],
    );

    expect(plan.renewals).toEqual([]);
    expect(plan.notes).toEqual([
      "broadcast licence: the portal shows 2026-12-01, earlier than the PBX's 2027-12-01; left alone",
      'legacy licence: on the PBX (2026-01-01) but not on the portal',
    ]);
  });

  it('plans activation and support contract renewals too', () => {
    const plan = planRenewals(
      [makeItem('activation', null, dateExpiry('2030-01-01')), makeItem('support-contract', null, dateExpiry('2026-12-01'))],
      [makeItem('activation', null, dateExpiry('2031-01-01')), makeItem('support-contract', null, dateExpiry('2027-12-01'))],
    );

    expect(plan.renewals.map((r) => r.item)).toEqual(['activation', 'support-contract']);
  });
});

describe('unverified', () => {
  it('lists planned items the PBX does not show yet, with what it shows', () => {
    const plan = planRenewals([lic('a', '2026-01-01'), lic('b', '2026-01-01')], [lic('a', '2027-01-01'), lic('b', '2027-01-01')]);

    expect(unverified(plan.renewals, [lic('a', '2027-01-01'), lic('b', '2026-01-01')]).map((u) => [u.item, u.now])).toEqual([['license:b', '2026-01-01']]);
  });
});
