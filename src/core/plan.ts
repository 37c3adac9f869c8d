import { compareExpiry, formatExpiry, type Expiry } from './expiry.js';
import type { ItemKind, LicensedItem } from './items.js';

/** Kinds the PBX shows, so a renewal of them can be applied and verified there. */
export const VERIFIABLE_KINDS: readonly ItemKind[] = ['activation', 'support-contract', 'module-license'];

export interface PlannedRenewal {
  readonly item: string;
  readonly kind: ItemKind;
  readonly label: string;
  /** What the PBX shows now (`YYYY-MM-DD`, `never`), or null when it lacks the item. */
  readonly pbx: string | null;
  /** What the portal says it should be. */
  readonly portal: string;
}

export interface Plan {
  readonly renewals: PlannedRenewal[];
  /** Differences that need a person, not an apply (portal earlier than PBX, items only on the PBX). */
  readonly notes: string[];
}

/**
 * Compares what the PBX shows with the portal's entitlements. Every item the
 * portal shows beyond the PBX (later date, or missing on the PBX) is a renewal
 * to apply; nothing else is.
 */
export function planRenewals(pbxItems: readonly LicensedItem[], portalItems: readonly LicensedItem[]): Plan {
  const pbx = new Map(pbxItems.map((i) => [i.item, i]));
  const renewals: PlannedRenewal[] = [];
  const notes: string[] = [];
  for (const wanted of portalItems) {
    if (!VERIFIABLE_KINDS.includes(wanted.kind)) continue;
    const current = pbx.get(wanted.item);
    if (!current) {
      renewals.push(renewal(wanted, null));
      continue;
    }
    const order = compareExpiry(wanted.expiry, current.expiry);
    if (order > 0) renewals.push(renewal(wanted, current.expiry));
    else if (order < 0) {
      notes.push(`${wanted.label}: the portal shows ${formatExpiry(wanted.expiry)}, earlier than the PBX's ${formatExpiry(current.expiry)}; left alone`);
    }
  }
  const onPortal = new Set(portalItems.map((i) => i.item));
  for (const item of pbxItems) {
    if (VERIFIABLE_KINDS.includes(item.kind) && !onPortal.has(item.item)) {
      notes.push(`${item.label}: on the PBX (${formatExpiry(item.expiry)}) but not on the portal`);
    }
  }
  return { renewals, notes };
}

/** Planned items whose PBX value does not yet match the portal's. */
export function unverified(renewals: readonly PlannedRenewal[], pbxItems: readonly LicensedItem[]): Array<PlannedRenewal & { now: string | null }> {
  const pbx = new Map(pbxItems.map((i) => [i.item, formatExpiry(i.expiry)]));
  return renewals.filter((r) => pbx.get(r.item) !== r.portal).map((r) => ({ ...r, now: pbx.get(r.item) ?? null }));
}

function renewal(wanted: LicensedItem, current: Expiry | null): PlannedRenewal {
  return {
    item: wanted.item,
    kind: wanted.kind,
    label: wanted.label,
    pbx: current === null ? null : formatExpiry(current),
    portal: formatExpiry(wanted.expiry),
  };
}
