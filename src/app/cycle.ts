import type { Clock } from '../core/clock.js';
import { formatExpiry } from '../core/expiry.js';
import type { ItemKind, LicensedItem } from '../core/items.js';
import type { Plan, PlannedRenewal } from '../core/plan.js';
import { assessClock, type ClockStatus } from '../clock/clock-check.js';
import type { RenewalSourceKind } from '../config/schema.js';
import { DeadlineExpired, whyStopped } from '../clock/deadline.js';
import { errorMessage, PbxError, PortalError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PbxReader, PbxSnapshot } from '../pbx/pbx-reader.js';
import type { ApplyLook, ProbeReport, RenewalRequest, RenewalSource, SourceContext, WaitProgress } from '../renewals/source.js';
import type { ExpiryChange, Source } from '../store/expiries.js';
import type { Outcome, Trigger } from '../store/runs.js';
import type { Store } from '../store/store.js';
import type { ApplySettings } from './apply.js';
import { withLease } from './lease.js';

/** Kinds fwconsole is the authority for; maintenance dates only come from the portal. */
export const PBX_KINDS: readonly ItemKind[] = ['activation', 'support-contract', 'module-license'];

export interface CycleDeps {
  readonly store: Store;
  readonly reader: PbxReader;
  /** Where renewals come from (renewals.source). */
  readonly source: RenewalSource;
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
  readonly maxSkewMs: number;
}

export interface CycleOptions {
  readonly trigger: Trigger;
  readonly command: string;
  readonly dryRun: boolean;
  /** `renew`: the operator asks for Update Activation now, whatever the source's schedule. */
  readonly renew?: boolean;
  /** Run Update Activation even when the portal shows nothing new (`renew --force`). */
  readonly force?: boolean;
  /** Apply outside the maintenance window (`renew`). */
  readonly ignoreWindow?: boolean;
  /** `renew --module KEY`: what was bought; success means that licence moved later. */
  readonly module?: string | null;
  /** `renew --wait`: how long the source may wait for the renewal to show. */
  readonly waitMs?: number;
  readonly onWait?: (progress: WaitProgress) => void;
  /** Asked before restarting Apache; false leaves the renewals pending. */
  readonly confirm?: (look: ApplyLook) => Promise<boolean>;
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
  /** Where renewals came from in this cycle. */
  readonly source: RenewalSourceKind;
  /** The activation probe's decision (activation source), null otherwise. */
  readonly probe: ProbeReport | null;
  /** The module `renew --module` named, if any. */
  readonly module: string | null;
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
 * One full cycle: take the lease, read the PBX, ask the renewal source what
 * to do, apply if due and allowed, verify, record. Everything is recorded on the run; a
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
  private probe: ProbeReport | null = null;
  private readonly request: RenewalRequest;

  constructor(
    private readonly deps: CycleDeps,
    private readonly settings: CycleSettings,
    private readonly options: CycleOptions,
    private readonly runId: number,
    private readonly interruptedRuns: number[],
  ) {
    this.request = {
      trigger: options.trigger,
      dryRun: options.dryRun,
      renew: options.renew ?? false,
      force: options.force ?? false,
      ignoreWindow: options.ignoreWindow ?? false,
      module: options.module ?? null,
      waitMs: options.waitMs ?? 0,
      onWait: options.onWait,
    };
  }

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
    const request = this.request;
    const context = this.sourceContext(clockSync);
    const look = await deps.source.look(request, snapshot, context);
    this.clock = look.clock;
    this.probe = look.probe;
    this.durations.portalMs += look.portalMs;
    this.notes.push(...look.notes);
    if (this.clock && !this.clock.trusted) this.warnings.push(`clock not trusted: ${this.clock.reason}`);
    if (look.kind === 'failure') return this.finish(look.outcome, { error: look.error });
    if (look.kind === 'settled') return this.finish(look.outcome, look.plan ? { plan: look.plan } : {});
    if (options.confirm && !(await options.confirm(look))) return this.finish('pending', { plan: look.plan, why: 'not applied: declined at the prompt' });
    // Stopped while the source waited: nothing is applied (finish records the run as interrupted).
    if (options.signal?.aborted) return this.finish('pending', { plan: look.plan, why: 'not applied: stopped before Update Activation' });

    const verdict = await deps.source.apply(request, look, snapshot, context);
    this.durations.fwconsoleMs += verdict.fwconsoleMs;
    if (verdict.probe) this.probe = verdict.probe;
    if (verdict.after) this.record(verdict.recordAs, verdict.after, PBX_KINDS);
    this.notes.push(...verdict.notes);
    return this.finish(verdict.outcome, {
      plan: look.plan,
      ...(verdict.error ? { error: verdict.error } : {}),
      applied: verdict.applied,
      verified: verdict.verified,
      unverified: verdict.unverified,
      after: verdict.after,
    });
  }

  /** The cycle's ports lent to the renewal source. */
  private sourceContext(clockSync: Promise<boolean | null>): SourceContext {
    const { deps, settings, options } = this;
    return {
      store: deps.store,
      reader: deps.reader,
      clock: deps.clock,
      log: deps.log,
      host: deps.host,
      runId: this.runId,
      apply: settings.apply,
      sleep: deps.sleep,
      signal: options.signal,
      assessClock: async (serverDate) => assessClock(await clockSync, serverDate, deps.clock.now(), settings.maxSkewMs),
      record: (source, items, kinds) => this.record(source, items, kinds),
    };
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
      source: this.deps.source.kind,
      probe: this.probe,
      module: this.options.module ?? null,
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
          source: result.source,
          planned,
          applied: result.applied,
          verified: result.verified,
          // Only where the agent knows what was bought: the "bought but not applied" alert reads it.
          ...(this.deps.source.knowsWhatWasBought(this.request) ? { unverified: result.unverified } : {}),
          pending: pending.map((p) => ({ item: p.item, pbx: p.pbx, portal: p.portal })),
          ...(this.probe ? { probe: this.probe } : {}),
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
