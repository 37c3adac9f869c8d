import type { Clock } from '../core/clock.js';
import { formatExpiry } from '../core/expiry.js';
import type { ItemKind, LicensedItem } from '../core/items.js';
import { planRenewals, type Plan, type PlannedRenewal } from '../core/plan.js';
import { insideWindow, type DailyWindow } from '../core/window.js';
import { assessClock, type ClockStatus } from '../clock/clock-check.js';
import { DeadlineExpired, whyStopped } from '../clock/deadline.js';
import { errorMessage, PbxError, PortalError, type PortalFailure } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PbxReader, PbxSnapshot } from '../pbx/pbx-reader.js';
import type { Portal } from '../portal/client.js';
import { portalItems } from '../portal/items.js';
import type { ExpiryChange, Source } from '../store/expiries.js';
import type { Outcome, Trigger } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { applyRenewals, type ApplySettings } from './apply.js';
import { withLease } from './lease.js';

/** Kinds fwconsole is the authority for; maintenance dates only come from the portal. */
export const PBX_KINDS: readonly ItemKind[] = ['activation', 'support-contract', 'module-license'];
const PORTAL_ONLY_KINDS: readonly ItemKind[] = ['module-maintenance'];
const NEEDS_A_PERSON: readonly PortalFailure[] = ['unauthorized', 'forbidden', 'unknown-deployment', 'bad-request'];

export interface CycleDeps {
  readonly store: Store;
  readonly reader: PbxReader;
  /** null: monitor only (no portal configured). */
  readonly portal: Portal | null;
  readonly clock: Clock;
  readonly log: Logger;
  /** `local`, or the fleet host name. */
  readonly host: string;
  readonly clockSynchronized: () => Promise<boolean | null>;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface CycleSettings {
  /** The deployment this PBX must be; applying is refused on another. */
  readonly expectedDeploymentId: string | undefined;
  readonly apply: ApplySettings;
  readonly window: DailyWindow | null;
  readonly timeZone: string | undefined;
  readonly maxSkewMs: number;
}

export interface CycleOptions {
  readonly trigger: Trigger;
  readonly command: string;
  readonly dryRun: boolean;
  /** Run Update Activation even when the portal shows nothing new (`renew --force`). */
  readonly force?: boolean;
  /** Apply outside the maintenance window (`renew`). */
  readonly ignoreWindow?: boolean;
  /** Asked before restarting Apache; false leaves the renewals pending. */
  readonly confirm?: (plan: Plan) => Promise<boolean>;
  readonly signal?: AbortSignal;
  /** Filled by the caller's shell while the cycle runs (fwconsole command, ms); recorded on the run for metrics. */
  readonly fwconsoleCalls?: ReadonlyArray<{ readonly command: string; readonly ms: number }>;
}

export interface ItemView {
  readonly item: string;
  readonly label: string;
  readonly expiry: string;
}

export interface CycleResult {
  readonly runId: number;
  readonly outcome: Outcome;
  readonly deploymentId: string | null;
  readonly host: string;
  readonly planned: PlannedRenewal[];
  readonly applied: PlannedRenewal[];
  readonly verified: PlannedRenewal[];
  readonly unverified: Array<PlannedRenewal & { now: string | null }>;
  readonly before: ItemView[];
  readonly after: ItemView[];
  readonly changes: ExpiryChange[];
  readonly notes: string[];
  readonly warnings: string[];
  readonly clock: ClockStatus | null;
  readonly interruptedRuns: number[];
  readonly error: { readonly message: string; readonly hint: string } | null;
}

/**
 * One full cycle: take the lease, read the PBX, poll the portal, plan, apply
 * if due and allowed, verify, record. Everything is recorded on the run; a
 * failure of the PBX or the portal is an outcome, not an exception.
 */
export function runCycle(deps: CycleDeps, settings: CycleSettings, options: CycleOptions): Promise<CycleResult> {
  return withLease(deps.store, `cycle:${deps.host}`, options.command, deps.clock, async (lease) => {
    const at = () => deps.clock.now().toISOString();
    const runId = deps.store.guard((s) =>
      s.runs.start({ trigger: options.trigger, command: options.command, host: deps.host, deploymentId: null, dryRun: options.dryRun, pid: process.pid, at: at() }),
    );
    lease.attachRun(runId);
    const interruptedRuns = deps.store.guard((s) => s.runs.interruptUnfinished(deps.host, runId, at()));
    if (interruptedRuns.length > 0) deps.log.warn({ runs: interruptedRuns }, 'earlier runs never finished (killed or crashed); marked interrupted');

    const cycle = new Cycle(deps, settings, options, runId, interruptedRuns);
    try {
      return await cycle.run();
    } catch (err) {
      try {
        deps.store.runs.finish(runId, { outcome: 'failed', at: at(), error: errorMessage(err) });
      } catch {
        // the store may be what failed; the next cycle marks this run interrupted
      }
      throw err;
    }
  });
}

class Cycle {
  private readonly warnings: string[] = [];
  private readonly notes: string[] = [];
  private readonly changes: ExpiryChange[] = [];
  private readonly durations = { fwconsoleMs: 0, portalMs: 0 };
  private readonly started = performance.now();
  private clock: ClockStatus | null = null;
  private snapshot: PbxSnapshot | null = null;

