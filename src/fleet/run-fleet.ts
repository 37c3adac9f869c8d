import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import { errorMessage, StoreError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PbxShell } from '../pbx/shell.js';
import type { Outcome } from '../store/runs.js';
import { timerDelay } from '../core/timer-delay.js';

/** Best first: the fleet's exit code is the code of its worst host outcome. */
const OUTCOME_SEVERITY: readonly Outcome[] = ['up-to-date', 'applied', 'pending', 'unreachable', 'failed'];

export interface CycleContext {
  /** Fires on the host timeout or when the whole run is interrupted. */
  readonly signal: AbortSignal;
  /**
   * From the portal's change feed: false when the host's deployment did not change since the
   * last fleet run (the cycle may skip its poll and use the last good answer), true when it did,
   * null when unknown (no feed, no deployment id yet, or the feed failed): poll as usual.
   */
  readonly portalChanged: boolean | null;
}

export interface CycleResult {
  readonly outcome: Outcome;
  readonly deploymentId: string | null;
  readonly runId?: number | null;
  readonly error?: { readonly message: string; readonly hint: string } | null;
}

/** One host's cycle: read the PBX (and, on the main line, poll, apply, verify), record it, say how it went. */
export type Cycle<H> = (host: H, shell: PbxShell, context: CycleContext) => Promise<CycleResult>;

/** The portal's "what changed since" call: one request for the whole fleet instead of one poll per deployment. */
export interface ChangeFeed {
  /** Deployment ids changed since the last settled cursor; null when the portal cannot say. */
  changed(signal: AbortSignal): Promise<ReadonlySet<string> | null>;
  /** After every host ran: advance the cursor only as far as the results allow. */
  settle(results: readonly HostResult[]): Promise<void>;
}

export interface FleetHostRef {
  readonly name: string;
  /** The deployment the inventory expects of the host, if it says. */
  readonly deploymentId: string | null;
}

export interface FleetRunOptions<H extends FleetHostRef> {
  readonly hosts: readonly H[];
  readonly concurrency: number;
  /** Each worker waits a random 0..jitterMs before its first host. */
  readonly jitterMs: number;
  readonly hostTimeoutMs: number;
  /** Must not connect: the cycle's first command does, so a dead host is recorded as the host's run. */
  readonly openShell: (host: H) => PbxShell;
  readonly cycle: Cycle<H>;
  readonly changes?: ChangeFeed | undefined;
  /**
   * The deployment last seen on a host (e.g. from the store), to match it against the change feed
   * when the inventory does not name one. Default: the inventory's.
   */
  readonly lastKnownDeployment?: ((host: H) => string | null) | undefined;
  /** Interrupts the whole run (SIGINT/SIGTERM): running cycles are stopped, the rest not started. */
  readonly signal?: AbortSignal | undefined;
  readonly log: Logger;
  readonly random?: () => number;
  readonly onHostDone?: (result: HostResult, done: number, total: number) => void;
}

export interface HostResult {
  readonly host: string;
  readonly outcome: Outcome;
  readonly deploymentId: string | null;
  readonly runId: number | null;
  /** Not prefixed with the host name (`host` carries it): views add it. */
  readonly error: { readonly message: string; readonly hint: string } | null;
  readonly startedAt: string | null;
  readonly durationMs: number;
}

export interface FleetReport {
  /** In the order the hosts were given. */
  readonly hosts: HostResult[];
  readonly counts: Record<Outcome, number>;
  /** null when no host ran. */
  readonly worst: Outcome | null;
  readonly durationMs: number;
}

/** After the host timeout, how long a stopped cycle gets to record its run before it is left behind. */
const STOP_GRACE_MS = 5000;

/**
 * Runs the cycle for many hosts with a small worker pool. Each host has its
 * own deadline, so one slow or dead host never holds up the others.
 */
export async function runFleet<H extends FleetHostRef>(options: FleetRunOptions<H>): Promise<FleetReport> {
  const { hosts, log } = options;
  const random = options.random ?? Math.random;
  const interrupted = new AbortController();
  // Every worker and every running host listens to it: that is not a leak.
  setMaxListeners(0, interrupted.signal);
  const onInterrupt = () => interrupted.abort();
  options.signal?.addEventListener('abort', onInterrupt, { once: true });
  if (options.signal?.aborted) interrupted.abort();
  const started = performance.now();
  const changed = await changedDeployments(options.changes, log, interrupted.signal);

  const results: Array<HostResult | undefined> = new Array(hosts.length);
  let next = 0;
  let done = 0;
  let fatal: unknown = null;
  /** Connections being closed: a worker does not wait for the goodbye before its next host. */
  const closing: Array<Promise<void>> = [];
  const worker = async () => {
    if (options.jitterMs > 0) await sleep(random() * options.jitterMs, undefined, { signal: interrupted.signal }).catch(() => {});
    while (next < hosts.length && !interrupted.signal.aborted) {
      const index = next++;
      const host = hosts[index]!;
      const known = host.deploymentId ?? options.lastKnownDeployment?.(host) ?? null;
      const portalChanged = changed === null || known === null ? null : changed.has(known);
      try {
        results[index] = await runHost(host, portalChanged, options, interrupted.signal, closing);
      } catch (err) {
        // The store itself failed: every other host would fail the same way.
        fatal ??= err;
        interrupted.abort();
        return;
      }
      options.onHostDone?.(results[index]!, ++done, hosts.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency), hosts.length) }, worker));
  await Promise.all(closing);
  options.signal?.removeEventListener('abort', onInterrupt);
  if (fatal) throw fatal;

  const final = hosts.map((h, i) => results[i] ?? notContacted(h));
  if (options.changes) await options.changes.settle(final).catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not record the portal change cursor'));
  return { hosts: final, counts: countOutcomes(final), worst: worstOutcome(final.map((r) => r.outcome)), durationMs: Math.round(performance.now() - started) };
}

