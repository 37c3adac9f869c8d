import type { ApplySettings } from '../app/apply.js';
import type { ClockStatus } from '../clock/clock-check.js';
import type { RenewalSourceKind } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { ItemKind, LicensedItem } from '../core/items.js';
import type { Plan, PlannedRenewal } from '../core/plan.js';
import type { PbxError, PortalError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PbxReader, PbxSnapshot } from '../pbx/pbx-reader.js';
import type { Source } from '../store/expiries.js';
import type { Outcome, Trigger } from '../store/runs.js';
import type { Store } from '../store/store.js';

/**
 * Where renewals come from: one implementation per source (the portal
 * contract, the activation probe, off), chosen by `buildRenewalSource`. The
 * cycle reads the PBX, asks the source what to do (`look`), asks the operator
 * when it should, lets the source apply and verify (`apply`), and records
 * what the PBX shows; it never asks which source it has.
 */
export interface RenewalSource {
  readonly kind: RenewalSourceKind;
  /** What to do on this PBX now. Never changes the PBX. */
  look(request: RenewalRequest, snapshot: PbxSnapshot, context: SourceContext): Promise<Look>;
  /**
   * Whether a run of this request knows what was bought (the portal says so, or
   * `renew --module`): only then is "bought but not applied" said, and only such
   * runs carry `unverified` in their details.
   */
  knowsWhatWasBought(request: RenewalRequest): boolean;
  /** Runs Update Activation for what `look` found and judges the result by this source's rules. */
  apply(request: RenewalRequest, look: ApplyLook, snapshot: PbxSnapshot, context: SourceContext): Promise<Verdict>;
}

/** What the cycle was asked to do: a check (scheduled or by hand) or `renew`. */
export interface RenewalRequest {
  readonly trigger: Trigger;
  readonly dryRun: boolean;
  /** `renew`: the operator asks for Update Activation now (e.g. right after a purchase). */
  readonly renew: boolean;
  /** `renew --force`: run Update Activation even when the portal shows nothing new. */
  readonly force: boolean;
  /** `renew`: apply whatever the maintenance window. */
  readonly ignoreWindow: boolean;
  /** `renew --module KEY`: what the operator bought; success means that licence moved later. */
  readonly module: string | null;
  /** `renew --wait`: how long to wait for the renewal to show (0: do not wait). */
  readonly waitMs: number;
  /** Each time the wait goes on: a line on a terminal, a log line otherwise. */
  readonly onWait?: ((progress: WaitProgress) => void) | undefined;
}

export interface WaitProgress {
  /** What is being waited for, e.g. "renewal not on the portal yet". */
  readonly message: string;
  readonly attempt: number;
  readonly remainingMs: number;
  readonly error: string | null;
}

/** The cycle's ports and run, lent to the source for one cycle. */
export interface SourceContext {
  readonly store: Store;
  readonly reader: PbxReader;
  readonly clock: Clock;
  readonly log: Logger;
  /** `local`, or the fleet host name: probe state is kept per host. */
  readonly host: string;
  readonly runId: number;
  readonly apply: ApplySettings;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal | undefined;
  /** Judges the clock, with the source's evidence of the time (the portal's Date header) when it has some. */
  assessClock(serverDate: Date | null): Promise<ClockStatus>;
  /** Records items this source is the authority for (maintenance dates from the portal). */
  record(source: Source, items: readonly LicensedItem[], kinds: readonly ItemKind[]): void;
}

/** The activation probe's decision, on the run and in `--json`. */
export interface ProbeReport {
  readonly due: boolean;
  readonly reason: string;
  /** The earliest time the next probe is allowed (ISO), when not due now. */
  readonly nextAt: string | null;
  /** Update Activation runs in this cycle. */
  readonly activations: number;
}

interface LookBase {
  readonly clock: ClockStatus | null;
  readonly notes: readonly string[];
  /** Time spent asking the portal. */
  readonly portalMs: number;
  readonly probe: ProbeReport | null;
}

/** Update Activation should run now (after the operator agrees, where asked). */
export interface ApplyLook extends LookBase {
  readonly kind: 'apply';
  readonly plan: Plan;
  /** The prompt's question, e.g. "Apply broadcast licence now?". */
  readonly question: string;
  /** How many Update Activations this may take at most (each restarts Apache). */
  readonly activations: number;
}

export type Look =
  /** The source could not say: nothing was changed. */
  | (LookBase & { readonly kind: 'failure'; readonly outcome: 'failed' | 'unreachable'; readonly error: PbxError | PortalError })
  /** Nothing to apply now: up to date, or held (dry run, maintenance window, the probe policy). */
  | (LookBase & { readonly kind: 'settled'; readonly outcome: 'up-to-date' | 'pending'; readonly plan: Plan | null })
  | ApplyLook;

/** How applying went, by the source's own rules. */
export interface Verdict {
  readonly outcome: Outcome;
  readonly error: PbxError | null;
  readonly applied: PlannedRenewal[];
  readonly verified: PlannedRenewal[];
  readonly unverified: Array<PlannedRenewal & { now: string | null }>;
  /** What the PBX shows after it; null when it never answered again. */
  readonly after: LicensedItem[] | null;
  /** Who the new dates are recorded as seen by (history's "seen by"). */
  readonly recordAs: Source;
  readonly fwconsoleMs: number;
  readonly notes: readonly string[];
  readonly probe: ProbeReport | null;
}

/** One row of a source's failure table: may it be tried again by itself, and what outcome it is. */
export interface FailureRule {
  /** true: transient, the next check (or wait) tries again; false: a person must look. */
  readonly retry: boolean;
  readonly outcome: 'failed' | 'unreachable';
}
