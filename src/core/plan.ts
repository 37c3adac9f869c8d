import { compareExpiry, expiryFromStored, formatExpiry, NEVER, type Expiry } from './expiry.js';
import { itemId, makeItem, type ItemKind, type LicensedItem } from './items.js';

/** Kinds the PBX shows, so a renewal of them can be applied and verified there. */
export const VERIFIABLE_KINDS: readonly ItemKind[] = ['activation', 'support-contract', 'module-license'];

export interface PlannedRenewal {
  readonly item: string;
  readonly kind: ItemKind;
  readonly label: string;
  /** What the PBX shows now (`YYYY-MM-DD`, `never`), or null when it lacks the item. */
  readonly pbx: string | null;
  /**
   * What the portal says it should be; null for a renewal the operator says was bought
   * (`renew --module`) and no portal dates: then any date later than `pbx` is the renewal.
   */
  readonly portal: string | null;
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

/** Planned items the PBX does not show yet: not the portal's date, or (bought, no date known) not later than before. */
export function unverified(renewals: readonly PlannedRenewal[], pbxItems: readonly LicensedItem[]): Array<PlannedRenewal & { now: string | null }> {
  const pbx = new Map(pbxItems.map((i) => [i.item, i.expiry]));
  const shows = (r: PlannedRenewal): boolean => {
    const now = pbx.get(r.item);
    if (now === undefined) return false;
    if (r.portal !== null) return formatExpiry(now) === r.portal;
    return r.pbx === null || compareExpiry(now, expiryFromStored(r.pbx)) > 0;
  };
  return renewals.filter((r) => !shows(r)).map((r) => {
    const now = pbx.get(r.item);
    return { ...r, now: now === undefined ? null : formatExpiry(now) };
  });
}

/**
 * A renewal the operator says was bought (`renew --module KEY`) where no
 * portal tells the new date: the licence of KEY, to move later than it is now.
 */
export function boughtRenewal(moduleKey: string, pbxItems: readonly LicensedItem[]): PlannedRenewal {
  const item = itemId('module-license', moduleKey);
  const current = pbxItems.find((i) => i.item === item);
  return { item, kind: 'module-license', label: current?.label ?? makeItem('module-license', moduleKey, NEVER).label, pbx: current ? formatExpiry(current.expiry) : null, portal: null };
}

export interface MovedItem {
  readonly item: string;
  readonly label: string;
  /** null: the PBX did not show it before. */
  readonly from: string | null;
  readonly to: string;
}

/** Items whose date is later in `after` than in `before`, or new in `after`: what an Update Activation brought. */
export function movedLater(before: readonly LicensedItem[], after: readonly LicensedItem[]): MovedItem[] {
  const was = new Map(before.map((i) => [i.item, i.expiry]));
  const moved: MovedItem[] = [];
  for (const now of after) {
    if (!VERIFIABLE_KINDS.includes(now.kind)) continue;
    const old = was.get(now.item);
    if (old === undefined || compareExpiry(now.expiry, old) > 0) {
      moved.push({ item: now.item, label: now.label, from: old === undefined ? null : formatExpiry(old), to: formatExpiry(now.expiry) });
    }
  }
  return moved;
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