async function runHost<H extends FleetHostRef>(
  host: H,
  portalChanged: boolean | null,
  options: FleetRunOptions<H>,
  interrupted: AbortSignal,
  closing: Array<Promise<void>>,
): Promise<HostResult> {
  const startedAt = systemClock.now().toISOString();
  const started = performance.now();
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  interrupted.addEventListener('abort', onInterrupt, { once: true });
  const shell = options.openShell(host);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), timerDelay(options.hostTimeoutMs))));
  const stopped = new Promise<'expired'>((resolve) => stop.signal.addEventListener('abort', () => resolve('expired'), { once: true }));
  const cycle = options.cycle(host, shell, { signal: stop.signal, portalChanged }).then(
    (result) => ({ result }),
    (err: unknown) => ({ err }),
  );
  let settled = await Promise.race([cycle, expired, stopped]);
  const stoppedEarly = settled === 'expired';
  const timedOut = stoppedEarly && !interrupted.aborted;
  if (stoppedEarly) {
    stop.abort();
    // Closing the shell fails whatever the cycle is waiting for, so it can record its run.
    await shell.close().catch(() => {});
    settled = await Promise.race([cycle, sleep(STOP_GRACE_MS).then(() => 'expired' as const)]);
  }
  clearTimeout(timer);
  interrupted.removeEventListener('abort', onInterrupt);
  closing.push(shell.close().catch(() => {}));

  const base = { host: host.name, startedAt, durationMs: Math.round(performance.now() - started) };
  if (stoppedEarly) {
    const why = timedOut ? `did not finish within the host timeout (${formatDuration(options.hostTimeoutMs)}) and was stopped` : 'was stopped: the run was interrupted';
    const cycleResult = typeof settled === 'object' && 'result' in settled ? settled.result : null;
    options.log.warn({ host: host.name }, `the cycle ${why}`);
    return {
      ...base,
      // A cycle stopped halfway through applying stays failed; anything else changed nothing.
      outcome: cycleResult?.outcome === 'failed' ? 'failed' : 'unreachable',
      deploymentId: cycleResult?.deploymentId ?? host.deploymentId,
      runId: cycleResult?.runId ?? null,
      error: { message: `the cycle ${why}`, hint: timedOut ? 'Check the host by hand; raise fleet.hostTimeout if it is just slow.' : 'Run it again.' },
    };
  }
  if (settled === 'expired') throw new Error('unreachable: a cycle that was not stopped has settled');
  if ('err' in settled) {
    if (settled.err instanceof StoreError) throw settled.err;
    options.log.error({ host: host.name, err: errorMessage(settled.err) }, 'the cycle failed');
    return { ...base, outcome: 'failed', deploymentId: host.deploymentId, runId: null, error: { message: errorMessage(settled.err), hint: 'This is a bug or an unexpected state; the log has the details.' } };
  }
  const r = settled.result;
  return { ...base, outcome: r.outcome, deploymentId: r.deploymentId ?? host.deploymentId, runId: r.runId ?? null, error: r.error ?? null };
}

async function changedDeployments(feed: ChangeFeed | undefined, log: Logger, signal: AbortSignal): Promise<ReadonlySet<string> | null> {
  if (!feed) return null;
  try {
    return await feed.changed(signal);
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'the portal change feed failed; every deployment is polled');
    return null;
  }
}

function notContacted(host: FleetHostRef): HostResult {
  return {
    host: host.name,
    outcome: 'unreachable',
    deploymentId: host.deploymentId,
    runId: null,
    error: { message: 'not contacted, the run was interrupted', hint: 'Run it again.' },
    startedAt: null,
    durationMs: 0,
  };
}

function countOutcomes(results: readonly { outcome: Outcome }[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOME_SEVERITY.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome] += 1;
  return counts;
}

export function worstOutcome(outcomes: readonly Outcome[]): Outcome | null {
  let worst: Outcome | null = null;
  for (const o of outcomes) if (worst === null || OUTCOME_SEVERITY.indexOf(o) > OUTCOME_SEVERITY.indexOf(worst)) worst = o;
  return worst;
}
