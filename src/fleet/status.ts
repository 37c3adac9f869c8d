import { daysLeft, expiryFromStored } from '../core/expiry.js';
import type { SoonestItem } from '../store/expiries.js';
import type { RunOutcome } from '../store/runs.js';
import type { Store } from '../store/store.js';

export interface FleetStatusRow {
  readonly host: string;
  readonly deploymentId: string | null;
  /** The item that expires first (dates only: `never` never comes first); null when none has a date. */
  readonly soonest: { readonly item: string; readonly label: string; readonly expiry: string; readonly daysLeft: number | null } | null;
  /** When the newest run of this host ended (or started, if it never finished). */
  readonly lastCheck: string | null;
  /** `never`: listed in the inventory, never checked; `running`: started and not finished. */
  readonly outcome: RunOutcome | 'running' | 'never';
  readonly error: string | null;
  readonly inInventory: boolean;
}

export interface FleetStatusReport {
  readonly today: string;
  readonly hosts: FleetStatusRow[];
}

/**
 * One row per fleet host, from the store (null: nothing recorded yet): inventory hosts first (in
 * inventory order), then hosts the store knows that the inventory no longer lists.
 */
export function buildFleetStatus(store: Store | null, today: string, inventoryHosts: readonly string[]): FleetStatusReport {
  const lastRuns = new Map((store?.runs.latestPerHost() ?? []).map((r) => [r.host, r]));
  const newest = store?.expiries.newestPerHost() ?? new Map<string, string>();
  const soonest = store?.expiries.soonestPerDeployment() ?? new Map<string, SoonestItem>();
  const recorded = [...new Set([...lastRuns.keys(), ...newest.keys()])].filter((h) => h !== 'local').sort();
  const listed = new Set(inventoryHosts);
  const names = [...inventoryHosts, ...recorded.filter((h) => !listed.has(h))];
  return {
    today,
    hosts: names.map((host) => {
      const run = lastRuns.get(host) ?? null;
      const deploymentId = run?.deploymentId ?? newest.get(host) ?? null;
      const item = deploymentId === null ? undefined : soonest.get(deploymentId);
      return {
        host,
        deploymentId,
        soonest: item ? { item: item.item, label: item.label, expiry: item.expiry, daysLeft: daysLeft(expiryFromStored(item.expiry), today) } : null,
        lastCheck: run ? (run.endedAt ?? run.startedAt) : null,
        outcome: run === null ? 'never' : (run.outcome ?? 'running'),
        error: run?.error ?? null,
        inInventory: listed.has(host),
      };
    }),
  };
}
