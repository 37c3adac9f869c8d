import { formatExpiry } from '../core/expiry.js';
import type { ItemKind, LicensedItem } from '../core/items.js';
import type { ModuleRow } from '../pbx/readers/module-list.js';
import type { Database } from './database.js';

/** Who saw a value: the PBX (fwconsole), the portal, the licence file, or the PBX right after an activation probe. */
export type Source = 'pbx' | 'portal' | 'licence-file' | 'activation';

export interface Observation {
  readonly deploymentId: string;
  readonly host: string;
  readonly productName: string | null;
  readonly source: Source;
  /** Every item of the kinds this source reports; missing ones are recorded as gone. */
  readonly items: readonly LicensedItem[];
  /** The kinds this source is authoritative for (items of other kinds are left alone). */
  readonly kinds: readonly ItemKind[];
  /** Modules from `ma list`, when they were read. */
  readonly modules?: readonly ModuleRow[] | undefined;
  readonly runId: number | null;
  readonly at: string;
}

export interface ExpiryChange {
  readonly id: number;
  readonly deploymentId: string;
  readonly item: string;
  readonly kind: ItemKind;
  readonly label: string;
  /** null: first seen. */
  readonly oldExpiry: string | null;
  /** null: no longer listed. */
  readonly newExpiry: string | null;
  readonly changedAt: string;
  readonly source: Source;
  readonly runId: number | null;
}

export interface StoredItem {
  readonly deploymentId: string;
  readonly item: string;
  readonly kind: ItemKind;
  readonly moduleKey: string | null;
  readonly label: string;
  /** `YYYY-MM-DD` or `never`. */
  readonly expiry: string;
  readonly source: Source;
  readonly firstSeen: string;
  readonly confirmedAt: string;
}

export interface StoredModule extends ModuleRow {
  readonly deploymentId: string;
  readonly seenAt: string;
}

export type ModuleStateRow = Pick<StoredModule, 'deploymentId' | 'name' | 'state' | 'statusText' | 'signature'>;

export interface DeploymentRow {
  readonly id: string;
  readonly host: string;
  readonly productName: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** A deployment's item that expires first: what `fleet status` shows. */
export type SoonestItem = Pick<StoredItem, 'deploymentId' | 'item' | 'label' | 'expiry'>;

export interface ChangeFilter {
  readonly deploymentId?: string | undefined;
  /** Matches the module key (licence and maintenance items of that module). */
  readonly moduleKey?: string | undefined;
  /** ISO instant or date; changes at or after it. */
  readonly since?: string | undefined;
  readonly limit?: number | undefined;
}

export class ExpiryRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records what a source saw, in one transaction: the deployment, every item
   * whose expiry is new or different (with a history row), items that are gone,
   * and the module list. Returns the changes; an unchanged PBX returns none.
   */
  record(obs: Observation): ExpiryChange[] {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO deployments (id, host, product_name, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET host = excluded.host, last_seen = excluded.last_seen,
             product_name = COALESCE(excluded.product_name, deployments.product_name)`,
        )
        .run(obs.deploymentId, obs.host, obs.productName, obs.at, obs.at);

      const current = new Map(this.items(obs.deploymentId).map((i) => [i.item, i]));
      const changes: ExpiryChange[] = [];
      const insertChange = this.db.prepare(
        `INSERT INTO expiry_changes (deployment_id, item, kind, label, old_expiry, new_expiry, changed_at, source, run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const change = (item: string, kind: ItemKind, label: string, oldExpiry: string | null, newExpiry: string | null) => {
        const info = insertChange.run(obs.deploymentId, item, kind, label, oldExpiry, newExpiry, obs.at, obs.source, obs.runId);
        changes.push({
          id: Number(info.lastInsertRowid),
          deploymentId: obs.deploymentId,
          item,
          kind,
          label,
          oldExpiry,
          newExpiry,
          changedAt: obs.at,
          source: obs.source,
          runId: obs.runId,
        });
      };

      const upsert = this.db.prepare(
        `INSERT INTO items (deployment_id, item, kind, module_key, label, expiry, source, first_seen, confirmed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(deployment_id, item) DO UPDATE SET label = excluded.label, expiry = excluded.expiry,
           source = excluded.source, confirmed_at = excluded.confirmed_at`,
      );
      // The item's change count and newest change (migration 7), counted again from its history whenever a
      // change is added: an item that comes back after it was gone continues its count, as the calendar's
      // SEQUENCE must.
      const recount = this.db.prepare(
        `UPDATE items SET (changes, last_changed_at) =
           (SELECT COUNT(*), MAX(c.changed_at) FROM expiry_changes c WHERE c.deployment_id = items.deployment_id AND c.item = items.item)
         WHERE deployment_id = ? AND item = ?`,
      );
      const seen = new Set<string>();
      for (const item of obs.items) {
        if (seen.has(item.item)) continue;
        seen.add(item.item);
        const expiry = formatExpiry(item.expiry);
        const before = current.get(item.item);
        const changed = !before || before.expiry !== expiry;
        if (changed) change(item.item, item.kind, item.label, before?.expiry ?? null, expiry);
        upsert.run(obs.deploymentId, item.item, item.kind, item.moduleKey, item.label, expiry, obs.source, obs.at, obs.at);
        if (changed) recount.run(obs.deploymentId, item.item);
      }

      const remove = this.db.prepare('DELETE FROM items WHERE deployment_id = ? AND item = ?');
      for (const before of current.values()) {
        if (seen.has(before.item) || !obs.kinds.includes(before.kind)) continue;
        change(before.item, before.kind, before.label, before.expiry, null);
        remove.run(obs.deploymentId, before.item);
      }

      if (obs.modules) this.replaceModules(obs.deploymentId, obs.modules, obs.at);
      return changes;
    })();
  }

