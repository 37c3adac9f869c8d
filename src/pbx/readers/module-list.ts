import { safeLine, TEXT_LIMITS } from '../../core/safe-text.js';
import { parseJson } from '../../core/strict-json.js';
import { cleanOutput, isTableBorder, tableCells } from './clean.js';
import type { ParseResult } from './licence-info.js';

export type ModuleState = 'enabled' | 'disabled' | 'not-installed' | 'broken' | 'unknown';

export interface ModuleRow {
  readonly name: string;
  readonly version: string;
  /** Status text as printed; localised by the PBX's language. */
  readonly statusText: string;
  readonly state: ModuleState;
  /** `Commercial`, `Commercial+`, `GPLv3+`, ...: not localised. */
  readonly license: string;
  readonly commercial: boolean;
}

/**
 * Status words by language. Only words we know map to a state; anything
 * else is `unknown` - a disabled commercial module must never be guessed enabled.
 * English texts come from FreePBX's Moduleadmin (`Enabled and up to date`, ...).
 */
const STATUS_WORDS: ReadonlyArray<{ re: RegExp; state: ModuleState }> = [
  { re: /^not installed|^non installato|^nicht installiert/i, state: 'not-installed' },
  { re: /^broken/i, state: 'broken' },
  { re: /^disabled|^disattivato|^deaktiviert|^deshabilitado|^desactivado|^d[ée]sactiv/i, state: 'disabled' },
  {
    re: /^enabled|^online upgrade available|^newer than online version|^attivato|^abilitato|^aktivieren|^aktiviert|^habilitado|^activado|^activ[ée]/i,
    state: 'enabled',
  },
];

const COLUMN_NAMES = ['module', 'version', 'status', 'license', 'signature'];

export function moduleState(statusText: string): ModuleState {
  const text = statusText.trim();
  for (const { re, state } of STATUS_WORDS) if (re.test(text)) return state;
  return 'unknown';
}

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
  let columns: number[] = [0, 1, 2, 3];
  const rows: ModuleRow[] = [];
  let sawTable = false;
  for (const line of lines) {
    if (isTableBorder(line)) {
      sawTable = true;
      continue;
    }
    const cells = tableCells(line);
    if (!cells) continue;
    sawTable = true;
    const lower = cells.map((c) => c.toLowerCase());
    if (lower[0] === 'module' || (lower.includes('status') && lower.includes('license'))) {
      columns = COLUMN_NAMES.slice(0, 4).map((name, i) => (lower.indexOf(name) >= 0 ? lower.indexOf(name) : i));
      continue;
    }
    const row = toRow(columns.map((i) => cells[i] ?? ''));
    if (row) rows.push(row);
  }
  if (!sawTable) return { ok: false, problem: 'no module table found (expected rows like "| module | version | status | license |")' };
  return { ok: true, value: rows };
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
  const [name = '', version = '', statusText = '', license = ''] = cells.map((c) => safeLine(c, TEXT_LIMITS.name));
  if (name === '') return null;
  return { name, version, statusText, state: moduleState(statusText), license, commercial: isCommercial(license) };
}
