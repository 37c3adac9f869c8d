import { addDays } from '../core/expiry.js';
import type { ItemKind } from '../core/items.js';
import { memoize } from '../core/memo.js';
import { compareText } from '../core/order.js';
import type { ItemRevision, Renewal, ReportItemRow } from '../store/expiry-reports.js';
import type { Store } from '../store/store.js';
import { pendingFrom } from './status.js';

/**
 * One report value, from the local store only, that every view of "what expires when" renders: the
 * renewal list (`due`: text, CSV, JSON), the calendar feed, the timeline page and the weekly digest.
 * Works alike for one PBX and for a fleet store.
 */

/** How urgent an item is, by days left: the timeline's colours and the summary's counts. */
export type Band = 'expired' | 'within-30' | 'within-90' | 'later' | 'never';

export interface ReportItem {
  readonly item: string;
  readonly kind: ItemKind;
  readonly moduleKey: string | null;
  readonly label: string;
  /** `YYYY-MM-DD` or `never`. */
  readonly expiry: string;
  /** Negative once expired; null for `never`. */
  readonly daysLeft: number | null;
  readonly band: Band;
  /** The later date the portal showed at the deployment's last check and that is not applied yet; null: no renewal seen. */
  readonly renewalSeen: string | null;
  /** How often the date changed (with `revisions`). */
  readonly revision?: ItemRevision;
  /** Renewals recorded since `renewalsSince`, oldest first (with `renewalsSince`). */
  readonly renewals?: readonly Renewal[];
}

export interface ReportDeployment {
  readonly deploymentId: string;
  /** Inventory name of a fleet host; `local` for the agent's own PBX. */
  readonly host: string;
  readonly productName: string | null;
  /** When the last successful check of this deployment ended; null: none recorded. */
  readonly lastSuccessfulCheck: string | null;
  /** Soonest first (`never` last), then by item id. */
  readonly items: ReportItem[];
}

export interface RenewalReport {
  /** The calendar day days are counted from (in the configured time zone). */
  readonly today: string;
  /** Items dated on or before this day are in the report (expired ones too); null: every item. */
  readonly until: string | null;
  /** Most urgent deployment first (by its soonest item), then by host. */
  readonly deployments: ReportDeployment[];
}

export interface ReportQuery {
  readonly today: string;
  /** Items that expire within this many days (or have expired); null: every item with a date. */
  readonly withinDays: number | null;
  readonly deploymentId?: string | undefined;
  /** Also items that never expire, and deployments with nothing in the period (the timeline page). */
  readonly everything?: boolean;
  /** Add each item's revision (the calendar's SEQUENCE and DTSTAMP). */
  readonly revisions?: boolean;
  /** Add the renewals recorded at or after this instant (the timeline page marks those of the last year). */
  readonly renewalsSince?: string;
}

const NO_RENEWALS: readonly Renewal[] = [];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Days from `today` to an expiry (`never`: null). The store only holds `never` or valid YYYY-MM-DD dates (a
 * CHECK constraint), and a fleet's 50,000 items share a few thousand dates: each is parsed once.
 */
function daysFrom(today: string): (expiry: string) => number | null {
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  return memoize((expiry: string) => (expiry === 'never' ? null : (Date.parse(`${expiry}T00:00:00Z`) - todayMs) / 86_400_000));
}

export function bandOf(days: number | null): Band {
  if (days === null) return 'never';
  if (days < 0) return 'expired';
  return days <= 30 ? 'within-30' : days <= 90 ? 'within-90' : 'later';
}

export function buildRenewalReport(store: Store, query: ReportQuery): RenewalReport {
  const until = query.withinDays === null ? null : addDays(query.today, query.withinDays);
  const { deploymentId } = query;
  const byDeployment = store.reports.itemsByDeployment({ until, deploymentId, includeNever: query.everything ?? false, revisions: query.revisions ?? false });
  const known = new Map(store.expiries.deployments().map((d) => [d.id, d]));
  const pending = new Map(store.runs.latestPerDeployment(deploymentId).map((r) => [r.deploymentId, new Map(pendingFrom(r.details).map((p) => [p.item, p.portal]))]));
  const lastOk = new Map(store.runs.latestSuccessfulPerDeployment(deploymentId).map((r) => [r.deploymentId, r.endedAt ?? r.startedAt]));
  const renewals = query.renewalsSince === undefined ? null : store.reports.renewalsSince(query.renewalsSince, deploymentId);

  const daysLeft = daysFrom(query.today);
  const item = (row: ReportItemRow): ReportItem => {
    const days = daysLeft(row.expiry);
    const portal = pending.get(row.deploymentId)?.get(row.item) ?? null;
    const built: Mutable<ReportItem> = {
      item: row.item,
      kind: row.kind,
      moduleKey: row.moduleKey,
      label: row.label,
      expiry: row.expiry,
      daysLeft: days,
      band: bandOf(days),
      renewalSeen: portal !== null && (row.expiry === 'never' || portal === 'never' || portal > row.expiry) ? portal : null,
    };
    if (row.revision) built.revision = row.revision;
    if (renewals) built.renewals = renewals.get(row.deploymentId)?.get(row.item) ?? NO_RENEWALS;
    return built;
  };

  const deployments: ReportDeployment[] = [...byDeployment].map(([id, list]) => ({
    deploymentId: id,
    host: known.get(id)?.host ?? 'local',
    productName: known.get(id)?.productName ?? null,
    lastSuccessfulCheck: lastOk.get(id) ?? null,
    items: list.map(item),
  }));
  if (query.everything) {
    const idle = [...known.values()]
      .filter((d) => !byDeployment.has(d.id) && (deploymentId === undefined || d.id === deploymentId))
      .sort((a, b) => compareText(a.host, b.host) || compareText(a.id, b.id));
    deployments.push(...idle.map((d) => ({ deploymentId: d.id, host: d.host, productName: d.productName, lastSuccessfulCheck: lastOk.get(d.id) ?? null, items: [] })));
  }
  return { today: query.today, until, deployments };
}

/** Counts across the report: the summary figures of the page, the digest and `due`. */
export interface ReportSummary {
  readonly deployments: number;
  readonly items: number;
  readonly expired: number;
  readonly within30: number;
  readonly within90: number;
}

export function summarise(report: RenewalReport): ReportSummary {
  let items = 0;
  const counts = new Map<Band, number>();
  for (const d of report.deployments) {
    for (const i of d.items) {
      items++;
      counts.set(i.band, (counts.get(i.band) ?? 0) + 1);
    }
  }
  const expired = counts.get('expired') ?? 0;
  const within30 = counts.get('within-30') ?? 0;
  return { deployments: report.deployments.length, items, expired, within30, within90: within30 + (counts.get('within-90') ?? 0) };
}
