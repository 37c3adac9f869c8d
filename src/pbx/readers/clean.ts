import { stripControls } from '../../core/safe-text.js';

/** Printed on stdout by every fwconsole command on some PHP setups, before the real output. */
const NOISE = [/^Cannot load the ionCube PHP Loader - it was already loaded\s*$/i, /^PHP Warning: .*ioncube/i];

export interface CleanOutput {
  /** Meaningful lines: no escape sequences or other controls (see core/safe-text), no noise lines, trailing spaces trimmed, blanks dropped. */
  readonly lines: string[];
  /** The noise lines that were dropped, kept so callers can mention them. */
  readonly noise: string[];
}

export function cleanOutput(raw: string): CleanOutput {
  const lines: string[] = [];
  const noise: string[] = [];
  // ANSI colours (without --no-ansi), `script`'s \r\n and stray \r go with every other control character.
  for (const rawLine of stripControls(raw).split('\n')) {
    const line = rawLine.trimEnd();
    if (line.trim() === '') continue;
    if (NOISE.some((re) => re.test(line.trim()))) {
      noise.push(line.trim());
      continue;
    }
    lines.push(line);
  }
  return { lines, noise };
}

/** Splits a `| a | b |` table row into trimmed cells; null when the line is not a row. */
export function tableCells(line: string): string[] | null {
  const t = line.trim();
  if (!t.startsWith('|') || !t.endsWith('|') || t.length < 2) return null;
  return t
    .slice(1, -1)
    .split('|')
    .map((c) => c.trim());
}

/** `+-----+----+` borders of Symfony console tables. */
export function isTableBorder(line: string): boolean {
  return /^\s*\+[-+=]+\+\s*$/.test(line);
}
