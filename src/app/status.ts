import { compareExpiry, daysLeft, expiryFromStored } from '../core/expiry.js';
import type { ItemKind } from '../core/items.js';
import type { ModuleState } from '../pbx/readers/module-list.js';
import type { StoredModule } from '../store/expiries.js';
import type { RunOutcome } from '../store/runs.js';
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
  readonly enabled: ModuleState | 'not-installed' | null;
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
  /** Items the portal shows with a later date than the PBX (from the last check). */
  readonly pendingRenewals: ReadonlyArray<{ item: string; pbx: string | null; portal: string }>;
  readonly items: StatusItem[];
}

export interface StatusReport {
  readonly today: string;
  readonly deployments: DeploymentStatus[];
}

/** Everything `status` shows, from the local store only: fast and offline. */
export function buildStatus(store: Store, today: string, moduleAliases: Readonly<Record<string, string>>, deploymentId?: string): StatusReport {
  const deployments = store.expiries.deployments().filter((d) => deploymentId === undefined || d.id === deploymentId);
  return {
    today,
    deployments: deployments.map((d) => {
      const modules = new Map(store.expiries.modules(d.id).map((m) => [m.name, m]));
      const lastRun = store.runs.last(d.id);
      const lastOk = store.runs.lastSuccessful(d.id);
      const items = store.expiries
        .items(d.id)
        .map((i): StatusItem => {
          const expiry = expiryFromStored(i.expiry);
          const module = i.moduleKey && i.moduleKey !== 'global' ? (moduleAliases[i.moduleKey] ?? i.moduleKey) : null;
          return {
            item: i.item,
            kind: i.kind,
            label: i.label,
            moduleKey: i.moduleKey,
            module,
            expiry: i.expiry,
            daysLeft: daysLeft(expiry, today),
            enabled: module === null ? null : moduleStateOf(modules, module),
            source: i.source,
            confirmedAt: i.confirmedAt,
          };
        })
        .sort((a, b) => compareExpiry(expiryFromStored(a.expiry), expiryFromStored(b.expiry)) || a.item.localeCompare(b.item));
      return {
        deploymentId: d.id,
        host: d.host,
        productName: d.productName,
        lastSeen: d.lastSeen,
        lastRun: lastRun && summarise(lastRun),
        lastSuccessfulCheck: lastOk?.endedAt ?? null,
        nextCheck: store.getMeta('next_check_at'),
        pendingRenewals: pendingFrom(lastRun?.details ?? null),
        items,
      };
    }),
  };
}

function moduleStateOf(modules: ReadonlyMap<string, StoredModule>, name: string): ModuleState | 'not-installed' | null {
  if (modules.size === 0) return null;
  return modules.get(name)?.state ?? 'not-installed';
}

function summarise(run: NonNullable<ReturnType<Store['runs']['last']>>): RunSummary {
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

function pendingFrom(details: Record<string, unknown> | null): DeploymentStatus['pendingRenewals'] {
  const pending = details?.pending;
  if (!Array.isArray(pending)) return [];
  return pending.filter(
    (p): p is { item: string; pbx: string | null; portal: string } => typeof p === 'object' && p !== null && typeof (p as { item?: unknown }).item === 'string',
  );
}
