import { describe, expect, it } from 'vitest';
import { memoize } from '../../src/core/memo.js';

describe('memoize', () => {
  it('computes each key once, undefined and null results included', () => {
    const calls: Array<string | undefined> = [];
    const f = memoize((key: string | undefined) => {
      calls.push(key);
      return key === 'none' ? undefined : key === 'null' ? null : `v-${key}`;
    });

    expect([f('a'), f('a'), f('none'), f('none'), f('null'), f('null'), f(undefined), f(undefined)]).toEqual(['v-a', 'v-a', undefined, undefined, null, null, 'v-undefined', 'v-undefined']);
    expect(calls).toEqual(['a', 'none', 'null', undefined]);
  });
});
