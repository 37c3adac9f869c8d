import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, IcsWriter } from '../../src/ui/icalendar.js';

const octets = (s: string) => Buffer.byteLength(s, 'utf8');
const unfold = (s: string) => s.replace(/\r\n /g, '');

describe('iCalendar writer', () => {
  it.each([
    ['a,b;c\\d', 'a\\,b\\;c\\\\d'],
    ['line one\nline two\r\nthree', 'line one\\nline two\\nthree'],
    ['bell\x07 and tab\t', 'bell and tab\t'],
  ])('escapes TEXT %j as %j', (text, escaped) => {
    expect(escapeText(text)).toBe(escaped);
  });

  it('leaves a line of 75 octets alone', () => {
    const line = `SUMMARY:${'x'.repeat(67)}`;

    expect(foldLine(line)).toBe(line);
  });

  it.each([
    ['ASCII', 'x'.repeat(400)],
    ['two-octet characters', 'àèìòù'.repeat(60)],
    ['three-octet characters', '日本語の名前'.repeat(30)],
    ['four-octet characters at every boundary', `a${'😀'.repeat(90)}`],
  ])('folds %s at 75 octets without splitting a character', (_what, text) => {
    const folded = foldLine(`DESCRIPTION:${text}`);
    const lines = folded.split('\r\n');

    expect(lines.length).toBeGreaterThan(1);
    for (const [n, line] of lines.entries()) {
      expect(octets(line)).toBeLessThanOrEqual(75);
      if (n > 0) expect(line.startsWith(' ')).toBe(true);
      expect(line).not.toContain('\uFFFD');
      expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line);
    }
    expect(unfold(folded)).toBe(`DESCRIPTION:${text}`);
  });

  it('ends every line with CRLF', () => {
    const text = new IcsWriter().begin('VCALENDAR').text('NAME', 'a\nb').end('VCALENDAR').toString();

    expect(text).toBe('BEGIN:VCALENDAR\r\nNAME:a\\nb\r\nEND:VCALENDAR\r\n');
  });
});
