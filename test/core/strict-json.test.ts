import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/core/strict-json.js';

describe('parseJson: duplicated members', () => {
  it.each([
    ['{"a":1,"a":2}', '', 'a'],
    ['{"modules":[{"key":"x","licenseExpires":"2026-01-01","licenseExpires":"2031-01-01"}]}', 'modules.0', 'licenseExpires'],
    ['{"a":{"b":[1,{"c":true,"c":false}]}}', 'a.b.1', 'c'],
    ['{"a":"x","\\u0061":"y"}', '', 'a'],
    ['{"__proto__":1,"__proto__":2}', '', '__proto__'],
    ['{"a":{"x":1},"a":{"x":2}}', '', 'a'],
    ['{"a":[1,2],"a":[2,1]}', '', 'a'],
    ['{"a":null,"a":0}', '', 'a'],
  ])('%s: refused, naming the member', (text, path, key) => {
    const result = parseJson(text);

    expect(result).toMatchObject({ ok: false, kind: 'duplicate', path, key });
    expect(result.ok ? '' : result.problem).toContain(`"${key}"`);
  });

  it.each([
    ['{"a":1,"a":1}', { a: 1 }],
    ['{"a":1.0,"a":1}', { a: 1 }],
    ['{"a":{"x":1,"y":2},"a":{"y":2,"x":1}}', { a: { x: 1, y: 2 } }],
    [' { "a" : [ ] , "a" : [] } ', { a: [] }],
    ['{"a":{},"b":{},"c":[{},{}]}', { a: {}, b: {}, c: [{}, {}] }],
    ['"just a string with \\" and {"', 'just a string with " and {'],
    ['[{"a":1},{"a":2}]', [{ a: 1 }, { a: 2 }]],
  ])('%s: identical repeats and lookalikes are accepted', (text, value) => {
    expect(parseJson(text)).toEqual({ ok: true, value });
  });

  it('a syntax error is reported as such', () => {
    expect(parseJson('{"a":')).toMatchObject({ ok: false, kind: 'syntax' });
  });

  it('deep nesting does not overflow the stack', () => {
    const deep = `${'['.repeat(5000)}{"a":1,"a":2}${']'.repeat(5000)}`;

    expect(parseJson(deep)).toMatchObject({ ok: false, kind: 'duplicate', key: 'a' });
  });

  it('agrees with a reference on objects built from members that may repeat', () => {
    const member = fc.tuple(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', 'k\u00e9y', 'x"y'), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), fc.boolean(), (members, wrap) => {
        const body = `{${members.map(([k, v]) => `${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(' ,\n')}}`;
        const text = wrap ? `[1, {"inner": ${body}}]` : body;
        const values = new Map<string, string[]>();
        for (const [k, v] of members) values.set(k, [...(values.get(k) ?? []), sortedJson(v)]);
        const conflict = [...values.values()].some((vs) => new Set(vs).size > 1);

        const result = parseJson(text);

        expect(result.ok).toBe(!conflict);
        if (!result.ok) expect(result).toMatchObject({ kind: 'duplicate', path: wrap ? '1.inner' : '' });
      }),
    );
  });

  it('accepts whatever JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value, null, 1);
        expect(parseJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
      }),
    );
  });
});

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
