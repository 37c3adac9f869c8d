import { describe, expect, it } from 'vitest';
import {
  addDays,
  calendarDate,
  compareExpiry,
  daysLeft,
  expiryFromStored,
  formatExpiry,
  NEVER,
  parseExpiry,
  startOfDay,
  toDayMonYear,
} from '../../src/core/expiry.js';

describe('parseExpiry', () => {
  it.each([
    ['2024-09-01', '2024-09-01'],
    ['04-Sep-2030', '2030-09-04'],
    ['4-sep-2030', '2030-09-04'],
    ['Never', 'never'],
    ['NEVER', 'never'],
    ['2027-01-10 00:00:00', '2027-01-10'],
    ['2027-01-10T12:30:00Z', '2027-01-10'],
    ['  2026-12-01 ', '2026-12-01'],
  ])('reads %j as %s', (text, stored) => {
    const parsed = parseExpiry(text);

    expect(parsed && formatExpiry(parsed)).toBe(stored);
  });

  it.each(['', '0', '1699999999', '2026-02-30', '31-Foo-2026', '2026/12/01', 'soon', '00-Jan-2026', '1969-12-31'])(
    'refuses %j rather than guessing',
    (text) => {
      expect(parseExpiry(text)).toBeNull();
    },
  );
});

describe('stored form', () => {
  it('keeps never as the text "never", not 0 or a far date', () => {
    expect(formatExpiry(NEVER)).toBe('never');
    expect(expiryFromStored('never')).toEqual(NEVER);
    expect(() => expiryFromStored('0')).toThrow();
  });
});

describe('ordering and days left', () => {
  it('sorts never after every date', () => {
    const dates = ['never', '2030-01-01', '2026-01-01'].map(expiryFromStored).sort(compareExpiry).map(formatExpiry);

    expect(dates).toEqual(['2026-01-01', '2030-01-01', 'never']);
  });

  it.each([
    ['2026-12-01', '2026-11-26', 5],
    ['2026-11-26', '2026-11-26', 0],
    ['2026-11-14', '2026-11-26', -12],
    ['2028-03-01', '2028-02-28', 2],
  ])('%s seen on %s has %i days left', (expiry, today, expected) => {
    expect(daysLeft(expiryFromStored(expiry), today)).toBe(expected);
  });

  it('has no days left for never', () => {
    expect(daysLeft(NEVER, '2026-11-26')).toBeNull();
  });
});

describe('calendar helpers', () => {
  it('takes the calendar date in the requested zone', () => {
    const instant = new Date('2026-11-26T23:30:00Z');

    expect(calendarDate(instant, 'UTC')).toBe('2026-11-26');
    expect(calendarDate(instant, 'Europe/Rome')).toBe('2026-11-27');
    expect(calendarDate(instant, 'America/New_York')).toBe('2026-11-26');
  });

  it.each(['UTC', 'Europe/Rome', 'America/New_York', 'Pacific/Kiritimati'])('takes the host zone (TZ=%s) without a formatter, with the same answer', (zone) => {
    const instants = ['2026-11-26T23:30:00Z', '2026-11-26T00:30:00Z', '2026-03-29T01:30:00Z', '2026-12-31T12:00:00Z'].map((t) => new Date(t));
    const saved = process.env.TZ;

    process.env.TZ = zone;
    const host = instants.map((i) => calendarDate(i));
    process.env.TZ = saved;

    expect(host).toEqual(instants.map((i) => calendarDate(i, zone)));
  });

  it('formats DD-Mon-YYYY the way FreePBX prints activation expiry', () => {
    expect(toDayMonYear('2030-09-04')).toBe('04-Sep-2030');
    expect(formatExpiry(parseExpiry(toDayMonYear('2030-09-04'))!)).toBe('2030-09-04');
  });

  it('finds the instant a day begins in a zone, also on the days clocks change', () => {
    expect(startOfDay('2026-11-26', 'UTC').toISOString()).toBe('2026-11-26T00:00:00.000Z');
    expect(startOfDay('2026-11-26', 'Europe/Rome').toISOString()).toBe('2026-11-25T23:00:00.000Z');
    expect(startOfDay('2026-11-26', 'Asia/Kolkata').toISOString()).toBe('2026-11-25T18:30:00.000Z');
    expect(startOfDay('2026-11-26', 'America/New_York').toISOString()).toBe('2026-11-26T05:00:00.000Z');
    // Summer time starts at 02:00 that day: midnight is still winter time; the next day begins in summer time.
    expect(startOfDay('2026-03-29', 'Europe/Rome').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDay('2026-03-30', 'Europe/Rome').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    // Each calendar date of the result, in the zone, is the day asked for.
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/Santiago', 'Australia/Lord_Howe']) {
      for (const day of ['2026-04-05', '2026-09-06', '2026-10-04', '2026-11-26']) expect(calendarDate(startOfDay(day, zone), zone), `${day} ${zone}`).toBe(day);
    }
  });

  it('adds days across months and leap years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-26', -12)).toBe('2026-11-14');
  });
});
