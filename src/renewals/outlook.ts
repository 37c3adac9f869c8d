import { expiryFromStored } from '../core/expiry.js';
import type { StoredItem } from '../store/expiries.js';
import { META } from '../store/meta-keys.js';
import type { ProbeResult, ProbeState } from '../store/probes.js';
import type { Store } from '../store/store.js';
import { decideProbe, type ProbeSettings } from './probe-policy.js';

/** What `status` and the metrics say about the activation probe of one host, from the store alone. */
export interface ProbeOutlook {
  readonly last: { readonly at: string; readonly result: ProbeResult } | null;
  /** Due at the next check. */
  readonly due: boolean;
  readonly reason: string;
  /** The earliest time the policy allows the next probe (ISO), when not due; null: not foreseeable. */
  readonly nextAt: string | null;
}

export interface OutlookInput {
  /** The deployment's items as last recorded. */
  readonly items: readonly StoredItem[];
  readonly last: ProbeState | null;
  /** `details.clock` of the host's last run, if it recorded one. */
  readonly lastClock: unknown;
  readonly now: Date;
}

/** The probe policy's answer for a host, as of now, from what the store holds. */
export function probeOutlook(settings: ProbeSettings, input: OutlookInput): ProbeOutlook {
  const items = input.items.map((i) => ({ item: i.item, kind: i.kind, moduleKey: i.moduleKey, label: i.label, expiry: expiryFromStored(i.expiry) }));
  const clock = recordedClock(input.lastClock);
  const decision = decideProbe(settings, { items, now: input.now, lastProbeAt: input.last ? new Date(input.last.at) : null, clock });
  return {
    last: input.last ? { at: input.last.at, result: input.last.result } : null,
    due: decision.due,
    reason: decision.reason,
    nextAt: decision.due ? null : (decision.nextAt?.toISOString() ?? null),
  };
}

/** A run's recorded clock verdict; trusted unless the run said otherwise. */
function recordedClock(value: unknown): { trusted: boolean; reason: string | null } {
  if (typeof value !== 'object' || value === null) return { trusted: true, reason: null };
  const { trusted, reason } = value as { trusted?: unknown; reason?: unknown };
  return { trusted: trusted !== false, reason: typeof reason === 'string' ? reason : null };
}

/**
 * When this PBX's next probe can happen (the metrics' gauge): the earliest
 * time the policy allows, and not before the daemon's next planned check.
 * null when nothing is foreseeable (no local deployment yet, an untrusted clock).
 */
export function nextLocalProbe(store: Store, settings: ProbeSettings, now: Date): Date | null {
  const local = store.expiries.deployments().filter((d) => d.host === 'local');
  const deployment = local.reduce<(typeof local)[number] | null>((newest, d) => (newest === null || d.lastSeen > newest.lastSeen ? d : newest), null);
  if (deployment === null) return null;
  const outlook = probeOutlook(settings, {
    items: store.expiries.items(deployment.id),
    last: store.probes.last('local'),
    lastClock: store.runs.last(deployment.id)?.details?.clock,
    now,
  });
  const earliest = outlook.due ? now.getTime() : outlook.nextAt === null ? null : Date.parse(outlook.nextAt);
  if (earliest === null) return null;
  const nextCheck = store.getMeta(META.nextCheckAt);
  return new Date(Math.max(earliest, nextCheck === null ? earliest : Date.parse(nextCheck)));
}
