import { formatDuration } from '../core/duration.js';
import { compareExpiry, daysLeft, expiryFromStored } from '../core/expiry.js';
import { moduleOfLicence } from '../core/items.js';
import type { Severity } from '../store/outbox.js';
import type { RunRecord } from '../store/runs.js';
import type { AlertMark, HostRunFacts } from '../store/alert-state.js';

/**
 * Operational conditions, derived from what the runs recorded: a renewal
 * bought but not applied, checks failing, no successful check (dead-man), an
 * untrustworthy clock, a licensed commercial module that is disabled, broken,
 * waiting for an upgrade or in a state nobody can read. Each is announced when
 * it starts (or changes) and once more when it is resolved.
 */

export type ModuleConditionKind = 'module-disabled' | 'module-broken' | 'module-needs-upgrade' | 'module-status-unknown';
export type ConditionKind = 'unverified' | 'failing' | 'dead-man' | 'clock' | ModuleConditionKind;

export interface Condition {
  /** `op/<kind>/<scope>`: one announcement per episode. */
  readonly subject: string;
  readonly kind: ConditionKind;
  readonly severity: Severity;
  readonly deploymentId: string | null;
  readonly host: string | null;
  /** What the announcement said; a different fingerprint is announced again. */
  readonly fingerprint: string;
  /** The evidence, for the message. */
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface HealthSettings {
  readonly failingForMs: number;
  readonly deadManAfterMs: number;
  readonly maxClockSkewMs: number;
}

export interface ClockVerdict {
  readonly trusted: boolean;
  /** Why not, in words; null when trusted. */
  readonly reason: string | null;
  readonly problems: readonly ('unsynchronized' | 'skew')[];
}

/** Reads `details.clock` of a run (written by the cycle) defensively: absent or odd means no evidence against. */
export function clockVerdict(details: Readonly<Record<string, unknown>> | null, maxSkewMs: number): ClockVerdict {
  const clock = details?.clock;
  if (typeof clock !== 'object' || clock === null) return { trusted: true, reason: null, problems: [] };
  const { synchronized, skewMs, reason } = clock as { synchronized?: unknown; skewMs?: unknown; reason?: unknown };
  const problems: Array<'unsynchronized' | 'skew'> = [];
  const words: string[] = [];
  if (synchronized === false) {
    problems.push('unsynchronized');
    words.push('the system clock is not synchronized (NTP)');
  }
  if (typeof skewMs === 'number' && Number.isFinite(skewMs) && Math.abs(skewMs) > maxSkewMs) {
    problems.push('skew');
    words.push(`the system clock is ${formatDuration(Math.abs(skewMs))} ${skewMs > 0 ? 'ahead of' : 'behind'} the portal's`);
  }
  if (problems.length === 0) return { trusted: true, reason: null, problems };
  const said = typeof reason === 'string' && reason.trim() !== '' ? ` (${reason.trim().slice(0, 300)})` : '';
  return { trusted: false, reason: `${words.join('; ')}${said}`, problems };
}

/** Dead-man, failing checks and clock for one host. */
export function hostConditions(facts: HostRunFacts, now: Date, settings: HealthSettings): Condition[] {
  const out: Condition[] = [];
  const scope = { deploymentId: null, host: facts.host };
  const since = facts.failingSince;
  if (since !== null && now.getTime() - Date.parse(since.startedAt) > settings.failingForMs) {
    out.push({
      ...scope,
      subject: `op/failing/${facts.host}`,
      kind: 'failing',
      severity: 'warning',
      fingerprint: String(since.id),
      facts: { since: since.startedAt, failures: facts.failuresSinceSuccess, last: runFacts(facts.lastFinished) },
    });
  }
  // Counted from the last success with a believable time: one recorded in the future (the clock ran ahead) would
  // keep the dead-man quiet for years.
  const success = facts.lastTrustedSuccess;
  const reference = success ? (success.endedAt ?? success.startedAt) : facts.firstRun?.startedAt;
  if (reference !== undefined && now.getTime() - Date.parse(reference) > settings.deadManAfterMs) {
    const future = facts.lastSuccess !== null && facts.lastSuccess.id !== success?.id ? (facts.lastSuccess.endedAt ?? facts.lastSuccess.startedAt) : null;
    out.push({
      ...scope,
      subject: `op/dead-man/${facts.host}`,
      kind: 'dead-man',
      severity: 'critical',
      fingerprint: String(success?.id ?? 'never'),
      facts: { lastSuccess: success?.endedAt ?? null, since: reference, limitMs: settings.deadManAfterMs, last: runFacts(facts.lastFinished), futureSuccess: future },
    });
  }
  const clock = clockVerdict(facts.lastClock?.details ?? null, settings.maxClockSkewMs);
  if (!clock.trusted) {
    out.push({ ...scope, subject: `op/clock/${facts.host}`, kind: 'clock', severity: 'warning', fingerprint: clock.problems.join('+'), facts: { reason: clock.reason } });
  }
  return out;
}

export interface Unverified {
  readonly item: string;
  readonly pbx: string | null;
  /** The portal's date; null for a renewal `renew --module` said was bought (any later date will do). */
  readonly portal: string | null;
}

/**
 * A renewal the portal shows (or `renew --module` said was bought) but the
 * PBX does not, after the cycle tried to apply it (`details.unverified` of the
 * last run that knew what was bought). Items whose current expiry has since
 * caught up (the portal's date, or later than before) are dropped.
 */
export function unverifiedCondition(deploymentId: string, run: RunRecord | null, currentExpiry: (item: string) => string | null): Condition | null {
  const list = run?.details?.unverified;
  if (!Array.isArray(list)) return null;
  const pending: Unverified[] = [];
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { item, pbx, portal } = entry as Record<string, unknown>;
    if (typeof item !== 'string') continue;
    const was = typeof pbx === 'string' && isStoredExpiry(pbx) ? pbx : null;
    // A claim without a date needs the date it was compared with.
    const wanted = typeof portal === 'string' && isStoredExpiry(portal) ? portal : portal === null && was !== null ? null : undefined;
    if (wanted === undefined) continue;
    const now = currentExpiry(item);
    if (now !== null && isStoredExpiry(now)) {
      const order = compareExpiry(expiryFromStored(now), expiryFromStored(wanted ?? was!));
      if (wanted === null ? order > 0 : order >= 0) continue;
    }
    pending.push({ item, pbx: typeof pbx === 'string' ? pbx : null, portal: wanted });
  }
  if (pending.length === 0) return null;
  pending.sort((a, b) => a.item.localeCompare(b.item));
  return {
    subject: `op/unverified/${deploymentId}`,
    kind: 'unverified',
    severity: 'critical',
    deploymentId,
    host: run?.host ?? null,
    fingerprint: pending.map((p) => `${p.item}=${p.portal ?? `>${p.pbx}`}`).join(','),
    facts: { unverified: pending, runId: run?.id ?? null, error: run?.error ?? null },
  };
}

