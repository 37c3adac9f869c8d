/**
 * `capture --redact`: deployment ids and customer names are replaced by
 * stand-ins, the same value by the same stand-in in every file, and every
 * other byte is kept (the point of a capture is the exact output). Text is
 * handled as latin1, one char per byte, so invalid UTF-8 survives untouched.
 */
export interface Secrets {
  readonly deploymentIds: readonly string[];
  readonly names: readonly string[];
}

export interface RedactionResult {
  /** Entries, their paths redacted too (`license-<deployment>.zl.head`). */
  readonly files: Map<string, Buffer>;
  readonly counts: { readonly deploymentIds: number; readonly names: number };
  /** The same replacements for any other text of the bundle (the manifest's paths). */
  readonly redact: (text: string) => string;
}

/** Keys whose value names a customer: Registered-To, Licensed-To, organization_name, ... */
const NAME_KEY = /^(registered[-_ ]?to|licen[sc]ed[-_ ]?to|organi[sz]ation([-_ ]?name)?|company([-_ ]?name)?|customer([-_ ]?name)?|owner)$/i;
const BASE64 = /[A-Za-z0-9+/]{16,}={0,2}/g;

/** Finds customer names in `Key: Value`, `Key = Value`, table rows and base64-encoded JSON (the support contract). */
export function findNames(texts: readonly string[]): string[] {
  const names = new Set<string>();
  const consider = (key: string, value: string) => {
    const v = value.trim();
    if (NAME_KEY.test(key.trim()) && v.length >= 3) names.add(v);
  };
  for (const text of texts) {
    // eslint-disable-next-line no-control-regex
    for (const line of text.replace(/\x1b\[[0-?]*[ -\/]*[@-~]/g, '').split(/\r?\n|\r/)) {
      const kv = /^\s*\|?\s*([A-Za-z][\w .-]{0,40}?)\s*(?:[:=]|\|)\s*(.*?)\s*\|?\s*$/.exec(line);
      if (kv) consider(kv[1]!, kv[2]!);
    }
    for (const token of text.match(BASE64) ?? []) {
      const json = decodeJson(token);
      if (json) walk(json, consider);
    }
  }
  return [...names].sort();
}

export function redactFiles(files: ReadonlyMap<string, Buffer>, secrets: Secrets): RedactionResult {
  const ids = unique(secrets.deploymentIds.filter((id) => id.length >= 3));
  const names = unique(secrets.names.filter((n) => n.length >= 3));
  const replacements: Array<[RegExp, string]> = [
    ...ids.map((id, i): [RegExp, string] => [new RegExp(`(?<![A-Za-z0-9])${escape(latin1(id))}(?![A-Za-z0-9])`, 'g'), latin1(idStandIn(id, i + 1))]),
    ...names.map((name, i): [RegExp, string] => [new RegExp(escape(latin1(name)), 'g'), latin1(`Redacted Name ${i + 1}`)]),
  ];
  const apply = (text: string) => replacements.reduce((t, [re, to]) => t.replace(re, to), text);
  const out = new Map<string, Buffer>();
  for (const [path, data] of files) {
    // Inside base64 (the support contract), the names are redacted and the blob encoded again.
    const text = data.toString('latin1').replace(BASE64, (token) => {
      const decoded = Buffer.from(token, 'base64');
      if (decoded.toString('base64').replace(/=+$/, '') !== token.replace(/=+$/, '') || !isUtf8Text(decoded)) return token;
      const redacted = apply(decoded.toString('latin1'));
      return redacted === decoded.toString('latin1') ? token : Buffer.from(redacted, 'latin1').toString('base64');
    });
    out.set(redactText(path), Buffer.from(apply(text), 'latin1'));
  }
  function redactText(text: string): string {
    return Buffer.from(apply(latin1(text)), 'latin1').toString('utf8');
  }
  return { files: out, counts: { deploymentIds: ids.length, names: names.length }, redact: redactText };
}

/** Same shape, so the sandbox and the readers still take it: digits stay digits, length stays. */
function idStandIn(id: string, n: number): string {
  if (/^\d+$/.test(id) && id.length >= 3) return `9${String(n).padStart(id.length - 1, '0')}`;
  return `REDACTED-${n}`;
}

function unique(list: readonly string[]): string[] {
  // Longest first: a name containing another is replaced whole.
  return [...new Set(list)].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

function latin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decodeJson(token: string): unknown {
  const decoded = Buffer.from(token, 'base64');
  if (!isUtf8Text(decoded)) return null;
  try {
    return JSON.parse(decoded.toString('utf8'));
  } catch {
    return null;
  }
}

function isUtf8Text(data: Buffer): boolean {
  const text = data.toString('utf8');
  return !text.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f]/.test(text);
}

function walk(value: unknown, visit: (key: string, value: string) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') visit(k, v);
      else walk(v, visit);
    }
  }
}
