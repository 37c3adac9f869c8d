import { dateExpiry, NEVER } from '../../src/core/expiry.js';
import { makeItem, type ItemKind } from '../../src/core/items.js';
import { PBX_KINDS } from '../../src/app/cycle.js';
import type { Store } from '../../src/store/store.js';

/** An item as tests write it: kind, licence key (null for activation/support), `YYYY-MM-DD` or `never`, optional label. */
export type ItemSpec = readonly [ItemKind, string | null, string, string?];

export interface DeploymentSpec {
  readonly id: string;
  readonly host?: string;
  readonly product?: string | null;
  readonly items: readonly ItemSpec[];
  /** ISO instant of the check that recorded it. */
  readonly at: string;
  /** Renewals the check saw on the portal and did not apply. */
  readonly pending?: ReadonlyArray<{ item: string; pbx: string | null; portal: string }>;
}

/** Records one check of a deployment through the store's own repositories, as the cycle does. */
export function recordCheck(store: Store, spec: DeploymentSpec): number {
  const host = spec.host ?? 'local';
  const runId = store.runs.start({ trigger: 'manual', command: 'check', host, deploymentId: spec.id, dryRun: false, pid: 1, at: spec.at });
  const items = spec.items.map(([kind, key, expiry, label]) => makeItem(kind, key, expiry === 'never' ? NEVER : dateExpiry(expiry), label));
  store.expiries.record({ deploymentId: spec.id, host, productName: spec.product ?? null, source: 'pbx', items: items.filter((i) => PBX_KINDS.includes(i.kind)), kinds: PBX_KINDS, runId, at: spec.at });
  const maintenance = items.filter((i) => i.kind === 'module-maintenance');
  if (maintenance.length > 0) {
    store.expiries.record({ deploymentId: spec.id, host, productName: null, source: 'portal', items: maintenance, kinds: ['module-maintenance'], runId, at: spec.at });
  }
  const ended = new Date(Date.parse(spec.at) + 30_000).toISOString();
  const outcome = spec.pending?.length ? 'pending' : 'up-to-date';
  store.runs.finish(runId, { outcome, at: ended, deploymentId: spec.id, details: { pending: spec.pending ?? [] } });
  return runId;
}
