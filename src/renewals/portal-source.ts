import { applyRenewals } from '../app/apply.js';
import { waitForRenewal } from '../app/wait-for-renewal.js';
import { formatDuration } from '../core/duration.js';
import { itemId, type ItemKind } from '../core/items.js';
import { boughtRenewal, planRenewals, type Plan } from '../core/plan.js';
import { insideWindow, type DailyWindow } from '../core/window.js';
import { PbxError, PortalError, type PortalFailure } from '../errors.js';
import type { PbxSnapshot } from '../pbx/pbx-reader.js';
import type { Portal, PortalAnswer } from '../portal/client.js';
import { portalItems } from '../portal/items.js';
import type { Entitlements } from '../portal/schema.js';
import type { ApplyLook, FailureRule, Look, RenewalRequest, RenewalSource, SourceContext, Verdict } from './source.js';

/** Maintenance dates are only known from the portal. */
const PORTAL_ONLY_KINDS: readonly ItemKind[] = ['module-maintenance'];

const TRANSIENT: FailureRule = { retry: true, outcome: 'unreachable' };
const NEEDS_A_PERSON: FailureRule = { retry: false, outcome: 'failed' };
/** Every way the portal can fail to answer: a refused token or an unknown deployment needs a person, the rest passes. */
export const PORTAL_FAILURES: ReadonlyMap<PortalFailure, FailureRule> = new Map<PortalFailure, FailureRule>([
  ['unreachable', TRANSIENT],
  ['timeout', TRANSIENT],
  ['server-error', TRANSIENT],
  ['rate-limited', TRANSIENT],
  ['bad-response', TRANSIENT],
  ['too-large', TRANSIENT],
  ['redirect', TRANSIENT],
  ['tls', TRANSIENT],
  ['unauthorized', NEEDS_A_PERSON],
  ['forbidden', NEEDS_A_PERSON],
  ['unknown-deployment', NEEDS_A_PERSON],
  ['bad-request', NEEDS_A_PERSON],
]);

export interface PortalSourceSettings {
  readonly window: DailyWindow | null;
  readonly timeZone: string | undefined;
  /** How often `renew --wait` asks the portal. */
  readonly pollEveryMs: number;
}

/**
 * The portal contract (docs/portal-api.md): the portal says what each
 * deployment is entitled to; Update Activation runs only when it shows more
 * than the PBX, and every renewed item must then show the portal's date.
 */
export class PortalSource implements RenewalSource {
  readonly kind = 'portal' as const;

  constructor(
    private readonly portal: Portal,
    private readonly settings: PortalSourceSettings,
  ) {}

  knowsWhatWasBought(): boolean {
    return true;
  }

  async look(request: RenewalRequest, snapshot: PbxSnapshot, ctx: SourceContext): Promise<Look> {
    const base = { clock: null, notes: [] as string[], portalMs: 0, probe: null };
    let answer: PortalAnswer<Entitlements>;
    try {
      answer = await this.portal.entitlements(snapshot.deploymentId, ctx.signal);
      base.portalMs += answer.durationMs;
      if (request.waitMs > 0) {
        if (!this.shows(answer, snapshot, request.module)) answer = (await this.waitFor(request, snapshot, ctx, base)) ?? answer;
        else base.notes.push(this.showing(answer, snapshot));
      }
    } catch (err) {
      if (err instanceof PortalError) return { ...base, kind: 'failure', ...rule(err), error: err };
      throw err;
    }
    const clock = await ctx.assessClock(answer.serverDate);
    const view = portalItems(answer.value);
    ctx.record('portal', view.filter((i) => PORTAL_ONLY_KINDS.includes(i.kind)), PORTAL_ONLY_KINDS);
    const found = planRenewals(snapshot.items, view);
    const look = { ...base, clock, notes: [...base.notes, ...found.notes] };
    let plan: Plan = found;

    if (request.module !== null && !found.renewals.some((r) => r.item === itemId('module-license', request.module))) {
      const bought = boughtRenewal(request.module, snapshot.items);
      if (!request.force) {
        return {
          ...look,
          kind: 'settled',
          outcome: 'pending',
          plan,
          notes: [...look.notes, `the portal does not show a renewal of ${request.module} (the PBX shows ${bought.pbx ?? 'none'}); nothing applied. Run \`renew --module ${request.module} --wait 30m\` to wait for it, or --force to run Update Activation anyway`],
        };
      }
      plan = { ...plan, renewals: [...plan.renewals, bought] };
    }
    if (plan.renewals.length === 0 && !request.force) return { ...look, kind: 'settled', outcome: 'up-to-date', plan };
    if (request.dryRun) return { ...look, kind: 'settled', outcome: 'pending', plan, notes: [...look.notes, 'dry run: nothing applied'] };
    if (!request.ignoreWindow && this.settings.window && !insideWindow(this.settings.window, ctx.clock.now(), this.settings.timeZone)) {
      const why = `outside the maintenance window ${this.settings.window.text}; run \`pbx-activation-agent renew\` to apply now`;
      return { ...look, kind: 'settled', outcome: 'pending', plan, notes: [...look.notes, why] };
    }
    const what = plan.renewals.length > 0 ? plan.renewals.map((r) => r.label).join(', ') : 'Update Activation';
    return { ...look, kind: 'apply', plan, question: `Apply ${what} now?`, activations: 2 };
  }

