import { describe, expect, it } from 'vitest';
import { NEVER, dateExpiry } from '../../src/core/expiry.js';
import { makeItem, type LicensedItem } from '../../src/core/items.js';
import { parseWindow } from '../../src/core/window.js';
import { decideProbe, type ProbeInput, type ProbeSettings } from '../../src/renewals/probe-policy.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-26T03:00:00Z');
const SETTINGS: ProbeSettings = { horizonMs: 30 * DAY, graceMs: 60 * DAY, perModule: new Map(), intervalMs: DAY, window: null, timeZone: 'UTC', maxSkewMs: 5 * 60_000 };
const TRUSTED = { trusted: true, reason: null };

const licence = (key: string, date: string | null): LicensedItem => makeItem('module-license', key, date === null ? NEVER : dateExpiry(date));
const input = (items: LicensedItem[], extra: Partial<ProbeInput> = {}): ProbeInput => ({ items, now: NOW, lastProbeAt: null, clock: TRUSTED, ...extra });

describe('the activation probe policy', () => {
  it.each([
    ['expires in 30 days', '2026-12-26', true],
    ['expires in 31 days', '2026-12-27', false],
    ['expires today', '2026-11-26', true],
    ['expired 60 days ago', '2026-09-27', true],
    ['expired 61 days ago', '2026-09-26', false],
  ])('an item that %s: due %s', (_what, date, due) => {
    expect(decideProbe(SETTINGS, input([licence('broadcast', date)])).due).toBe(due);
  });

  it('says why nothing is due, and from when the next item is', () => {
    const decision = decideProbe(SETTINGS, input([licence('broadcast', '2027-03-01'), licence('zulu', '2027-01-30')]));

    expect(decision).toMatchObject({ due: false, hold: 'horizon', nextAt: new Date('2026-12-31T00:00:00Z') });
    expect(decision.reason).toBe('nothing expires within 30 days; next: zulu licence expires 2027-01-30, probes from 2026-12-31');
  });

  it('never probes for Never, nor for maintenance dates (the PBX does not show them)', () => {
    const items = [licence('endpoint', null), makeItem('module-maintenance', 'zulu', dateExpiry('2026-11-30'))];

    const decision = decideProbe(SETTINGS, input(items));

    expect(decision).toMatchObject({ due: false, hold: 'horizon', nextAt: null, reason: 'nothing expires within 30 days' });
  });

  it('names the items that make it due, soonest first', () => {
    const items = [licence('zulu', '2026-12-20'), licence('broadcast', '2026-12-01'), licence('areminder', '2026-11-14'), makeItem('activation', null, dateExpiry('2026-12-10'))];

    const decision = decideProbe(SETTINGS, input(items));

    expect(decision).toEqual({
      due: true,
      reason: 'areminder licence expired 12 days ago, broadcast licence expires in 5 days, Activation expires in 14 days and 1 more',
      items: ['license:areminder', 'license:broadcast', 'activation', 'license:zulu'],
    });
  });

  it('a per-module horizon replaces the default for that licence only', () => {
    const settings = { ...SETTINGS, perModule: new Map([['zulu', 60 * DAY], ['broadcast', 3 * DAY]]) };

    expect(decideProbe(settings, input([licence('zulu', '2027-01-20')])).due).toBe(true);
    expect(decideProbe(settings, input([licence('broadcast', '2026-12-01')])).due).toBe(false);
    expect(decideProbe(settings, input([licence('cdrpro', '2027-01-20')])).due).toBe(false);
  });

  it('looks up per-module horizons as data: a key named like an Object property is just a key', () => {
    const settings = { ...SETTINGS, perModule: new Map([['constructor', 60 * DAY]]) };

    expect(decideProbe(settings, input([licence('constructor', '2027-01-20')])).due).toBe(true);
    expect(decideProbe(settings, input([licence('tostring', '2027-01-20')])).due).toBe(false);
  });

  it('at most once per interval: not again the same day, again a day later (a check a few minutes early still counts)', () => {
    const items = [licence('broadcast', '2026-12-01')];
    const probedAt = new Date(NOW.getTime() - 3 * 3_600_000);

    const soon = decideProbe(SETTINGS, input(items, { lastProbeAt: probedAt }));
    const nextDay = decideProbe(SETTINGS, input(items, { lastProbeAt: new Date(NOW.getTime() - DAY + 5 * 60_000) }));

    expect(soon).toMatchObject({ due: false, hold: 'interval', nextAt: new Date('2026-11-26T23:00:00Z') });
    expect(soon.reason).toBe('probed 3h ago; next after 2026-11-26 23:00 UTC');
    expect(nextDay.due).toBe(true);
  });

  it('only inside the maintenance window, saying when it opens', () => {
    const settings = { ...SETTINGS, window: parseWindow('04:00-06:00') };
    const items = [licence('broadcast', '2026-12-01')];

    const outside = decideProbe(settings, input(items));
    const inside = decideProbe(settings, input(items, { now: new Date('2026-11-26T04:30:00Z') }));

    expect(outside).toMatchObject({ due: false, hold: 'window', nextAt: new Date('2026-11-26T04:00:00Z') });
    expect(outside.reason).toBe('outside the maintenance window 04:00-06:00; next probe at 2026-11-26 04:00 UTC');
    expect(inside.due).toBe(true);
  });

  it('the window is read in the configured time zone; the next probe waits for both the interval and the window', () => {
    const settings = { ...SETTINGS, window: parseWindow('02:00-05:00'), timeZone: 'Europe/Rome' };
    const items = [licence('broadcast', '2026-12-01')];

    const decision = decideProbe(settings, input(items, { now: new Date('2026-11-26T03:30:00Z'), lastProbeAt: new Date('2026-11-26T02:00:00Z') }));

    // Probed at 03:00 Rome; the interval ends at 02:00 Rome the next day, inside the window.
    expect(decision).toMatchObject({ due: false, hold: 'interval', nextAt: new Date('2026-11-27T01:00:00Z') });
  });

  it('a last probe stamped in the future (the clock ran ahead) does not hold probes back; one a minute ahead still counts', () => {
    const items = [licence('broadcast', '2026-12-01')];

    expect(decideProbe(SETTINGS, input(items, { lastProbeAt: new Date('2031-11-26T03:00:00Z') })).due).toBe(true);
    expect(decideProbe(SETTINGS, input(items, { lastProbeAt: new Date(NOW.getTime() + 60_000) }))).toMatchObject({ due: false, hold: 'interval' });
  });

  it('an untrusted clock holds every probe back, whatever expires', () => {
    const decision = decideProbe(SETTINGS, input([licence('broadcast', '2026-11-27')], { clock: { trusted: false, reason: 'the system clock is not synchronized' } }));

    expect(decision).toMatchObject({ due: false, hold: 'clock', nextAt: null });
    expect(decision.reason).toBe('clock not trusted (the system clock is not synchronized); no probe until it is fixed');
  });

  it('counts days in the configured zone: 23:30 UTC on the 25th is already the 26th in Rome', () => {
    const items = [licence('broadcast', '2026-12-26')];
    const at = new Date('2026-11-25T23:30:00Z');

    expect(decideProbe({ ...SETTINGS, timeZone: 'UTC' }, input(items, { now: at })).due).toBe(false);
    expect(decideProbe({ ...SETTINGS, timeZone: 'Europe/Rome' }, input(items, { now: at })).due).toBe(true);
  });
});