  constructor(
    private readonly deps: CycleDeps,
    private readonly settings: CycleSettings,
    private readonly options: CycleOptions,
    private readonly runId: number,
    private readonly interruptedRuns: number[],
  ) {}

  async run(): Promise<CycleResult> {
    const { deps, settings, options } = this;
    const clockSync = deps.clockSynchronized();

    try {
      this.snapshot = await deps.reader.read(options.signal);
    } catch (err) {
      if (err instanceof PbxError) return this.finish('unreachable', { error: err });
      throw err;
    }
    const snapshot = this.snapshot;
    this.durations.fwconsoleMs += snapshot.durationMs;
    this.warnings.push(...snapshot.warnings);
    this.record('pbx', snapshot.items, PBX_KINDS, snapshot);

    if (settings.expectedDeploymentId && settings.expectedDeploymentId !== snapshot.deploymentId) {
      return this.finish('failed', {
        error: new PbxError(
          deps.host === 'local'
            ? `refusing to apply: the PBX reports deployment ${snapshot.deploymentId}, the configuration expects ${settings.expectedDeploymentId}`
            : `refusing to apply: ${deps.host} reports deployment ${snapshot.deploymentId}, the inventory says ${settings.expectedDeploymentId}`,
          deps.host === 'local'
            ? 'If the PBX was re-activated under another deployment, update deploymentId in the configuration; otherwise check which PBX this agent runs on.'
            : 'Check that the address still leads to the right PBX; fix "deploymentId" (or the address) in the inventory.',
          'wrong-deployment',
        ),
      });
    }
    if (!deps.portal) {
      this.notes.push('no portal configured: expiry dates recorded, renewals not checked (monitor only)');
      this.clock = assessClock(await clockSync, null, deps.clock.now(), settings.maxSkewMs);
      return this.finish('up-to-date');
    }

    let portalView: LicensedItem[];
    try {
      const answer = await deps.portal.entitlements(snapshot.deploymentId, options.signal);
      this.durations.portalMs += answer.durationMs;
      this.clock = assessClock(await clockSync, answer.serverDate, deps.clock.now(), settings.maxSkewMs);
      portalView = portalItems(answer.value);
    } catch (err) {
      // A refused token or an unknown deployment needs a person (failed); the rest is transient (unreachable).
      if (err instanceof PortalError) return this.finish(NEEDS_A_PERSON.includes(err.reason) ? 'failed' : 'unreachable', { error: err });
      throw err;
    }
    if (this.clock && !this.clock.trusted) this.warnings.push(`clock not trusted: ${this.clock.reason}`);
    this.record('portal', portalView.filter((i) => PORTAL_ONLY_KINDS.includes(i.kind)), PORTAL_ONLY_KINDS);

    const plan = planRenewals(snapshot.items, portalView);
    this.notes.push(...plan.notes);
    if (plan.renewals.length === 0 && !options.force) return this.finish('up-to-date');
    if (options.dryRun) return this.finish('pending', { plan, why: 'dry run: nothing applied' });
    if (!options.ignoreWindow && settings.window && !insideWindow(settings.window, deps.clock.now(), settings.timeZone)) {
      return this.finish('pending', { plan, why: `outside the maintenance window ${settings.window.text}; run \`pbx-activation-agent renew\` to apply now` });
    }
    if (options.confirm && !(await options.confirm(plan))) return this.finish('pending', { plan, why: 'not applied: declined at the prompt' });

    const result = await applyRenewals({ reader: deps.reader, log: deps.log, sleep: deps.sleep }, settings.apply, snapshot.deploymentId, plan.renewals, options.signal);
    this.durations.fwconsoleMs += result.fwconsoleMs;
    if (result.after) this.record('pbx', result.after, PBX_KINDS);
    const after = result.after;
    if (result.error) return this.finish('failed', { plan, error: result.error, applied: plan.renewals, verified: result.verified, unverified: result.unverified, after });
    if (result.unverified.length > 0) {
      const list = result.unverified.map((u) => `${u.label}: PBX shows ${u.now ?? 'nothing'}, portal ${u.portal}`).join('; ');
      return this.finish('failed', {
        plan,
        error: new PbxError(
          `renewal applied but not visible on the PBX after ${result.attempts} attempts: ${list} (the apply command's last words: ${result.said === '' ? 'it printed nothing' : `"${result.said}"`})`,
          'Run `fwconsole sa activate <deployment-id>` by hand and check System Admin -> Activation; if the dates still differ, contact Sangoma with the deployment id.',
          'exit-status',
        ),
        applied: plan.renewals,
        verified: result.verified,
        unverified: result.unverified,
        after,
      });
    }
    return this.finish('applied', { plan, applied: plan.renewals, verified: result.verified, after });
  }

