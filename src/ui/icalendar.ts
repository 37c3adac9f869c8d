/**
 * A small iCalendar (RFC 5545) writer: content lines with CRLF ends, folded at 75 octets without
 * splitting a UTF-8 character, TEXT values escaped. Hand-written rather than a library: the feed needs
 * VCALENDAR, VEVENT and VALARM with a dozen properties, and this is all the format asks for that.
 */

/** Escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines; other control characters go. */
export function escapeText(text: string): string {
  // Most texts (a fleet's feed escapes 50,000 descriptions) hold only commas and newlines: replaced as
  // plain strings, which is several times faster than a pattern with a function.
  if (!RARE.test(text)) return text.replaceAll(',', '\\,').replaceAll('\n', '\\n');
  // One pass; a tab stays, CR LF and a lone CR are newlines.
  return text.replace(ESCAPED, (c) => ESCAPES.get(c) ?? '');
}

/** What escaping needs besides commas and newlines. */
const RARE = /[\\;\x00-\x08\x0b-\x1f\x7f]/;
const ESCAPED = /\r\n?|[\\;,\x00-\x08\x0a-\x1f\x7f]/g;
const ESCAPES = new Map([
  ['\\', '\\\\'],
  [';', '\\;'],
  [',', '\\,'],
  ['\n', '\\n'],
  ['\r', '\\n'],
  ['\r\n', '\\n'],
]);
const MAX_OCTETS = 75;

/** Folds a content line into lines of at most 75 octets; continuation lines start with a space (RFC 5545 3.1). */
export function foldLine(line: string): string {
  if (line.length * 4 <= MAX_OCTETS) return line;
  // As many octets as characters: ASCII (a byte count is quicker than a pattern on a line made of pieces).
  if (Buffer.byteLength(line) === line.length) {
    if (line.length <= MAX_OCTETS) return line;
    // One octet per character: cut every 74 (75 on the first line), no need to look at each character.
    const parts = [line.slice(0, MAX_OCTETS)];
    for (let at = MAX_OCTETS; at < line.length; at += MAX_OCTETS - 1) parts.push(line.slice(at, at + MAX_OCTETS - 1));
    return parts.join('\r\n ');
  }
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_OCTETS;
  // Iterating a string yields whole code points: a surrogate pair (4 UTF-8 octets) is never split.
  for (const char of line) {
    const size = utf8Length(char.codePointAt(0)!);
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = MAX_OCTETS - 1; // the leading space counts
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** `20261126T081200Z` from an ISO instant. */
export function icsDateTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** `20261126` from `2026-11-26`. */
export function icsDate(date: string): string {
  return date.replace(/-/g, '');
}

/** Collects content lines; `toString` joins them with CRLF, each folded. */
export class IcsWriter {
  private readonly lines: string[] = [];

  begin(component: string): this {
    this.lines.push(`BEGIN:${component}`);
    return this;
  }

  end(component: string): this {
    this.lines.push(`END:${component}`);
    return this;
  }

  /** A property whose value is already in its iCalendar form (dates, durations, integers). */
  raw(name: string, value: string): this {
    this.lines.push(foldLine(`${name}:${value}`));
    return this;
  }

  /** A TEXT property: escaped here. */
  text(name: string, value: string): this {
    return this.raw(name, escapeText(value));
  }

  toString(): string {
    return `${this.lines.join('\r\n')}\r\n`;
  }
}
