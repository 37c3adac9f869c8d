import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/core/order.js';

describe('compareText', () => {
  it.each([
    ['license:cos', 'license:zulu', -1],
    ['support-contract', 'activation', 1],
    ['2026-11-26T08:00:00.000Z', '2026-11-26T08:00:00.000Z', 0],
    ['2026-11-26T08:00:00.000Z', '2026-11-26T10:00:00.000Z', -1],
  ])('orders %s before or after %s (%d)', (a, b, expected) => {
    expect(compareText(a, b)).toBe(expected);
  });

  it('sorts item ids and ISO instants as their natural order', () => {
    const ids = ['license:sysadmin', 'activation', 'license:global', 'support-contract', 'license:cdrpro'];

    const sorted = [...ids].sort(compareText);

    expect(sorted).toEqual(['activation', 'license:cdrpro', 'license:global', 'license:sysadmin', 'support-contract']);
  });
});
