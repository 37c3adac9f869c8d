import { unverified, type PlannedRenewal } from '../core/plan.js';
import { DEPLOYMENT_ID, type LicensedItem } from '../core/items.js';
import { PbxError } from '../errors.js';
import { cleanOutput } from '../pbx/readers/clean.js';
import type { Logger } from '../log/logger.js';
import type { ApplyInvocation } from '../pbx/apply-invocation.js';
import type { PbxReader } from '../pbx/pbx-reader.js';

export interface ApplySettings {
  /** How Update Activation runs on this host for a deployment: fwconsole (maybe under sudo -n) or the privileged unit. */
  readonly invocation: (deploymentId: string) => ApplyInvocation;
  readonly applyTimeoutMs: number;
  /** Wait after applying before the first read (Apache restarts), and between the two attempts. */
  readonly settleDelayMs: number;
  /** Longest wait for the PBX to answer again. */
  readonly settleTimeoutMs: number;
}

export interface ApplyDeps {
  readonly reader: PbxReader;
  readonly log: Logger;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ApplyResult {
  /** Items now showing the portal's date. */
  readonly verified: PlannedRenewal[];
  /** Items still not showing it, with what the PBX shows now. */
  readonly unverified: Array<PlannedRenewal & { now: string | null }>;
  /** What the PBX shows after applying; null when it never answered again. */
  readonly after: LicensedItem[] | null;
  readonly attempts: number;
  readonly fwconsoleMs: number;
  /** The last line the apply command printed ('' for nothing): quoted when the dates did not follow. */
  readonly said: string;
  /** Set when applying itself failed (command error, or the PBX did not come back). */
  readonly error: PbxError | null;
}

/** How often to ask again while Apache restarts: every 5 s, sooner when the settle delay is short. */
function pollEvery(settings: ApplySettings): number {
  return Math.max(250, Math.min(5000, settings.settleDelayMs));
}

export interface ActivationRun {
  /** What the PBX shows after it; null when it never answered again (see error). */
  readonly after: LicensedItem[] | null;
  readonly fwconsoleMs: number;
  /** The last line the command printed ('' for nothing). */
  readonly said: string;
  /** Set when the command failed, or the PBX did not come back. */
  readonly error: PbxError | null;
}

/**
 * One command-line Update Activation: run it, wait for Apache to restart and
 * read the licence again. What the new dates mean is the caller's business.
 */
export async function activateOnce(deps: ApplyDeps, settings: ApplySettings, deploymentId: string, signal?: AbortSignal): Promise<ActivationRun> {
  if (!DEPLOYMENT_ID.test(deploymentId)) {
    throw new PbxError(`refusing to apply: "${deploymentId}" is not a valid deployment id`, 'Check deploymentId in the config and what the PBX reports.', 'wrong-deployment');
  }
  const invocation = settings.invocation(deploymentId);
  let fwconsoleMs = 0;
  let said = '';
  try {
    deps.log.info({ command: invocation.description }, 'applying renewals');
    const run = await deps.reader.runCommand(invocation.argv, invocation.description, { tty: false, sudo: invocation.sudo, timeoutMs: settings.applyTimeoutMs, signal });
    fwconsoleMs += run.durationMs;
    said = run.truncated ? '(its output went past the read limit and was cut)' : (cleanOutput(run.stdout).lines.at(-1)?.trim().slice(0, 200) ?? '');
    const settled = await settle(deps, settings, signal);
    return { after: settled.items, fwconsoleMs: fwconsoleMs + settled.ms, said, error: null };
  } catch (err) {
    // Stopped (Ctrl-C, the service stopping) while Apache restarted: an outcome, recorded as interrupted.
    if (signal?.aborted && !(err instanceof PbxError)) {
      const stopped = new PbxError('stopped while the PBX restarted after Update Activation', 'Run `pbx-activation-agent check` to record what the PBX shows now.', 'timeout');
      return { after: null, fwconsoleMs, said, error: stopped };
    }
    if (!(err instanceof PbxError)) throw err;
    return { after: null, fwconsoleMs, said, error: err };
  }
}

/**
 * Update Activation for renewals the portal shows: run it, and check every
 * planned item now shows the portal's date. One retry after a pause; then the
 * caller reports what is still missing.
 */
export async function applyRenewals(
  deps: ApplyDeps,
  settings: ApplySettings,
  deploymentId: string,
  renewals: readonly PlannedRenewal[],
  signal?: AbortSignal,
): Promise<ApplyResult> {
  let fwconsoleMs = 0;
  let said = '';
  let after: LicensedItem[] | null = null;
  let missing = [...renewals].map((r) => ({ ...r, now: r.pbx }));

  for (let attempt = 1; attempt <= 2; attempt++) {
    if (attempt === 2) {
      deps.log.warn({ items: missing.map((m) => m.item) }, 'renewal not visible yet; applying once more after a pause');
      await deps.sleep(settings.settleDelayMs, signal);
    }
    const run = await activateOnce(deps, settings, deploymentId, signal);
    fwconsoleMs += run.fwconsoleMs;
    said = run.said;
    after = run.after ?? after;
    if (run.error) return { verified: verifiedOf(renewals, missing), unverified: missing, after, attempts: attempt, fwconsoleMs, said, error: run.error };
    missing = unverified(renewals, run.after!);
    if (missing.length === 0) return { verified: [...renewals], unverified: [], after, attempts: attempt, fwconsoleMs, said, error: null };
  }
  return { verified: verifiedOf(renewals, missing), unverified: missing, after, attempts: 2, fwconsoleMs, said, error: null };
}

/** Waits for Apache to restart, then polls `sa info` until it answers or settleTimeout passes. */
async function settle(deps: ApplyDeps, settings: ApplySettings, signal?: AbortSignal): Promise<{ items: LicensedItem[]; ms: number }> {
  const started = Date.now();
  await deps.sleep(settings.settleDelayMs, signal);
  let last: PbxError | null = null;
  let ms = 0;
  while (Date.now() - started < settings.settleDelayMs + settings.settleTimeoutMs) {
    const t = performance.now();
    try {
      const info = await deps.reader.readLicence(signal);
      ms += performance.now() - t;
      return { items: info.items, ms };
    } catch (err) {
      ms += performance.now() - t;
      if (!(err instanceof PbxError) || err.reason === 'not-found' || err.reason === 'not-executable' || signal?.aborted) throw err;
      last = err;
      deps.log.debug({ reason: err.reason }, 'PBX not answering yet after apply');
      await deps.sleep(pollEvery(settings), signal);
    }
  }
  throw new PbxError(
    `the PBX did not answer again within ${Math.round((settings.settleDelayMs + settings.settleTimeoutMs) / 1000)}s after applying (last: ${last?.message ?? 'no answer'})`,
    'Check the PBX (Apache, fwconsole sa info); raise pbx.settleTimeout if it is merely slow to restart.',
    last?.reason ?? 'timeout',
    last?.evidence,
  );
}

function verifiedOf(renewals: readonly PlannedRenewal[], missing: ReadonlyArray<{ item: string }>): PlannedRenewal[] {
  const still = new Set(missing.map((m) => m.item));
  return renewals.filter((r) => !still.has(r.item));
}