  private record(source: Source, items: readonly LicensedItem[], kinds: readonly ItemKind[], snapshot?: PbxSnapshot): void {
    const deploymentId = this.snapshot!.deploymentId;
    const changes = this.deps.store.guard((s) =>
      s.expiries.record({
        deploymentId,
        host: this.deps.host,
        productName: snapshot?.productName ?? null,
        source,
        items,
        kinds,
        modules: snapshot?.modules,
        runId: this.runId,
        at: this.deps.clock.now().toISOString(),
      }),
    );
    for (const c of changes) this.deps.log.info({ deploymentId, item: c.item, old: c.oldExpiry, new: c.newExpiry, source }, 'expiry changed');
    this.changes.push(...changes);
  }

  private finish(
    outcome: Outcome,
    extra: {
      plan?: Plan;
      why?: string;
      error?: PbxError | PortalError;
      applied?: PlannedRenewal[];
      verified?: PlannedRenewal[];
      unverified?: CycleResult['unverified'];
      after?: LicensedItem[] | null;
    } = {},
  ): CycleResult {
    if (extra.why) this.notes.push(extra.why);
    this.warnings.push(...this.deps.reader.takeNotices());
    const error = extra.error ? { message: extra.error.message, hint: extra.error.hint } : null;
    if (extra.error) this.deps.log.error({ outcome, reason: extra.error.reason }, extra.error.message);
    const planned = extra.plan?.renewals ?? [];
    const verifiedItems = new Set((extra.verified ?? []).map((v) => v.item));
    const pending = outcome === 'applied' ? [] : planned.filter((p) => !verifiedItems.has(p.item));
    const before = (this.snapshot?.items ?? []).map(view);
    const result: CycleResult = {
      runId: this.runId,
      outcome,
      deploymentId: this.snapshot?.deploymentId ?? null,
      host: this.deps.host,
      planned,
      applied: extra.applied ?? [],
      verified: extra.verified ?? [],
      unverified: extra.unverified ?? [],
      before,
      after: extra.after ? extra.after.map(view) : before,
      changes: this.changes,
      notes: this.notes,
      warnings: this.warnings,
      clock: this.clock,
      interruptedRuns: this.interruptedRuns,
      error,
    };
    // Stopped by the service (SIGTERM) or past the cycle's time limit: whatever step was cut short, the run did not finish its work.
    const stopped = this.options.signal?.aborted === true;
    const stoppedBy = this.options.signal?.reason instanceof DeadlineExpired ? `stopped: ${whyStopped(this.options.signal)}` : 'stopped by the service before it finished';
    this.deps.store.guard((s) =>
      s.runs.finish(this.runId, {
        outcome: stopped ? 'interrupted' : outcome,
        at: this.deps.clock.now().toISOString(),
        error: stopped ? `${stoppedBy}${error ? ` (${error.message})` : ''}` : (error?.message ?? null),
        deploymentId: result.deploymentId,
        details: {
          planned,
          applied: result.applied,
          verified: result.verified,
          unverified: result.unverified,
          pending: pending.map((p) => ({ item: p.item, pbx: p.pbx, portal: p.portal })),
          notes: this.notes,
          warnings: this.warnings,
          clock: this.clock,
          durations: { ...this.durations, totalMs: performance.now() - this.started },
          ...(this.options.fwconsoleCalls ? { fwconsole: this.options.fwconsoleCalls.map((c) => ({ command: c.command, ms: Math.round(c.ms) })) } : {}),
        },
      }),
    );
    return result;
  }
}

function view(item: LicensedItem): ItemView {
  return { item: item.item, label: item.label, expiry: formatExpiry(item.expiry) };
}
