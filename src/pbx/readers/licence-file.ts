import type { LicensedItem } from '../../core/items.js';
import { DEPLOYMENT_ID } from '../../core/items.js';
import { cleanOutput } from './clean.js';
import { parseLicenceInfo, type ParseResult } from './licence-info.js';

/**
 * Zend Guard licence files (FreePBX up to 16) are text: one `Entry = Value`
 * per line, ending with Produced-By and a Verification-Code. Whether FreePBX 17
 * keeps the format is not confirmed, so an unrecognised file is simply skipped
 * (null): fwconsole stays the authority.
 */
export function parseZendLicenceFile(text: string): ParseResult<LicensedItem[]> | null {
  if (text.includes('\0')) return null;
  const lines = cleanOutput(text).lines;
  if (lines.some((l) => IONCUBE_DATA.test(l.trim()))) return null;
  const isZend = lines.some((l) => /^\s*Verification-Code\s*=/.test(l)) && lines.some((l) => /^\s*Product-Name\s*=/.test(l));
  if (!isZend) return null;
  // A Zend file that contradicts itself (an entry twice, differently) is reported, not half-read.
  const parsed = parseLicenceInfo(lines.filter((l) => /^\s*[A-Za-z][\w.-]*\s*=/.test(l)).join('\n'));
  return parsed.ok ? { ok: true, value: parsed.value.items } : parsed;
}

/** Licence files the reader looks at in the schmooze directory. */
export function isLicenceFileName(name: string): boolean {
  return /^license-.*\.zl$/.test(name) || name === 'schmooze.zl';
}

const IONCUBE_DATA = /^-{6} LICENSE FILE DATA -{7}$/;

export type LicenceFileReading =
  | { readonly kind: 'zend'; readonly items: LicensedItem[] }
  | { readonly kind: 'ioncube' | 'unrecognised' | 'contradictory'; readonly note: string };

/**
 * What a licence file is. ionCube licences (header lines, then
 * `------ LICENSE FILE DATA -------` and an encoded body) carry their dates in
 * the encoded part: recognised and skipped, never read as fields.
 */
export function readLicenceFile(text: string): LicenceFileReading {
  if (text.split(/\r?\n/).some((l) => IONCUBE_DATA.test(l.trim()))) {
    return { kind: 'ioncube', note: 'ionCube licence file: its dates are in the encoded part; skipped, fwconsole stays the authority' };
  }
  const parsed = parseZendLicenceFile(text);
  if (parsed?.ok) return { kind: 'zend', items: parsed.value };
  if (parsed) return { kind: 'contradictory', note: `cannot be compared with fwconsole: ${parsed.problem}; trusting fwconsole` };
  return { kind: 'unrecognised', note: 'licence file format not recognised; skipped, fwconsole stays the authority' };
}

/**
 * The readable head of a licence file, for a capture bundle: Zend entries with
 * the Verification-Code left out, or the lines above ionCube's data block.
 * Never the signed or encoded body.
 */
export function licenceFileHeader(text: string): string[] {
  const lines = text.replace(/\0/g, '').split(/\r?\n/);
  const data = lines.findIndex((l) => IONCUBE_DATA.test(l.trim()));
  if (data >= 0) return lines.slice(0, data).filter((l) => l.trim() !== '');
  return lines
    .filter((l) => /^\s*[A-Za-z][\w.-]{0,60}\s*[=:]/.test(l))
    .map((l) => (/^\s*Verification-Code\s*=/.test(l) ? 'Verification-Code = (left out)' : l.trimEnd()));
}

/** `/etc/schmooze/pbxid` holds the deployment id alone. */
export function parsePbxId(text: string): string | null {
  const id = text.trim();
  return DEPLOYMENT_ID.test(id) ? id : null;
}
