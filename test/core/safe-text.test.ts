import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bounded, hasControls, safeLine, safeText, stripControls } from '../../src/core/safe-text.js';
import { FORBIDDEN, HOSTILE } from '../helpers/hostile-text.js';

describe('safe text', () => {
  it.each(HOSTILE)('%s is removed, the words around it kept', (_name, bad) => {
    const text = `before${bad}after`;

    expect(safeLine(text, 100)).toBe('beforeafter');
    expect(stripControls(text)).toBe('beforeafter');
    expect(hasControls(text)).toBe(true);
  });

  it('colour sequences vanish whole, not just their ESC byte', () => {
    expect(stripControls('\x1b[1;31mfailed\x1b[0m: \u009b33mslow\u009b0m')).toBe('failed: slow');
  });

  it('keeps accents, CJK, Hebrew and Arabic letters and emoji', () => {
    const text = 'Société Générale 株式会社 שלום مرحبا 🚀 Ünïcødé';

    expect(safeLine(text, 1000)).toBe(text);
    expect(stripControls(text)).toBe(text);
    expect(hasControls(text)).toBe(false);
  });

  it('multi-line text keeps its lines and tabs; CR and CRLF become newlines', () => {
    expect(stripControls('a\r\nb\rc\n\td')).toBe('a\nb\nc\n\td');
    expect(safeText('x\ny\u202e', 10)).toBe('x\ny');
  });

  it('one line: breaks and tabs become single spaces', () => {
    expect(safeLine(' a\n\n b\t\tc\u2028d ', 100)).toBe('a b c d');
  });

  it('bounds length with an ellipsis and never splits a surrogate pair', () => {
    expect(bounded('abcdef', 4)).toBe('abc…');
    expect(bounded('ab😀cd', 4)).toBe('ab…');
    expect(bounded('abc', 3)).toBe('abc');
    expect(safeLine('x'.repeat(140_000), 200)).toHaveLength(200);
  });

  it('any string comes out free of controls and within its bound', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.integer({ min: 1, max: 400 }), (text, max) => {
        const line = safeLine(text, max);
        const multi = safeText(text, max);
        expect(line).not.toMatch(FORBIDDEN);
        expect(line).not.toMatch(/[\n\t]/);
        expect(multi).not.toMatch(FORBIDDEN);
        expect(line.length).toBeLessThanOrEqual(max);
        expect(multi.length).toBeLessThanOrEqual(max);
        expect(hasControls(line)).toBe(false);
      }),
    );
  });
});
