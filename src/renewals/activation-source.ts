import { activateOnce } from '../app/apply.js';
import { formatDuration } from '../core/duration.js';
import type { LicensedItem } from '../core/items.js';
import { boughtRenewal, movedLater, unverified, type MovedItem, type Plan } from '../core/plan.js';
import type { PbxError, PbxFailure } from '../errors.js';
import type { PbxSnapshot } from '../pbx/pbx-reader.js';
import { decideProbe, type ProbeSettings } from './probe-policy.js';
import type { ApplyLook, FailureRule, Look, ProbeReport, RenewalRequest, RenewalSource, SourceContext, Verdict } from './source.js';

const PASSING: FailureRule = { retry: true, outcome: 'unreachable' };
const NEEDS_A_PERSON: FailureRule = { retry: false, outcome: 'failed' };
/**
 * How an Update Activation can fail. Sangoma's servers out of reach (or the
 * PBX host, over SSH) is passing: nothing changed and the next probe tries
 * again. Everything else (no privilege, not activated, a hang, output that
 * makes no sense) needs a person.
 */
export const ACTIVATION_FAILURES: ReadonlyMap<PbxFailure, FailureRule> = new Map<PbxFailure, FailureRule>([
  ['network', PASSING],
  ['host-unreachable', PASSING],
  ['busy', PASSING],
  ['timeout', { retry: true, outcome: 'failed' }],
  ['exit-status', NEEDS_A_PERSON],
  ['unrecognised-output', NEEDS_A_PERSON],
  ['not-found', NEEDS_A_PERSON],
  ['not-executable', NEEDS_A_PERSON],
  ['not-activated', NEEDS_A_PERSON],
  ['needs-root', NEEDS_A_PERSON],
  ['needs-tty', NEEDS_A_PERSON],
  ['wrong-deployment', NEEDS_A_PERSON],
  ['host-key', NEEDS_A_PERSON],
  ['ssh-auth', NEEDS_A_PERSON],
]);

export interface ActivationSourceSettings {
  readonly probe: ProbeSettings;
  /** `renew --wait`: Update Activation again at most this often. */
  readonly retryEveryMs: number;
}

/**
 * Update Activation itself as the renewal source, for PBXs with no portal
 * API (every Sangoma customer): `sa activate` is the only way to learn of a
 * renewal, and it restarts Apache. So it runs only when it can matter (the
 * probe policy: something expires soon or just expired, at most once per
 * interval, inside the maintenance window) or when the operator asks.
 */
export class ActivationSource implements RenewalSource {
  readonly kind = 'activation' as const;

  constructor(private readonly settings: ActivationSourceSettings) {}

  knowsWhatWasBought(request: RenewalRequest): boolean {
    return request.module !== null;
  }

  async look(request: RenewalRequest, snapshot: PbxSnapshot, ctx: SourceContext): Promise<Look> {
    const clock = await ctx.assessClock(null);
    const base = { clock, portalMs: 0 };
    const plan: Plan = { renewals: request.module === null ? [] : [boughtRenewal(request.module, snapshot.items)], notes: [] };
    if (request.renew) {
      const probe: ProbeReport = { due: true, reason: 'asked for (renew)', nextAt: null, activations: 0 };
      return { ...base, kind: 'apply', plan, notes: [], probe, question: this.question(request), activations: this.maxActivations(request.waitMs) };
    }
    const last = ctx.store.probes.last(ctx.host);
    const policy = request.ignoreWindow ? { ...this.settings.probe, window: null } : this.settings.probe;
    const decision = decideProbe(policy, { items: snapshot.items, now: ctx.clock.now(), lastProbeAt: last ? new Date(last.at) : null, clock });
    if (!decision.due) {
      const probe: ProbeReport = { due: false, reason: decision.reason, nextAt: decision.nextAt?.toISOString() ?? null, activations: 0 };
      return { ...base, kind: 'settled', outcome: 'up-to-date', plan: null, notes: [`Update Activation not run: ${decision.reason}`], probe };
    }
    const probe: ProbeReport = { due: true, reason: decision.reason, nextAt: null, activations: 0 };
    if (request.dryRun) {
      return { ...base, kind: 'settled', outcome: 'up-to-date', plan: null, notes: [`dry run: Update Activation would run now (${decision.reason})`], probe };
    }
    return { ...base, kind: 'apply', plan, notes: [`Update Activation: ${decision.reason}`], probe, question: this.question(request), activations: 1 };
  }