  async apply(_request: RenewalRequest, look: ApplyLook, snapshot: PbxSnapshot, ctx: SourceContext): Promise<Verdict> {
    const renewals = look.plan.renewals;
    const result = await applyRenewals({ reader: ctx.reader, log: ctx.log, sleep: ctx.sleep }, ctx.apply, snapshot.deploymentId, renewals, ctx.signal);
    const common = { applied: renewals, verified: result.verified, unverified: result.unverified, after: result.after, recordAs: 'pbx' as const, fwconsoleMs: result.fwconsoleMs, notes: [], probe: null };
    // The portal shows these renewals as paid for: any failure to apply them needs a person.
    if (result.error) return { ...common, outcome: 'failed', error: result.error };
    if (result.unverified.length > 0) {
      const list = result.unverified.map((u) => `${u.label}: PBX shows ${u.now ?? 'nothing'}, ${u.portal === null ? 'bought' : `portal ${u.portal}`}`).join('; ');
      const error = new PbxError(
        `renewal applied but not visible on the PBX after ${result.attempts} attempts: ${list} (the apply command's last words: ${result.said === '' ? 'it printed nothing' : `"${result.said}"`})`,
        'Run `fwconsole sa activate <deployment-id>` by hand and check System Admin -> Activation; if the dates still differ, contact Sangoma with the deployment id.',
        'exit-status',
      );
      return { ...common, outcome: 'failed', error };
    }
    return { ...common, outcome: 'applied', error: null };
  }

  /** Whether an answer shows a renewal: of the module bought, or of anything when none is named. */
  private shows(answer: PortalAnswer<Entitlements>, snapshot: PbxSnapshot, module: string | null): boolean {
    const renewals = planRenewals(snapshot.items, portalItems(answer.value)).renewals;
    return module === null ? renewals.length > 0 : renewals.some((r) => r.item === itemId('module-license', module));
  }

  /** Polls until the renewal shows or the wait ends; the last good answer (null if none came). */
  private async waitFor(request: RenewalRequest, snapshot: PbxSnapshot, ctx: SourceContext, base: { notes: string[]; portalMs: number }): Promise<PortalAnswer<Entitlements> | null> {
    const waited = await waitForRenewal(
      { portal: this.portal, clock: ctx.clock, sleep: ctx.sleep },
      {
        deploymentId: snapshot.deploymentId,
        waitMs: request.waitMs,
        pollEveryMs: this.settings.pollEveryMs,
        shows: (answer) => {
          base.portalMs += answer.durationMs;
          return this.shows(answer, snapshot, request.module);
        },
        transient: (err) => rule(err).retry,
        onPoll: (poll) => request.onWait?.({ ...poll, message: 'renewal not on the portal yet' }),
        signal: ctx.signal,
      },
    );
    base.notes.push(waited.shown ? this.showing(waited.last!, snapshot) : `Nothing new appeared on the portal within ${formatDuration(request.waitMs)}.`);
    return waited.last;
  }

  private showing(answer: PortalAnswer<Entitlements>, snapshot: PbxSnapshot): string {
    const renewals = planRenewals(snapshot.items, portalItems(answer.value)).renewals;
    return `The portal shows ${renewals.length} renewal(s): ${renewals.map((r) => r.label).join(', ')}.`;
  }
}

function rule(err: PortalError): FailureRule {
  return PORTAL_FAILURES.get(err.reason) ?? TRANSIENT;
}
