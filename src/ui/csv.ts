/**
 * CSV as RFC 4180 says (for purchasing spreadsheets): a header row, CRLF line ends, fields quoted when
 * they hold a comma, a quote, CR or LF (quotes doubled). Text that came from outside (host names,
 * product names, labels from the PBX or the portal) is guarded against formula injection: a spreadsheet
 * would run a cell starting with = + - @ (or a tab or CR before one), so such text gets a leading '.
 */
export type CsvField = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvField): string {
  if (value === null) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Text from outside the agent, made inert for spreadsheets. */
export function untrusted(text: string | null): string | null {
  return text !== null && FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvDocument(header: readonly string[], rows: ReadonlyArray<readonly CsvField[]>): string {
  const line = (fields: readonly CsvField[]) => `${fields.map(csvField).join(',')}\r\n`;
  return line(header) + rows.map(line).join('');
}