  /**
   * Runs Update Activation, reads the PBX again and says what moved. With a
   * wait, again every retryEvery until a date moves (the bought module's, when
   * named) or the wait is over. Each run is recorded as this host's probe
   * before it starts, so a crash during it still counts.
   */
  async apply(request: RenewalRequest, look: ApplyLook, snapshot: PbxSnapshot, ctx: SourceContext): Promise<Verdict> {
    const bought = look.plan.renewals;
    const deadline = ctx.clock.now().getTime() + request.waitMs;
    let after: LicensedItem[] | null = null;
    let moved: MovedItem[] = [];
    let error: PbxError | null = null;
    let fwconsoleMs = 0;
    let activations = 0;
    for (;;) {
      const startedAt = ctx.clock.now();
      activations += 1;
      ctx.store.guard((s) => s.probes.start({ host: ctx.host, deploymentId: snapshot.deploymentId, at: startedAt.toISOString(), runId: ctx.runId }));
      const run = await activateOnce({ reader: ctx.reader, log: ctx.log, sleep: ctx.sleep }, ctx.apply, snapshot.deploymentId, ctx.signal);
      fwconsoleMs += run.fwconsoleMs;
      error = run.error;
      if (run.after) {
        after = run.after;
        moved = movedLater(snapshot.items, after);
      }
      const rule = error ? failureRule(error) : null;
      ctx.store.guard((s) => s.probes.finish(ctx.host, rule ? (rule.outcome === 'unreachable' ? 'unreachable' : 'failed') : moved.length > 0 ? 'moved' : 'nothing-new'));
      const done = rule ? !rule.retry : bought.length > 0 ? unverified(bought, after ?? snapshot.items).length === 0 : moved.length > 0;
      const nextAt = startedAt.getTime() + this.settings.retryEveryMs;
      if (done || nextAt > deadline || ctx.signal?.aborted) break;
      const message = error ? 'Update Activation failed; trying again' : bought.length > 0 ? `${bought.map((b) => b.label).join(', ')} not delivered by Sangoma yet` : 'nothing new from Sangoma yet';
      request.onWait?.({ message, attempt: activations, remainingMs: Math.max(0, deadline - ctx.clock.now().getTime()), error: error?.message ?? null });
      // Stopped meanwhile: no further Update Activation; the cycle records its run as interrupted.
      await ctx.sleep(Math.max(0, nextAt - ctx.clock.now().getTime()), ctx.signal).catch(() => undefined);
      if (ctx.signal?.aborted) break;
    }
    return this.verdict(request, look, { after, moved, error, fwconsoleMs, activations, stopped: ctx.signal?.aborted === true });
  }

  private verdict(
    request: RenewalRequest,
    look: ApplyLook,
    run: { after: LicensedItem[] | null; moved: MovedItem[]; error: PbxError | null; fwconsoleMs: number; activations: number; stopped: boolean },
  ): Verdict {
    const bought = look.plan.renewals;
    const missing = run.after ? unverified(bought, run.after) : bought.map((b) => ({ ...b, now: b.pbx }));
    const verified = bought.filter((b) => !missing.some((m) => m.item === b.item));
    const probe: ProbeReport = { ...(look.probe ?? { due: true, reason: '', nextAt: null }), activations: run.activations };
    const times = run.activations > 1 ? ` (${run.activations} times)` : '';
    const moved = run.moved.map((m) => `${m.label} ${m.from ?? 'none'} -> ${m.to}`).join(', ');
    const common = { applied: bought, verified, unverified: missing, after: run.after, recordAs: 'activation' as const, fwconsoleMs: run.fwconsoleMs, probe };
    // Moved dates are recorded even when a later attempt failed or the bought module is still missing.
    const notes = run.moved.length > 0 ? [`Update Activation ran${times}; new from Sangoma: ${moved}`] : [];
    if (run.error && (missing.length > 0 || (bought.length === 0 && run.moved.length === 0))) {
      return { ...common, outcome: failureRule(run.error).outcome, error: run.error, notes };
    }
    // Stopped (Ctrl-C) while waiting for Sangoma: not done, and not known to be up to date.
    if (run.stopped && (missing.length > 0 || run.moved.length === 0)) {
      return { ...common, outcome: 'pending', error: null, notes: [...notes, `stopped after ${run.activations} Update Activation(s), before anything new came from Sangoma`] };
    }
    if (missing.length > 0) {
      const still = missing.map((m) => `${request.module ?? m.label} still shows ${m.now ?? 'no licence'}`).join(', ');
      const waited = request.waitMs > 0 ? ` within ${formatDuration(request.waitMs)}` : '';
      const advice = `Sangoma has not delivered the renewal${waited}: check in the portal that it was bought for this PBX's deployment, then run \`pbx-activation-agent renew --module ${request.module} --wait 30m\``;
      return { ...common, outcome: 'pending', error: null, notes: [...notes, `Update Activation ran${times}; ${still}. ${advice}`] };
    }
    if (run.moved.length === 0) return { ...common, outcome: 'up-to-date', error: null, notes: [`Update Activation ran${times}; nothing new from Sangoma`] };
    return { ...common, outcome: 'applied', error: null, notes };
  }

  /** The config keeps retryEvery at 1 s or more. */
  private maxActivations(waitMs: number): number {
    return 1 + Math.floor(waitMs / this.settings.retryEveryMs);
  }

  private question(request: RenewalRequest): string {
    const n = this.maxActivations(request.waitMs);
    if (n <= 1) return 'Run Update Activation now?';
    return `Run Update Activation now, and again every ${formatDuration(this.settings.retryEveryMs)} until ${request.module ?? 'a date'} moves (at most ${n} times within ${formatDuration(request.waitMs)})?`;
  }
}

function failureRule(error: PbxError): FailureRule {
  return ACTIVATION_FAILURES.get(error.reason) ?? NEEDS_A_PERSON;
}
