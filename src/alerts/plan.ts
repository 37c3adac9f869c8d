import type { AlertSettings } from '../config/alerts-schema.js';
import { trustedUntil } from '../core/future-time.js';
import type { MarkUpdate } from '../store/alert-state.js';
import type { Store } from '../store/store.js';
import { expirySubject, planExpiryNotices, planRenewals, type ExpiryItem, type Renewal } from './expiry-policy.js';
import { conditionAlerts, resolvedAlert } from './health-messages.js';
import { clockVerdict, moduleConditions, hostConditions, planConditionChanges, unverifiedCondition } from './health-policy.js';
import { expiryAlert, renewedAlert, type AlertContext, type DraftAlert } from './messages.js';

export interface PlanContext {
  readonly now: Date;
  readonly today: string;
  readonly timeZone: string;
  readonly settings: AlertSettings;
  readonly moduleAliases: ReadonlyMap<string, string>;
  /** `clock.maxSkew`: the same limit the cycle judges the clock by. */
  readonly maxClockSkewMs: number;
}

export interface AlertPlan {
  readonly alerts: DraftAlert[];
  /** Announcements to record with the alerts (so they are not made again). */
  readonly marks: Array<Omit<MarkUpdate, 'at'>>;
  /** Announcements that are over (renewed, resolved, item gone). */
  readonly close: string[];
  readonly heldBack: string[];
}

/**
 * Reads what the store knows (expiries, module states, runs, what was
 * announced) and decides, with the pure policies, what to say now.
 */
export function planAlerts(store: Store, ctx: PlanContext): AlertPlan {
  const { settings } = ctx;
  const deployments = new Map(store.expiries.deployments().map((d) => [d.id, d]));
  const maxSkew = ctx.maxClockSkewMs;
  const hostFacts = store.alerts.hosts().map((h) => store.alerts.hostFacts(h, trustedUntil(ctx.now, maxSkew)));
  const untrusted = new Set(hostFacts.filter((f) => !clockVerdict(f.lastClock?.details ?? null, maxSkew).trusted).map((f) => f.host));
  const items: ExpiryItem[] = store.expiries.items();
  const byKey = new Map(items.map((i) => [`${i.deploymentId}\0${i.item}`, i]));
  const open = store.alerts.openMarks();
  const openBySubject = new Map(open.map((m) => [m.subject, m]));
  const alertCtx: AlertContext = {
    today: ctx.today,
    timeZone: ctx.timeZone,
    now: ctx.now,
    deployment: (id) => deployments.get(id) ?? null,
  };
  const plan: AlertPlan = { alerts: [], marks: [], close: [], heldBack: [...untrusted] };

  // Renewals close what was open about the old value; the new value starts with no announcement.
  const { renewed, closed } = planRenewals(
    open.filter((m) => m.kind === 'expiry'),
    (d, i) => byKey.get(`${d}\0${i}`) ?? null,
  );
  plan.close.push(...closed);
  for (const [deploymentId, list] of groupBy(renewed, (r) => r.deploymentId)) {
    plan.alerts.push(renewedAlert(deploymentId, list, alertCtx));
    plan.close.push(...list.map((r: Renewal) => r.subject));
  }

  // Days left depend on the clock: nothing is decided for a host whose clock is not trusted.
  const eligible = items.filter((i) => !untrusted.has(deployments.get(i.deploymentId)?.host ?? 'local'));
  const notices = planExpiryNotices(
    eligible,
    (subject) => {
      const m = openBySubject.get(subject);
      return m && m.kind === 'expiry' ? m : null;
    },
    ctx.today,
    ctx.now,
    { thresholds: settings.thresholds, perModule: settings.perModule, expiredRepeatMs: settings.expiredRepeat },
  );
  for (const notice of notices) {
    plan.alerts.push(expiryAlert(notice, alertCtx));
    for (const i of notice.items) {
      plan.marks.push({ subject: expirySubject(i.deploymentId, i.item, i.expiry), kind: 'expiry', deploymentId: i.deploymentId, item: i.item, expiry: i.expiry, stage: notice.stage, detail: '' });
    }
  }

  const health = { failingForMs: settings.failingFor, deadManAfterMs: settings.deadManAfter, maxClockSkewMs: maxSkew };
  const conditions = [
    ...hostFacts.flatMap((f) => hostConditions(f, ctx.now, health)),
    ...[...deployments.keys()].flatMap((id) => {
      const unverified = unverifiedCondition(id, store.alerts.lastComparingRun(id), (item) => byKey.get(`${id}\0${item}`)?.expiry ?? null);
      const licences = items.filter((i) => i.deploymentId === id && i.kind === 'module-license');
      return [...(unverified ? [unverified] : []), ...moduleConditions(id, store.expiries.modules(id), licences, ctx.moduleAliases, ctx.today)];
    }),
  ];
  const changes = planConditionChanges(conditions, open);
  plan.alerts.push(...conditionAlerts(changes.announce, alertCtx));
  for (const c of changes.announce) {
    plan.marks.push({ subject: c.subject, kind: c.kind, deploymentId: c.deploymentId, item: null, expiry: null, stage: 'open', detail: c.fingerprint });
  }
  for (const mark of changes.resolved) {
    plan.alerts.push(resolvedAlert(mark, alertCtx));
    plan.close.push(mark.subject);
  }
  return plan;
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}
