import { addDays } from '../core/expiry.js';
import type { Store } from '../store/store.js';
import { buildRenewalReport, summarise, type ReportDeployment, type ReportSummary } from './renewal-report.js';

/** One line of the overview: a deployment, its soonest item and how many items are urgent. */
export interface OverviewLine {
  readonly host: string;
  readonly deploymentId: string;
  readonly productName: string | null;
  readonly lastSuccessfulCheck: string | null;
  readonly soonest: { readonly label: string; readonly expiry: string; readonly daysLeft: number | null } | null;
  readonly expired: number;
  readonly within30: number;
  readonly within90: number;
}

/** What `report` shows (text, JSON) and the timeline page draws: every item of every deployment. */
export interface TimelineReport {
  readonly generatedAt: string;
  readonly today: string;
  /** Renewals recorded since this day are marked. */
  readonly renewalsSince: string;
  readonly summary: ReportSummary;
  readonly overview: OverviewLine[];
  readonly deployments: ReportDeployment[];
}

/** Renewals of the last year are marked on the timeline. */
const RENEWALS_SHOWN_DAYS = 365;

/** `renewals: false` leaves the renewal marks out (the text summary does not show them; they cost a query over a year of changes). */
export function buildTimelineReport(store: Store, query: { now: Date; today: string; deploymentId?: string | undefined; renewals?: boolean }): TimelineReport {
  const renewalsSince = addDays(query.today, -RENEWALS_SHOWN_DAYS);
  const report = buildRenewalReport(store, {
    today: query.today,
    withinDays: null,
    deploymentId: query.deploymentId,
    everything: true,
    ...(query.renewals === false ? {} : { renewalsSince: `${renewalsSince}T00:00:00.000Z` }),
  });
  const overview = report.deployments.map((d): OverviewLine => {
    const s = summarise({ ...report, deployments: [d] });
    const first = d.items[0];
    return {
      host: d.host,
      deploymentId: d.deploymentId,
      productName: d.productName,
      lastSuccessfulCheck: d.lastSuccessfulCheck,
      soonest: first && first.expiry !== 'never' ? { label: first.label, expiry: first.expiry, daysLeft: first.daysLeft } : null,
      expired: s.expired,
      within30: s.within30,
      within90: s.within90,
    };
  });
  return { generatedAt: query.now.toISOString(), today: query.today, renewalsSince, summary: summarise(report), overview, deployments: report.deployments };
}
