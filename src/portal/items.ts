import { makeItem, type LicensedItem } from '../core/items.js';
import type { Entitlements } from './schema.js';

/** The portal's answer as licensed items: licence and maintenance per module, activation, support contract. */
export function portalItems(entitlements: Entitlements): LicensedItem[] {
  const items: LicensedItem[] = [];
  if (entitlements.activation) items.push(makeItem('activation', null, entitlements.activation.expires));
  if (entitlements.supportContract) items.push(makeItem('support-contract', null, entitlements.supportContract.expires));
  for (const m of entitlements.modules) {
    items.push(makeItem('module-license', m.key, m.licenseExpires));
    if (m.maintenanceExpires) items.push(makeItem('module-maintenance', m.key, m.maintenanceExpires));
  }
  return items;
}
