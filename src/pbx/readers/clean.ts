/** ANSI CSI/OSC sequences and lone escape bytes, as fwconsole prints without `--no-ansi`. */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
/** Printed on stdout by every fwconsole command on some PHP setups, before the real output. */
const NOISE = [/^Cannot load the ionCube PHP Loader - it was already loaded\s*$/i, /^PHP Warning: .*ioncube/i];

export interface CleanOutput {
  /** Meaningful lines: no ANSI codes, no CR, no noise lines, trailing spaces trimmed, blanks dropped. */
  readonly lines: string[];
  /** The noise lines that were dropped, kept so callers can mention them. */
  readonly noise: string[];
}

export function cleanOutput(raw: string): CleanOutput {
  const lines: string[] = [];
  const noise: string[] = [];
  // `script` turns \n into \r\n; some terminals leave stray \r inside lines.
  for (const rawLine of raw.replace(ANSI, '').split(/\r?\n|\r/)) {
    const line = rawLine.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trimEnd();
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
