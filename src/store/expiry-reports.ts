import type { ItemKind } from '../core/items.js';
import type { Database } from './database.js';

/**
 * The reads behind what operators look at (the renewal list, the calendar feed, the timeline page, the
 * digest): items across deployments with their host and product, how often each item's date changed,
 * and the renewals recorded. Each is one query whatever the number of deployments (a fleet store holds
 * 50,000 items and half a million changes).
 */

/** An item with the host and product of its deployment. */
export interface ReportItemRow {
  readonly deploymentId: string;
  readonly host: string;
  readonly productName: string | null;
  readonly item: string;
  readonly kind: ItemKind;
  readonly moduleKey: string | null;
  readonly label: string;
  /** `YYYY-MM-DD` or `never`. */
  readonly expiry: string;
}

export interface ItemFilter {
  /** Items whose date is on or before this day (`YYYY-MM-DD`); null: every dated item. */
  readonly until: string | null;
  readonly deploymentId?: string | undefined;
  /** Also items that never expire (the timeline shows them; lists and the calendar leave them out). */
  readonly includeNever?: boolean;
}

/** How an item's recorded date has changed so far: the calendar's SEQUENCE and DTSTAMP. */
export interface ItemRevision {
  /** Changes recorded for this item, its first sighting included (so at least 1). */
  readonly changes: number;
  /** When the newest of them was recorded (ISO instant). */
  readonly lastChangedAt: string;
}

/** A date that moved later: a renewal. */
export interface RenewalRow {
  readonly deploymentId: string;
  readonly item: string;
  readonly label: string;
  readonly oldExpiry: string;
  /** A later date, or `never`. */
  readonly newExpiry: string;
  readonly changedAt: string;
}

export class ExpiryReportQueries {
  constructor(private readonly db: Database) {}

  /** Items, soonest date first (`never` last), then by deployment and item. */
  items(filter: ItemFilter): ReportItemRow[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.until !== null) {
      // 'never' sorts after every date as text, but say what is meant.
      where.push(filter.includeNever ? "(i.expiry <= ? OR i.expiry = 'never')" : "i.expiry <> 'never' AND i.expiry <= ?");
      args.push(filter.until);
    } else if (!filter.includeNever) {
      where.push("i.expiry <> 'never'");
    }
    if (filter.deploymentId !== undefined) {
      where.push('i.deployment_id = ?');
      args.push(filter.deploymentId);
    }
    const rows = this.db
      .prepare(
        `SELECT i.deployment_id, d.host, d.product_name, i.item, i.kind, i.module_key, i.label, i.expiry
         FROM items i JOIN deployments d ON d.id = i.deployment_id
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY i.expiry = 'never', i.expiry, i.deployment_id, i.item`,
      )
      .all(...args) as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      deploymentId: r.deployment_id!,
      host: r.host!,
      productName: r.product_name ?? null,
      item: r.item!,
      kind: r.kind as ItemKind,
      moduleKey: r.module_key ?? null,
      label: r.label!,
      expiry: r.expiry!,
    }));
  }

  /** Every item's change count and newest change, keyed by `revisionKey(deployment, item)`. */
  revisions(deploymentId?: string): Map<string, ItemRevision> {
    // Walks the (deployment_id, item, changed_at) index: no table rows are read.
    const rows = this.db
      .prepare(
        `SELECT deployment_id, item, COUNT(*) AS n, MAX(changed_at) AS last FROM expiry_changes
         ${deploymentId === undefined ? '' : 'WHERE deployment_id = ?'} GROUP BY deployment_id, item`,
      )
      .all(...(deploymentId === undefined ? [] : [deploymentId])) as Array<{ deployment_id: string; item: string; n: number; last: string }>;
    return new Map(rows.map((r) => [revisionKey(r.deployment_id, r.item), { changes: r.n, lastChangedAt: r.last }]));
  }

  /** Renewals (an item's date moved later, or to `never`) recorded at or after `since`, oldest first. */
  renewalsSince(since: string, deploymentId?: string): RenewalRow[] {
    const rows = this.db
      .prepare(
        `SELECT deployment_id, item, label, old_expiry, new_expiry, changed_at FROM expiry_changes
         WHERE changed_at >= ? AND old_expiry IS NOT NULL AND new_expiry IS NOT NULL
           AND (new_expiry = 'never' OR (old_expiry <> 'never' AND new_expiry > old_expiry))
           ${deploymentId === undefined ? '' : 'AND deployment_id = ?'}
         ORDER BY changed_at, id`,
      )
      .all(since, ...(deploymentId === undefined ? [] : [deploymentId])) as Array<Record<string, string>>;
    return rows.map((r) => ({
      deploymentId: r.deployment_id!,
      item: r.item!,
      label: r.label!,
      oldExpiry: r.old_expiry!,
      newExpiry: r.new_expiry!,
      changedAt: r.changed_at!,
    }));
  }
}

export function revisionKey(deploymentId: string, item: string): string {
  return `${deploymentId}\0${item}`;
}
