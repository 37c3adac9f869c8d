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

/** `revisionKey` as SQLite makes it from a row of `expiry_changes` or `items`. */
const REVISION_KEY_SQL = 'deployment_id || char(0) || item';

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
    // Rows as arrays (raw): a fleet store returns 50,000 of them, and named-column objects cost twice the time.
    const rows = this.db
      .prepare(
        `SELECT deployment_id, item, kind, module_key, label, expiry${filter.revisions ? ', changes, last_changed_at' : ''} FROM items
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
      )
      .raw()
      .all(...args) as Array<[string, string, ItemKind, string | null, string, string, number?, (string | null)?]>;
    const byDeployment = new Map<string, ReportItemRow[]>();
    for (const [deploymentId, item, kind, moduleKey, label, expiry, changes, lastChangedAt] of rows) {
      // An item without any recorded change (none is made so, but a store may have been edited) has no revision.
      const row = changes && lastChangedAt ? { deploymentId, item, kind, moduleKey, label, expiry, revision: { changes, lastChangedAt } } : { deploymentId, item, kind, moduleKey, label, expiry };
      const list = byDeployment.get(deploymentId);
      if (list) list.push(row);
      else byDeployment.set(deploymentId, [row]);
    }
    // 'never' sorts after every date as text.
    for (const list of byDeployment.values()) list.sort((a, b) => compareText(a.expiry, b.expiry) || compareText(a.item, b.item));
    return new Map([...byDeployment].sort(([a, x], [b, y]) => compareText(x[0]!.expiry, y[0]!.expiry) || compareText(a, b)));
  }

  /**
   * Renewals (an item's date moved later, or to `never`) recorded at or after `since`, oldest first, keyed by
   * `revisionKey(deployment, item)`. Grouped here from the rows as SQLite returns them: a year of a fleet's
   * renewals is 50,000 rows.
   */
  renewalsSince(since: string, deploymentId?: string): Map<string, Renewal[]> {
    const rows = this.db
      .prepare(
        // The key made by SQLite: one value less to bring into JavaScript per row.
        `SELECT ${REVISION_KEY_SQL}, old_expiry, new_expiry, changed_at FROM expiry_changes
         WHERE changed_at >= ? AND old_expiry IS NOT NULL AND new_expiry IS NOT NULL
           AND (new_expiry = 'never' OR (old_expiry <> 'never' AND new_expiry > old_expiry))
           ${deploymentId === undefined ? '' : 'AND deployment_id = ?'}
         ORDER BY changed_at, id`,
      )
      .raw()
      .all(since, ...(deploymentId === undefined ? [] : [deploymentId])) as Array<[string, string, string, string]>;
    const byItem = new Map<string, Renewal[]>();
    for (const [key, from, to, changedAt] of rows) {
      const renewal = { changedAt, from, to };
      const list = byItem.get(key);
      if (list) list.push(renewal);
      else byItem.set(key, [renewal]);
    }
    return byItem;
  }
}

/** An item's key in the maps of this module: its deployment and item id, joined by a NUL (in neither); `REVISION_KEY_SQL` in SQL. */
export function revisionKey(deploymentId: string, item: string): string {
  return `${deploymentId}\0${item}`;
}
