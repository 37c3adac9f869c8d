import { compareExpiry, formatExpiry, parseExpiry, type Expiry } from '../../core/expiry.js';
import { makeItem, MODULE_KEY, type LicensedItem } from '../../core/items.js';
import { safeLine, TEXT_LIMITS } from '../../core/safe-text.js';
import { parseJson } from '../../core/strict-json.js';
import { cleanOutput } from './clean.js';
import { extractFields, type Field } from './fields.js';

export interface SupportContract {
  readonly expiry: Expiry;
  readonly organization: string | null;
}

/** What `fwconsole sa info`, the `sa update` licence table or the Activation page say about licences. */
export interface LicenceInfo {
  readonly deploymentId: string | null;
  readonly productName: string | null;
  readonly activation: Expiry | null;
  readonly supportContract: SupportContract | null;
  /** Activation, support contract and every module licence found, in output order. */
  readonly items: LicensedItem[];
  /** Every key/value seen, normalised keys, for diagnostics. */
  readonly fields: ReadonlyMap<string, string>;
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const DEPLOYMENT_KEYS = ['deployment_id', 'deploymentid', 'deployment'];
const PRODUCT_KEYS = ['product_name', 'product'];
const ACTIVATION_KEYS = ['activation_expiry', 'activation_expires', 'activation_expiration', 'expires'];
const SUPPORT_DATE_KEYS = ['support_contract_expiry', 'support_expiry', 'support_contract_expiration'];
/** `<key>_exp` per module; `global_lic_exp` is the global module licence. */
const MODULE_EXP = /^([a-z0-9][a-z0-9_-]*?)_exp$/;

/**
 * Parses licence output. It fails, rather than returning an empty licence,
 * when nothing in the text is recognisable: an odd output must never be
 * recorded as "this PBX has no licensed modules". It fails too when the output
 * says two different things about one fact (a module's `_exp` twice, `Deployment
 * ID` and `Deployment`, keys that become the same once normalised): which one
 * is true is not the agent's to guess. The same value twice is fine.
 */
export function parseLicenceInfo(raw: string): ParseResult<LicenceInfo> {
  const fields = extractFields(cleanOutput(raw).lines);
  const byKey = new Map<string, string>();
  for (const f of fields) if (!byKey.has(f.key)) byKey.set(f.key, f.value);

  const problems: string[] = [];
  const items: LicensedItem[] = [];
  const text = (f: Field) => f.value;

  const deploymentId = agreed('deployment id', withKeys(fields, DEPLOYMENT_KEYS), text, sameText, problems);
  const product = agreed('product name', withKeys(fields, PRODUCT_KEYS), text, sameText, problems);
  const productName = product === null ? null : safeLine(product, TEXT_LIMITS.product);

  const activation = agreed('activation expiry', withKeys(fields, ACTIVATION_KEYS), (f) => expiryOrProblem('activation expiry', f.value, problems), sameExpiry, problems);
  if (activation) items.push(makeItem('activation', null, activation));

  const supportContract = readSupportContract(fields, problems);
  if (supportContract) items.push(makeItem('support-contract', null, supportContract.expiry));

  for (const item of moduleLicences(fields, problems)) items.push(item);

  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  const recognised = deploymentId !== null || activation !== null || supportContract !== null || items.length > 0;
  if (!recognised) {
    return {
      ok: false,
      problem:
        fields.length === 0
          ? 'no "Key: Value" lines found'
          : `none of the ${fields.length} fields is a deployment id, activation, support contract or module expiry (saw: ${[...byKey.keys()].slice(0, 8).map((k) => clip(k)).join(', ')})`,
    };
  }
  return { ok: true, value: { deploymentId, productName, activation, supportContract, items, fields: byKey } };
}

function moduleLicences(fields: readonly Field[], problems: string[]): LicensedItem[] {
  const byModule = new Map<string, Field[]>();
  for (const f of fields) {
    const m = MODULE_EXP.exec(f.key);
    if (!m) continue;
    const key = m[1] === 'global_lic' ? 'global' : m[1]!;
    if (!MODULE_KEY.test(key)) {
      problems.push(`licence key "${clip(f.rawKey)}" is not a module key`);
      continue;
    }
    byModule.set(key, [...(byModule.get(key) ?? []), f]);
  }
  const items: LicensedItem[] = [];
  for (const [key, list] of byModule) {
    const expiry = agreed(`expiry of licence "${key}"`, list, (f) => expiryOrProblem(f.rawKey, f.value, problems), sameExpiry, problems);
    if (expiry) items.push(makeItem('module-license', key, expiry));
  }
  return items;
}

function readSupportContract(fields: readonly Field[], problems: string[]): SupportContract | null {
  const encoded = agreed('support_contract', withKeys(fields, ['support_contract']), (f) => f.value, sameText, problems);
  let contract: SupportContract | null = null;
  if (encoded !== null) {
    const decoded = decodeSupportContract(encoded);
    if (!decoded.ok) {
      problems.push(decoded.problem);
      return null;
    }
    contract = decoded.value;
  }
  const dated = withKeys(fields, SUPPORT_DATE_KEYS);
  const expiry = agreed('support contract expiry', dated, (f) => expiryOrProblem('support contract expiry', f.value, problems), sameExpiry, problems);
  if (contract && expiry && !sameExpiry(contract.expiry, expiry)) {
    problems.push(`conflicting support contract expiry: support_contract says ${formatExpiry(contract.expiry)} but "${clip(dated[0]!.rawKey)}" says ${formatExpiry(expiry)}`);
    return null;
  }
  return contract ?? (expiry ? { expiry, organization: null } : null);
}

/**
 * The one value some fields agree on (empty ones ignored), or null with a
 * problem naming two lines that disagree. `read` returns null for a value it
 * cannot read, having said why.
 */
function agreed<T>(what: string, fields: readonly Field[], read: (f: Field) => T | null, same: (a: T, b: T) => boolean, problems: string[]): T | null {
  let first: { readonly field: Field; readonly value: T } | null = null;
  for (const field of fields) {
    if (field.value === '') continue;
    const value = read(field);
    if (value === null) continue;
    if (first === null) first = { field, value };
    else if (!same(first.value, value)) {
      problems.push(`conflicting ${what}: "${clip(first.field.rawKey)}: ${clip(first.field.value)}" and "${clip(field.rawKey)}: ${clip(field.value)}"`);
      return null;
    }
  }
  return first?.value ?? null;
}

function withKeys(fields: readonly Field[], keys: readonly string[]): Field[] {
  return fields.filter((f) => keys.includes(f.key));
}

function sameText(a: string, b: string): boolean {
  return a === b;
}

function sameExpiry(a: Expiry, b: Expiry): boolean {
  return compareExpiry(a, b) === 0;
}

/** `support_contract` is base64 of a JSON object with `expiration` and `organization_name`. */
export function decodeSupportContract(encoded: string): ParseResult<SupportContract> {
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    return { ok: false, problem: 'support_contract is not base64' };
  }
  const json = parseJson(Buffer.from(compact, 'base64').toString('utf8'));
  if (!json.ok) return { ok: false, problem: json.kind === 'syntax' ? 'support_contract does not decode to JSON' : `support_contract: ${json.problem}` };
  const data = json.value;
  if (typeof data !== 'object' || data === null) return { ok: false, problem: 'support_contract is not a JSON object' };
  const record = data as Record<string, unknown>;
  const expiration = record.expiration;
  if (typeof expiration !== 'string') return { ok: false, problem: 'support_contract has no "expiration" string' };
  const expiry = parseExpiry(expiration);
  if (!expiry) return { ok: false, problem: `support_contract expiration "${clip(expiration)}" is not a date` };
  const organization = typeof record.organization_name === 'string' ? safeLine(record.organization_name, TEXT_LIMITS.product) : null;
  return { ok: true, value: { expiry, organization } };
}

function expiryOrProblem(what: string, text: string, problems: string[]): Expiry | null {
  const expiry = parseExpiry(text);
  if (!expiry) problems.push(`${what} "${clip(text)}" is not a date (expected YYYY-MM-DD, DD-Mon-YYYY or Never)`);
  return expiry;
}

function clip(text: string): string {
  return safeLine(text, 40);
}
