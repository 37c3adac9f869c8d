import { compareExpiry, daysLeft, expiryFromStored } from '../core/expiry.js';
import { moduleOfLicence, type ItemKind } from '../core/items.js';
import { compareText } from '../core/order.js';
import type { RenewalSourceKind } from '../config/schema.js';
import type { ModuleState } from '../pbx/readers/module-list.js';
import { probeOutlook, type ProbeOutlook } from '../renewals/outlook.js';
import type { ProbeSettings } from '../renewals/probe-policy.js';
import type { ModuleStateRow, StoredItem } from '../store/expiries.js';
import type { ProbeState } from '../store/probes.js';
import type { RunOutcome, RunRecord } from '../store/runs.js';
import { META } from '../store/meta-keys.js';
import type { Store } from '../store/store.js';

export interface StatusItem {
  readonly item: string;
  readonly kind: ItemKind;
  readonly label: string;
  readonly moduleKey: string | null;
  /** The module directory name the licence key maps to, when a module is involved. */
  readonly module: string | null;
  /** `YYYY-MM-DD` or `never`. */
  readonly expiry: string;
  /** null for `never`. */
  readonly daysLeft: number | null;
  /** Module state from `ma list`; null when not applicable (activation, support, global licence). */
  readonly enabled: ModuleState | null;
  /** The Status text `ma list` printed (localised), the evidence behind `enabled`; null when not applicable. */
  readonly statusText: string | null;
  /** `ma list`'s Signature column (`Sangoma`, `Unsigned`, `Unknown`, '' when not checked); null when not applicable. */
  readonly signature: string | null;
  readonly source: string;
  readonly confirmedAt: string;
}

export interface RunSummary {
  readonly id: number;
  readonly command: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly outcome: RunOutcome | null;
  readonly error: string | null;
}

export interface DeploymentStatus {
  readonly deploymentId: string;
  readonly host: string;
  readonly productName: string | null;
  readonly lastSeen: string;
  readonly lastRun: RunSummary | null;
  readonly lastSuccessfulCheck: string | null;
  readonly nextCheck: string | null;
  /** Items the portal shows with a later date than the PBX, or bought (`renew --module`) and not delivered yet (from the last check). */
  readonly pendingRenewals: ReadonlyArray<{ item: string; pbx: string | null; portal: string | null }>;
  /** The activation probe of this deployment's host: last probe, and when the next is due or why none is; null with other sources. */
  readonly probe: ProbeOutlook | null;
  readonly items: StatusItem[];
  /** Set by withClockWarnings when times shown here were recorded in the future (the clock ran ahead). */
  readonly clockWarning?: string | null;
}

export interface StatusReport {
  readonly today: string;
  /** Where renewals come from (renewals.source); null when the report was built without the configuration. */
  readonly renewalSource: RenewalSourceKind | null;
  readonly deployments: DeploymentStatus[];
}

/** What `status` needs to say about renewals: the source in force and, for the probe, its settings. */
export interface StatusRenewals {
  readonly source: RenewalSourceKind;
  readonly probe: ProbeSettings;
  readonly now: Date;
}

/**
 * Everything `status` shows, from the local store only: fast and offline.
 * One query per table whatever the number of deployments (a fleet store holds
 * a thousand), grouped here.
 */
export function buildStatus(
  store: Store,
  today: string,
  moduleAliases: ReadonlyMap<string, string>,
  deploymentId?: string,
  renewals?: StatusRenewals,
): StatusReport {
  const deployments = store.expiries.deployments().filter((d) => deploymentId === undefined || d.id === deploymentId);
  const items = groupBy(store.expiries.items(deploymentId), (i) => i.deploymentId);
  const modules = groupBy(store.expiries.moduleStates(deploymentId), (m) => m.deploymentId);
  const lastRuns = new Map(store.runs.latestPerDeployment(deploymentId).map((r) => [r.deploymentId, r]));
  const lastOks = new Map(store.runs.latestSuccessfulPerDeployment(deploymentId).map((r) => [r.deploymentId, r]));
  const nextCheck = store.getMeta(META.nextCheckAt);
  const probing = renewals?.source === 'activation' ? renewals : null;
  const probes = probing ? store.probes.all() : new Map<string, ProbeState>();
  return {
    today,
    renewalSource: renewals?.source ?? null,
    deployments: deployments.map((d) => {
      const installed = new Map((modules.get(d.id) ?? []).map((m) => [m.name, m]));
      const lastRun = lastRuns.get(d.id) ?? null;
      const stored = items.get(d.id) ?? [];
      return {
        deploymentId: d.id,
        host: d.host,
        productName: d.productName,
        lastSeen: d.lastSeen,
        lastRun: lastRun && summarise(lastRun),
        lastSuccessfulCheck: lastOks.get(d.id)?.endedAt ?? null,
        nextCheck,
        pendingRenewals: pendingFrom(lastRun?.details ?? null),
        probe: probing && probeOutlook(probing.probe, { items: stored, last: probes.get(d.host) ?? null, lastClock: lastRun?.details?.clock, now: probing.now }),
        items: statusItems(stored, installed, moduleAliases, today),
      };
    }),
  };
}

/** Soonest expiry first (`never` last), then by item id. */
function statusItems(stored: readonly StoredItem[], modules: ReadonlyMap<string, ModuleStateRow>, moduleAliases: ReadonlyMap<string, string>, today: string): StatusItem[] {
  return stored
    .map((i) => ({ i, expiry: expiryFromStored(i.expiry) }))
    .sort((a, b) => compareExpiry(a.expiry, b.expiry) || compareText(a.i.item, b.i.item))
    .map(({ i, expiry }): StatusItem => {
      const module = moduleOfLicence(i.moduleKey, moduleAliases);
      const row = module === null ? undefined : modules.get(module);
      return {
        item: i.item,
        kind: i.kind,
        label: i.label,
        moduleKey: i.moduleKey,
        module,
        expiry: i.expiry,
        daysLeft: daysLeft(expiry, today),
        enabled: module === null ? null : moduleStateOf(modules, module),
        statusText: row?.statusText ?? null,
        signature: row?.signature ?? null,
        source: i.source,
        confirmedAt: i.confirmedAt,
      };
    });
}

export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

function moduleStateOf(modules: ReadonlyMap<string, ModuleStateRow>, name: string): ModuleState | null {
  if (modules.size === 0) return null;
  return modules.get(name)?.state ?? 'not-installed';
}

function summarise(run: RunRecord): RunSummary {
  return {
    id: run.id,
    command: run.command,
    trigger: run.trigger,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    outcome: run.outcome,
    error: run.error,
  };
}

export function pendingFrom(details: Record<string, unknown> | null): DeploymentStatus['pendingRenewals'] {
  const pending = details?.pending;
  if (!Array.isArray(pending)) return [];
  return pending.filter(
    (p): p is { item: string; pbx: string | null; portal: string | null } => typeof p === 'object' && p !== null && typeof (p as { item?: unknown }).item === 'string',
  );
}
