import { bounded, stripControls } from '../core/safe-text.js';

/** Long enough for any error message kept in the store. */
const MAX_CELL = 2000;

/** Plain text tables for terminals: columns padded, no borders, optional colour per cell. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

export interface Cell {
  readonly text: string;
  /** ANSI SGR code, applied only when colour is on. */
  readonly colour?: string | undefined;
}

export function renderTable(columns: readonly Column[], rows: ReadonlyArray<ReadonlyArray<string | Cell>>, colour: boolean): string {
  // Cells show stored text; whatever an older version let into the store, no control reaches the terminal.
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: cellText(c) } : { ...c, text: cellText(c.text) })));
  // A loop, not Math.max(...): spreading a long history's rows overflows the call stack.
  const widths = columns.map((col, i) => cells.reduce((width, r) => Math.max(width, r[i]?.text.length ?? 0), col.header.length));
  const pad = (text: string, i: number) => (columns[i]?.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const line = (parts: string[]) => parts.join('  ').trimEnd();
  const header = line(columns.map((c, i) => pad(c.header, i)));
  const body = cells.map((r) =>
    line(
      columns.map((_, i) => {
        const cell = r[i] ?? { text: '' };
        const text = pad(cell.text, i);
        return colour && cell.colour ? `\x1b[${cell.colour}m${text}\x1b[0m` : text;
      }),
    ),
  );
  return [colour ? `\x1b[1m${header}\x1b[0m` : header, ...body].join('\n');
}

function cellText(text: string): string {
  return bounded(stripControls(text).replace(/[\t\n]/g, ' '), MAX_CELL);
}
