import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimPbx } from './state.js';

export function schmoozeDir(dir: string): string {
  return join(dir, 'etc', 'schmooze');
}

/**
 * Writes what a FreePBX keeps in /etc/schmooze: `pbxid` and a Zend Guard
 * style licence file mirroring the simulated licence (absent when the box is
 * not activated, like a real unactivated one).
 */
export function writeSchmoozeFiles(dir: string, pbx: SimPbx): void {
  const target = schmoozeDir(dir);
  mkdirSync(target, { recursive: true });
  const pbxid = join(target, 'pbxid');
  const licence = join(target, `license-${pbx.deploymentId}.zl`);
  // One licence file per deployment; a re-activation under another id replaces it.
  for (const name of readdirSync(target)) if (/^license-.*\.zl$/.test(name) && join(target, name) !== licence) rmSync(join(target, name));
  if (pbx.captured) {
    // A capture holds the pbxid but only the heads of licence files: there is no licence body to write.
    rmSync(licence, { force: true });
    if (pbx.captured.pbxid === null) rmSync(pbxid, { force: true });
    else writeFileSync(pbxid, pbx.captured.pbxid);
    return;
  }
  if (!pbx.activated) {
    rmSync(pbxid, { force: true });
    rmSync(licence, { force: true });
    return;
  }
  writeFileSync(pbxid, `${pbx.deploymentId}\n`);
  const entries: Array<[string, string]> = [
    ['Product-Name', pbx.productName],
    ['Registered-To', pbx.registeredTo],
    ['Expires', pbx.activationExpiry],
    ['Hardware-Locked', 'Yes'],
    ...Object.entries(pbx.licence).map(([k, v]): [string, string] => [k === 'global' ? 'global_lic_exp' : `${k}_exp`, v]),
    ['zulu_users', '25'],
    ['Produced-By', 'Zend Guard (pbx-activation-agent sandbox)'],
  ];
  const body = entries.map(([k, v]) => `${k} = ${v}`).join('\n');
  const signature = createHash('sha256').update(body).digest('base64');
  writeFileSync(licence, `${body}\nVerification-Code = ${signature}\n`);
}