export interface ModuleFacts {
  readonly name: string;
  readonly state: string;
  /** As `ma list` printed it: the evidence when the state is unknown. */
  readonly statusText: string;
}

/** By the state stored for a module (a string from the store: a Map, so no name is ever looked up on a prototype). */
const MODULE_KIND: ReadonlyMap<string, { kind: ModuleConditionKind; severity: Severity }> = new Map([
  ['disabled', { kind: 'module-disabled', severity: 'warning' }],
  ['broken', { kind: 'module-broken', severity: 'critical' }],
  ['needs-upgrade', { kind: 'module-needs-upgrade', severity: 'warning' }],
  ['unknown', { kind: 'module-status-unknown', severity: 'warning' }],
]);

/**
 * Licensed modules that are not running, or whose state cannot be read. A
 * current licence key in `sa info` (through pbx.moduleAliases) makes a module
 * commercial whatever its License column says. An unreadable status is its own
 * condition, announced again when the text changes: never taken for enabled.
 */
export function moduleConditions(
  deploymentId: string,
  modules: readonly ModuleFacts[],
  licences: ReadonlyArray<{ readonly moduleKey: string | null; readonly expiry: string; readonly label: string }>,
  aliases: ReadonlyMap<string, string>,
  today: string,
): Condition[] {
  const out: Condition[] = [];
  for (const m of modules) {
    const what = MODULE_KIND.get(m.state);
    if (!what) continue;
    const licence = licences.find((l) => moduleOfLicence(l.moduleKey, aliases) === m.name);
    if (!licence) continue;
    const days = daysLeft(expiryFromStored(licence.expiry), today);
    if (days !== null && days < 0) continue;
    out.push({
      subject: `op/${what.kind}/${deploymentId}/${m.name}`,
      kind: what.kind,
      severity: what.severity,
      deploymentId,
      host: null,
      fingerprint: what.kind === 'module-status-unknown' ? m.statusText : '',
      facts: { module: m.name, licence: licence.label, expiry: licence.expiry, statusText: m.statusText },
    });
  }
  return out;
}

/** Conditions to announce (new, or changed) and open announcements whose condition is gone. */
export function planConditionChanges(conditions: readonly Condition[], open: readonly AlertMark[]): { announce: Condition[]; resolved: AlertMark[] } {
  const openBySubject = new Map(open.filter((m) => m.subject.startsWith('op/')).map((m) => [m.subject, m]));
  const present = new Set(conditions.map((c) => c.subject));
  return {
    announce: conditions.filter((c) => openBySubject.get(c.subject)?.detail !== c.fingerprint),
    resolved: [...openBySubject.values()].filter((m) => !present.has(m.subject)),
  };
}

function runFacts(run: RunRecord | null): Record<string, unknown> | null {
  return run && { id: run.id, command: run.command, startedAt: run.startedAt, outcome: run.outcome, error: run.error };
}

function isStoredExpiry(text: string): boolean {
  try {
    expiryFromStored(text);
    return true;
  } catch {
    return false;
  }
}