  private replaceModules(deploymentId: string, modules: readonly ModuleRow[], at: string): void {
    this.db.prepare('DELETE FROM modules WHERE deployment_id = ?').run(deploymentId);
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO modules (deployment_id, name, version, status_text, state, license, commercial, signature, seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const m of modules) {
      insert.run(deploymentId, m.name, m.version, m.statusText, m.state, m.license, m.commercial ? 1 : 0, m.signature, at);
    }
  }

  items(deploymentId?: string): StoredItem[] {
    const rows = this.db
      .prepare(
        `SELECT deployment_id, item, kind, module_key, label, expiry, source, first_seen, confirmed_at FROM items
         ${deploymentId === undefined ? '' : 'WHERE deployment_id = ?'} ORDER BY deployment_id, item`,
      )
      .all(...(deploymentId === undefined ? [] : [deploymentId])) as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      deploymentId: r.deployment_id!,
      item: r.item!,
      kind: r.kind as ItemKind,
      moduleKey: r.module_key ?? null,
      label: r.label!,
      expiry: r.expiry!,
      source: r.source as Source,
      firstSeen: r.first_seen!,
      confirmedAt: r.confirmed_at!,
    }));
  }

  modules(deploymentId: string): StoredModule[] {
    const rows = this.db
      .prepare('SELECT * FROM modules WHERE deployment_id = ? ORDER BY name')
      .all(deploymentId) as Array<Record<string, string | number>>;
    return rows.map((r) => ({
      deploymentId: String(r.deployment_id),
      name: String(r.name),
      version: String(r.version),
      statusText: String(r.status_text),
      state: r.state as StoredModule['state'],
      license: String(r.license),
      commercial: r.commercial === 1,
      signature: String(r.signature),
      seenAt: String(r.seen_at),
    }));
  }

  /** Only each module's state (what `status` shows): a fleet store holds tens of thousands of module rows. */
  moduleStates(deploymentId?: string): ModuleStateRow[] {
    const rows = this.db
      .prepare(
        `SELECT deployment_id, name, state, status_text, signature FROM modules ${deploymentId === undefined ? '' : 'WHERE deployment_id = ?'} ORDER BY deployment_id, name`,
      )
      .all(...(deploymentId === undefined ? [] : [deploymentId])) as Array<{ deployment_id: string; name: string; state: string; status_text: string; signature: string }>;
    return rows.map((r) => ({
      deploymentId: r.deployment_id,
      name: r.name,
      state: r.state as ModuleStateRow['state'],
      statusText: r.status_text,
      signature: r.signature,
    }));
  }

  /** Whether the store holds anything of this deployment: its items, or a run that named it (one that failed before recording any). */
  hasDeployment(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM deployments WHERE id = ? UNION ALL SELECT 1 FROM runs WHERE deployment_id = ? LIMIT 1').get(id, id) !== undefined;
  }

  deployments(): DeploymentRow[] {
    const rows = this.db.prepare('SELECT * FROM deployments ORDER BY id').all() as Array<Record<string, string | null>>;
    return rows.map((r) => ({
      id: r.id!,
      host: r.host!,
      productName: r.product_name ?? null,
      firstSeen: r.first_seen!,
      lastSeen: r.last_seen!,
    }));
  }

  /**
   * The deployment each host showed last (by `last_seen`; the greater id on a tie), by host name:
   * a host reinstalled with a new deployment keeps its old row too.
   */
  newestPerHost(): Map<string, string> {
    const rows = this.db
      .prepare(
        `SELECT host, id FROM (SELECT host, id, ROW_NUMBER() OVER (PARTITION BY host ORDER BY last_seen DESC, id DESC) AS n FROM deployments)
         WHERE n = 1`,
      )
      .all() as Array<{ host: string; id: string }>;
    return new Map(rows.map((r) => [r.host, r.id]));
  }

  /**
   * Each deployment's item with the soonest date (`never` never comes first; the first item id on a
   * tie), by deployment id, in one query: a fleet store holds tens of thousands of item rows.
   */
  soonestPerDeployment(): Map<string, SoonestItem> {
    // SQLite takes the bare columns from the row holding the min(); dates are all ten characters, so the
    // key orders by expiry, then item, and is unique. A window function does the same with a sort: 60 ms
    // instead of 17 on a 10-year fleet store (1,000 deployments x 50 items).
    const rows = this.db
      .prepare(`SELECT deployment_id, item, label, expiry, MIN(expiry || item) FROM items WHERE expiry <> 'never' GROUP BY deployment_id`)
      .all() as Array<{ deployment_id: string; item: string; label: string; expiry: string }>;
    return new Map(rows.map((r) => [r.deployment_id, { deploymentId: r.deployment_id, item: r.item, label: r.label, expiry: r.expiry }]));
  }

  /** Expiry changes, newest first. */
  changes(filter: ChangeFilter = {}): ExpiryChange[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.deploymentId !== undefined) {
      where.push('deployment_id = ?');
      args.push(filter.deploymentId);
    }
    if (filter.moduleKey !== undefined) {
      where.push('item IN (?, ?)');
      args.push(`license:${filter.moduleKey}`, `maintenance:${filter.moduleKey}`);
    }
    if (filter.since !== undefined) {
      where.push('changed_at >= ?');
      args.push(filter.since);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM expiry_changes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY changed_at DESC, id DESC LIMIT ?`,
      )
      .all(...args, filter.limit ?? -1) as Array<Record<string, string | number | null>>;
    return rows.map((r) => ({
      id: Number(r.id),
      deploymentId: String(r.deployment_id),
      item: String(r.item),
      kind: r.kind as ItemKind,
      label: String(r.label),
      oldExpiry: r.old_expiry === null ? null : String(r.old_expiry),
      newExpiry: r.new_expiry === null ? null : String(r.new_expiry),
      changedAt: String(r.changed_at),
      source: r.source as Source,
      runId: r.run_id === null ? null : Number(r.run_id),
    }));
  }
}
