import type { ItemKind } from '../core/items.js';
import { compareText } from '../core/order.js';
import type { Database } from './database.js';
import type { StoredItem } from './expiries.js';

/**
 * The reads behind what operators look at (the renewal list, the calendar feed, the timeline page, the
 * digest): items across deployments, with how often each item's date changed, and the renewals
 * recorded. Each is one query whatever the number of deployments (a fleet store holds 50,000 items and
 * half a million changes).
 */

/** An item as the views read it (its deployment's host and product come from `deployments`). */
export interface ReportItemRow extends Pick<StoredItem, 'deploymentId' | 'item' | 'kind' | 'moduleKey' | 'label' | 'expiry'> {
  /** With `revisions`, when any change is recorded. */
  readonly revision?: ItemRevision;
}

export interface ItemFilter {
  /** Items whose date is on or before this day (`YYYY-MM-DD`); null: every dated item. */
  readonly until: string | null;
  readonly deploymentId?: string | undefined;
  /** Also items that never expire (the timeline shows them; lists and the calendar leave them out). */
  readonly includeNever?: boolean;
  /** Add each item's revision (kept on the item by ExpiryRepository.record, migration 7). */
  readonly revisions?: boolean;
}

/** How an item's recorded date has changed so far: the calendar's SEQUENCE and DTSTAMP. */
export interface ItemRevision {
  /** Changes recorded for this item, its first sighting included (so at least 1). */
  readonly changes: number;
  /** When the newest of them was recorded (ISO instant). */
  readonly lastChangedAt: string;
}

/** A date that moved later (or to `never`): a renewal. */
export interface Renewal {
  readonly changedAt: string;
  readonly from: string;
  /** A later date, or `never`. */
  readonly to: string;
}

export class ExpiryReportQueries {
  constructor(private readonly db: Database) {}

  /**
   * Items by deployment: the most urgent deployment first (by its soonest item, then by id), each one's items
   * soonest first (`never` last), then by item id. The order of one list sorted by date, deployment and item,
   * grouped; sorted here rather than by SQLite, which sorted a fleet's 50,000 rows of every column more slowly
   * than 1,000 sorts of 50 items and one of 1,000 deployments.
   */
  itemsByDeployment(filter: ItemFilter): Map<string, ReportItemRow[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.until !== null) {
      // 'never' sorts after every date as text, but say what is meant.
      where.push(filter.includeNever ? "(expiry <= ? OR expiry = 'never')" : "expiry <> 'never' AND expiry <= ?");
      args.push(filter.until);
    } else if (!filter.includeNever) {
      where.push("expiry <> 'never'");
    }
    if (filter.deploymentId !== undefined) {
      where.push('deployment_id = ?');
      args.push(filter.deploymentId);
    }
    // Each deployment's items as one JSON text made by SQLite: bringing a fleet's 50,000 rows into JavaScript
    // value by value took twice the time, and three times the garbage collection, of parsing 1,000 texts.
    const groups = this.db
      .prepare(
        `SELECT deployment_id, json_group_array(json_array(item, kind, module_key, label, expiry${filter.revisions ? ', changes, last_changed_at' : ''})) FROM items
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY deployment_id`,
      )
      .raw()
      .all(...args) as Array<[string, string]>;
    const byDeployment = new Map<string, ReportItemRow[]>();
    for (const [deploymentId, json] of groups) {
      const rows = JSON.parse(json) as Array<[string, ItemKind, string | null, string, string, number?, (string | null)?]>;
      byDeployment.set(
        deploymentId,
        rows.map(([item, kind, moduleKey, label, expiry, changes, lastChangedAt]) =>
          // An item without any recorded change (none is made so, but a store may have been edited) has no revision.
          changes && lastChangedAt ? { deploymentId, item, kind, moduleKey, label, expiry, revision: { changes, lastChangedAt } } : { deploymentId, item, kind, moduleKey, label, expiry },
        ),
      );
    }
    // 'never' sorts after every date as text.
    for (const list of byDeployment.values()) list.sort((a, b) => compareText(a.expiry, b.expiry) || compareText(a.item, b.item));
    return new Map([...byDeployment].sort(([a, x], [b, y]) => compareText(x[0]!.expiry, y[0]!.expiry) || compareText(a, b)));
  }

  /**
   * Renewals (an item's date moved later, or to `never`) recorded at or after `since`, by deployment, then by
   * item, each item's oldest first. A year of a fleet's renewals is 50,000 rows.
   */
  renewalsSince(since: string, deploymentId?: string): Map<string, Map<string, Renewal[]>> {
    // One JSON text made by SQLite (see itemsByDeployment), unordered: SQLite sorting it took as long as the rest.
    const json = this.db
      .prepare(
        `SELECT json_group_array(json_array(deployment_id, item, changed_at, id, old_expiry, new_expiry)) FROM expiry_changes
         WHERE changed_at >= ? AND old_expiry IS NOT NULL AND new_expiry IS NOT NULL
           AND (new_expiry = 'never' OR (old_expiry <> 'never' AND new_expiry > old_expiry))
           ${deploymentId === undefined ? '' : 'AND deployment_id = ?'}`,
      )
      .pluck()
      .get(since, ...(deploymentId === undefined ? [] : [deploymentId])) as string;
    const rows = JSON.parse(json) as Array<[deploymentId: string, item: string, changedAt: string, id: number, from: string, to: string]>;
    // Oldest first, as recorded. SQLite reads them through the index by time, so this sort finds them in order.
    rows.sort((a, b) => compareText(a[2], b[2]) || a[3] - b[3]);
    const byDeployment = new Map<string, Map<string, Renewal[]>>();
    for (const [deployment, item, changedAt, , from, to] of rows) {
      let items = byDeployment.get(deployment);
      if (items === undefined) byDeployment.set(deployment, (items = new Map()));
      const renewal = { changedAt, from, to };
      const list = items.get(item);
      if (list) list.push(renewal);
      else items.set(item, [renewal]);
    }
    return byDeployment;
  }
}
