import { safeLine, TEXT_LIMITS } from '../../core/safe-text.js';
import { parseJson } from '../../core/strict-json.js';
import { cleanOutput, isTableBorder, tableCells } from './clean.js';
import type { ParseResult } from './licence-info.js';
import { moduleState, type ModuleState } from './status-words.js';

export type { ModuleState } from './status-words.js';
export { moduleState } from './status-words.js';

export interface ModuleRow {
  readonly name: string;
  readonly version: string;
  /** Status text as printed; localised by the PBX's language. */
  readonly statusText: string;
  readonly state: ModuleState;
  /** `Commercial`, `Commercial+`, `GPLv3+`, ...: not localised. */
  readonly license: string;
  /** From the License column only; a licence key in `sa info` makes a module commercial too (see licensedModules). */
  readonly commercial: boolean;
  /** `Sangoma`, `Unsigned`, `Unknown`, or '' when fwconsole does not check signatures: not localised. */
  readonly signature: string;
}

/** English column names; other languages translate them, so position is the fallback. */
const COLUMN_NAMES = ['module', 'version', 'status', 'license', 'signature'];

export function isCommercial(license: string): boolean {
  return /^commercial/i.test(license.trim());
}

/**
 * Parses `fwconsole ma list`, either the Symfony table or `--format=json`
 * (JSON lines `{"status","type","data"}` where the list is `data`: rows of
 * [module, version, status, license, signature]). Rows without a header (a
 * grep of the table) are read by position; extra columns are ignored.
 */
export function parseModuleList(raw: string): ParseResult<ModuleRow[]> {
  const { lines } = cleanOutput(raw);
  const jsonLines = lines.filter((l) => l.trimStart().startsWith('{'));
  const parsed = jsonLines.length > 0 && jsonLines.length >= lines.filter((l) => tableCells(l)).length ? parseJsonLines(jsonLines) : parseTable(lines);
  return parsed.ok ? distinctModules(parsed.value) : parsed;
}

/** A module listed twice must say the same both times: which row is true is not the agent's to guess. */
function distinctModules(rows: readonly ModuleRow[]): ParseResult<ModuleRow[]> {
  const byName = new Map<string, ModuleRow>();
  for (const row of rows) {
    const before = byName.get(row.name);
    if (before === undefined) byName.set(row.name, row);
    else if (before.version !== row.version || before.statusText !== row.statusText || before.license !== row.license) {
      return { ok: false, problem: `module "${row.name}" is listed twice, differently: "${describe(before)}" and "${describe(row)}"` };
    }
  }
  return { ok: true, value: [...byName.values()] };
}

function describe(row: ModuleRow): string {
  return safeLine([row.version, row.statusText, row.license].join(', '), 120);
}

function parseTable(lines: readonly string[]): ParseResult<ModuleRow[]> {
  // Symfony tables: border, header row, border, rows, border. The header is
  // translated (`Modul`, `Versione`...), so it is found by its place, and its
  // English names only reorder the columns when they are there.
  const segments: string[][][] = [[]];
  let borders = 0;
  for (const line of lines) {
    if (isTableBorder(line)) {
      borders++;
      if (segments.at(-1)!.length > 0) segments.push([]);
      continue;
    }
    const cells = tableCells(line);
    if (cells) segments.at(-1)!.push(cells);
  }
  const rowsIn = segments.filter((s) => s.length > 0);
  if (borders === 0 && rowsIn.length === 0) {
    return { ok: false, problem: 'no module table found (expected rows like "| module | version | status | license |")' };
  }
  let columns = COLUMN_NAMES.map((_, i) => i);
  let body = rowsIn.flat();
  const first = rowsIn[0];
  const headerByPlace = borders >= 2 && rowsIn.length >= 2 && first !== undefined && first.length === 1;
  const headerRow = headerByPlace ? first[0]! : body.find((cells) => isEnglishHeader(cells));
  if (headerRow) {
    const lower = headerRow.map((c) => c.toLowerCase());
    if (isEnglishHeader(headerRow)) columns = COLUMN_NAMES.map((name, i) => (lower.indexOf(name) >= 0 ? lower.indexOf(name) : i));
    body = body.filter((cells) => cells !== headerRow);
  }
  const rows: ModuleRow[] = [];
  for (const cells of body) {
    const row = toRow(columns.map((i) => cells[i] ?? ''));
    if (row) rows.push(row);
  }
  return { ok: true, value: rows };
}

function isEnglishHeader(cells: readonly string[]): boolean {
  const lower = cells.map((c) => c.toLowerCase());
  return lower[0] === 'module' || (lower.includes('status') && lower.includes('license'));
}

function parseJsonLines(lines: readonly string[]): ParseResult<ModuleRow[]> {
  let list: unknown[] | null = null;
  for (const line of lines) {
    const json = parseJson(line);
    if (!json.ok) return { ok: false, problem: json.kind === 'syntax' ? `a line is not valid JSON: ${safeLine(line, 60)}` : `a JSON line is ambiguous: ${json.problem}` };
    const message = json.value;
    const data = (message as { data?: unknown } | null)?.data;
    if ((message as { status?: unknown } | null)?.status === false) {
      return { ok: false, problem: `fwconsole reported an error: ${safeLine(JSON.stringify(data) ?? '', 120)}` };
    }
    if (Array.isArray(data) && (data.length === 0 || Array.isArray(data[0]))) list = data;
  }
  if (list === null) return { ok: false, problem: 'no JSON message carries the module list' };
  const rows: ModuleRow[] = [];
  for (const entry of list) {
    if (!Array.isArray(entry) || entry.some((c) => c !== null && typeof c !== 'string' && typeof c !== 'number')) {
      return { ok: false, problem: `a module entry is not a list of strings: ${safeLine(JSON.stringify(entry) ?? '', 80)}` };
    }
    const row = toRow(entry.map((c) => (c === null ? '' : String(c))));
    if (row) rows.push(row);
  }
  return { ok: true, value: rows };
}

/** Cells from JSON may hold any character (JSON escapes): each is made a safe, bounded line here. */
function toRow(cells: readonly string[]): ModuleRow | null {
  const [name = '', version = '', statusText = '', license = '', signature = ''] = cells.map((c) => safeLine(c, TEXT_LIMITS.name));
  if (name === '') return null;
  return { name, version, statusText, state: moduleState(statusText), license, commercial: isCommercial(license), signature };
}
