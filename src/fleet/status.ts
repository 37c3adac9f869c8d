import { compareExpiry, daysLeft, expiryFromStored } from '../core/expiry.js';
import type { DeploymentRow } from '../store/expiries.js';
import type { RunOutcome, RunRecord } from '../store/runs.js';
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
  const deployments = store?.expiries.deployments() ?? [];
  const recorded = [...new Set([...lastRuns.keys(), ...deployments.map((d) => d.host)])].filter((h) => h !== 'local').sort();
  const listed = new Set(inventoryHosts);
  const names = [...inventoryHosts, ...recorded.filter((h) => !listed.has(h))];
  return {
    today,
    hosts: names.map((host) => {
      const run = lastRuns.get(host) ?? null;
      const deploymentId = deploymentOf(host, run, deployments);
      return {
        host,
        deploymentId,
        soonest: deploymentId === null || store === null ? null : soonestItem(store, deploymentId, today),
        lastCheck: run ? (run.endedAt ?? run.startedAt) : null,
        outcome: run === null ? 'never' : (run.outcome ?? 'running'),
        error: run?.error ?? null,
        inInventory: listed.has(host),
      };
    }),
  };
}

function deploymentOf(host: string, run: RunRecord | null, deployments: readonly DeploymentRow[]): string | null {
  if (run?.deploymentId) return run.deploymentId;
  const seen = deployments.filter((d) => d.host === host).sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  return seen[0]?.id ?? null;
}

function soonestItem(store: Store, deploymentId: string, today: string): FleetStatusRow['soonest'] {
  let best: FleetStatusRow['soonest'] = null;
  for (const item of store.expiries.items(deploymentId)) {
    if (item.expiry === 'never') continue;
    if (best === null || compareExpiry(expiryFromStored(item.expiry), expiryFromStored(best.expiry)) < 0) {
      best = { item: item.item, label: item.label, expiry: item.expiry, daysLeft: daysLeft(expiryFromStored(item.expiry), today) };
    }
  }
  return best;
}
