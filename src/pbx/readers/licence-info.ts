import { parseExpiry, type Expiry } from '../../core/expiry.js';
import { makeItem, MODULE_KEY, type LicensedItem } from '../../core/items.js';
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
const ACTIVATION_KEYS = ['activation_expiry', 'activation_expires', 'activation_expiration', 'expires'];
const SUPPORT_DATE_KEYS = ['support_contract_expiry', 'support_expiry', 'support_contract_expiration'];
/** `<key>_exp` per module; `global_lic_exp` is the global module licence. */
const MODULE_EXP = /^([a-z0-9][a-z0-9_-]*?)_exp$/;

/**
 * Parses licence output. It fails, rather than returning an empty licence,
 * when nothing in the text is recognisable: an odd output must never be
 * recorded as "this PBX has no licensed modules".
 */
export function parseLicenceInfo(raw: string): ParseResult<LicenceInfo> {
  const fields = extractFields(cleanOutput(raw).lines);
  const byKey = new Map<string, string>();
  for (const f of fields) if (!byKey.has(f.key)) byKey.set(f.key, f.value);

  const problems: string[] = [];
  const items: LicensedItem[] = [];

  const deploymentId = first(byKey, DEPLOYMENT_KEYS);
  const productName = byKey.get('product_name') ?? byKey.get('product') ?? null;

  const activationText = first(byKey, ACTIVATION_KEYS);
  const activation = activationText === null ? null : expiryOrProblem('activation expiry', activationText, problems);
  if (activation) items.push(makeItem('activation', null, activation));

  const supportContract = readSupportContract(byKey, problems);
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
          : `none of the ${fields.length} fields is a deployment id, activation, support contract or module expiry (saw: ${[...byKey.keys()].slice(0, 8).join(', ')})`,
    };
  }
  return { ok: true, value: { deploymentId, productName, activation, supportContract, items, fields: byKey } };
}

function moduleLicences(fields: readonly Field[], problems: string[]): LicensedItem[] {
  const seen = new Map<string, LicensedItem>();
  for (const f of fields) {
    const m = MODULE_EXP.exec(f.key);
    if (!m) continue;
    const key = m[1] === 'global_lic' ? 'global' : m[1]!;
    if (!MODULE_KEY.test(key)) {
      problems.push(`licence key "${f.rawKey}" is not a module key`);
      continue;
    }
    const expiry = expiryOrProblem(`${f.rawKey}`, f.value, problems);
    if (expiry && !seen.has(key)) seen.set(key, makeItem('module-license', key, expiry));
  }
  return [...seen.values()];
}

function readSupportContract(byKey: ReadonlyMap<string, string>, problems: string[]): SupportContract | null {
  const encoded = byKey.get('support_contract');
  if (encoded !== undefined && encoded !== '') {
    const decoded = decodeSupportContract(encoded);
    if (decoded.ok) return decoded.value;
    problems.push(decoded.problem);
    return null;
  }
  const dateText = first(byKey, SUPPORT_DATE_KEYS);
  if (dateText === null) return null;
  const expiry = expiryOrProblem('support contract expiry', dateText, problems);
  return expiry ? { expiry, organization: null } : null;
}

/** `support_contract` is base64 of a JSON object with `expiration` and `organization_name`. */
export function decodeSupportContract(encoded: string): ParseResult<SupportContract> {
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    return { ok: false, problem: 'support_contract is not base64' };
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    return { ok: false, problem: 'support_contract does not decode to JSON' };
  }
  if (typeof data !== 'object' || data === null) return { ok: false, problem: 'support_contract is not a JSON object' };
  const record = data as Record<string, unknown>;
  const expiration = record.expiration;
  if (typeof expiration !== 'string') return { ok: false, problem: 'support_contract has no "expiration" string' };
  const expiry = parseExpiry(expiration);
  if (!expiry) return { ok: false, problem: `support_contract expiration "${clip(expiration)}" is not a date` };
  const organization = typeof record.organization_name === 'string' ? record.organization_name : null;
  return { ok: true, value: { expiry, organization } };
}

function expiryOrProblem(what: string, text: string, problems: string[]): Expiry | null {
  const expiry = parseExpiry(text);
  if (!expiry) problems.push(`${what} "${clip(text)}" is not a date (expected YYYY-MM-DD, DD-Mon-YYYY or Never)`);
  return expiry;
}

function first(byKey: ReadonlyMap<string, string>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = byKey.get(k);
    if (v !== undefined && v !== '') return v;
  }
  return null;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
