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
  const isZend = lines.some((l) => /^\s*Verification-Code\s*=/.test(l)) && lines.some((l) => /^\s*Product-Name\s*=/.test(l));
  if (!isZend) return null;
  // A Zend file that contradicts itself (an entry twice, differently) is reported, not half-read.
  const parsed = parseLicenceInfo(lines.filter((l) => /^\s*[A-Za-z][\w.-]*\s*=/.test(l)).join('\n'));
  return parsed.ok ? { ok: true, value: parsed.value.items } : parsed;
}

/** `/etc/schmooze/pbxid` holds the deployment id alone. */
export function parsePbxId(text: string): string | null {
  const id = text.trim();
  return DEPLOYMENT_ID.test(id) ? id : null;
}
