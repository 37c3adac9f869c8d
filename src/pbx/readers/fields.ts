import { isTableBorder, tableCells } from './clean.js';

export interface Field {
  /** Normalised: lowercase, runs of spaces and hyphens become `_` (`Product-Name` -> `product_name`). */
  readonly key: string;
  readonly rawKey: string;
  readonly value: string;
}

/** Labels the GUI shows on a line of their own, with the value on a later line. */
const STACKED_LABELS = new Set(['support_contract_expiry', 'activation_expiry', 'deployment_id']);
const HEADER_KEYS = new Set(['key', 'item', 'name', 'entry', 'field', 'setting']);

export function normaliseKey(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/**
 * Pulls key/value pairs out of the shapes fwconsole and the GUI use:
 * `Key: Value`, `Key = Value` (Zend licence files), `| key | value |` table rows,
 * `Deployment ID 631...` and a label alone on a line followed by `:` and the value.
 */
export function extractFields(lines: readonly string[]): Field[] {
  const fields: Field[] = [];
  let pendingLabel: string | null = null;
  const headers = tableHeaderRows(lines);

  for (const [index, line] of lines.entries()) {
    if (headers.has(index)) continue;
    const trimmed = line.trim();
    if (isTableBorder(trimmed)) continue;

    if (pendingLabel !== null) {
      if (trimmed === ':') continue;
      if (!trimmed.includes(':') && !trimmed.includes('|')) {
        fields.push({ key: normaliseKey(pendingLabel), rawKey: pendingLabel, value: trimmed });
        pendingLabel = null;
        continue;
      }
      pendingLabel = null;
    }

    const cells = tableCells(trimmed);
    if (cells) {
      if (cells.length >= 2 && cells[0] !== '' && !HEADER_KEYS.has(cells[0]!.toLowerCase())) {
        fields.push({ key: normaliseKey(cells[0]!), rawKey: cells[0]!, value: cells[1]! });
      }
      continue;
    }

    const colon = /^([A-Za-z][\w .\/-]{0,60}?)\s*:\s*(.*)$/.exec(trimmed);
    if (colon) {
      const [, rawKey, value] = colon as unknown as [string, string, string];
      if (value === '' && STACKED_LABELS.has(normaliseKey(rawKey))) pendingLabel = rawKey;
      else fields.push({ key: normaliseKey(rawKey), rawKey, value: value.trim() });
      continue;
    }

    const equals = /^([A-Za-z][\w.-]{0,60})\s*=\s*(.*)$/.exec(trimmed);
    if (equals) {
      const [, rawKey, value] = equals as unknown as [string, string, string];
      fields.push({ key: normaliseKey(rawKey), rawKey, value: value.trim() });
      continue;
    }

    const deployment = /^Deployment\s+ID\s+(\S+)$/i.exec(trimmed);
    if (deployment) {
      fields.push({ key: 'deployment_id', rawKey: 'Deployment ID', value: deployment[1]! });
      continue;
    }

    if (STACKED_LABELS.has(normaliseKey(trimmed))) pendingLabel = trimmed;
  }
  return fields;
}

/**
 * Header rows of Symfony tables: the one row between the first two borders,
 * when rows follow. Found by place, not by name, because fwconsole prints the
 * header in the PBX's language (`Item | Value`, `Key | Value`, ...).
 */
function tableHeaderRows(lines: readonly string[]): Set<number> {
  const headers = new Set<number>();
  for (let i = 1; i + 2 < lines.length; i++) {
    if (!isTableBorder(lines[i - 1]!.trim()) || !isTableBorder(lines[i + 1]!.trim()) || !tableCells(lines[i]!.trim())) continue;
    if (i >= 2 && tableCells(lines[i - 2]!.trim())) continue;
    if (tableCells(lines[i + 2]!.trim())) headers.add(i);
  }
  return headers;
}
