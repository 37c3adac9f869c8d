import { processBoundMs } from '../process/run-process.js';
import type { AgentConfig } from '../config/schema.js';
import { portalPollBoundMs, type PollSettings } from '../portal/poll-bound.js';
import type { ApplySettings } from './apply.js';

/** The clock check asks timedatectl, then chronyc, 3 s each (clock-check.ts). */
const CLOCK_CHECK_MS = 2 * processBoundMs(3000);
/** The apply step's pauses while Apache restarts (apply.ts pollEvery is at most 5 s). */
const SETTLE_POLL_MS = 5000;
/** Starting, the store, lease and file reads: small, but not nothing on a loaded PBX. */
const OVERHEAD_MS = 60_000;

export interface CycleBoundSettings {
  readonly readTimeoutMs: number;
  readonly apply: Pick<ApplySettings, 'applyTimeoutMs' | 'settleDelayMs' | 'settleTimeoutMs'>;
  /** null: no portal (monitor only). */
  readonly portal: PollSettings | null;
  /** `renew --wait`: how long the portal is polled, or Update Activation repeated, 0 without. */
  readonly waitMs: number;
  readonly pollEveryMs: number;
}

/**
 * The longest one local cycle (check, renew) can take when every step runs
 * to its own limit: two reads, the portal poll, two apply attempts each with
 * the wait for Apache and a read, and for `renew --wait` the wait itself.
 * Every step ends by its own limit; this is the backstop the whole cycle is
 * held to (and what the daemon allows a check process), derived from the
 * settings so a slow but configured PBX is never cut short.
 */
export function cycleBoundMs(s: CycleBoundSettings): number {
  const read = processBoundMs(s.readTimeoutMs);
  const portal = s.portal ? portalPollBoundMs(s.portal) : 0;
  const settle = s.apply.settleDelayMs + s.apply.settleTimeoutMs + read + SETTLE_POLL_MS;
  const apply = 2 * (processBoundMs(s.apply.applyTimeoutMs) + settle) + s.apply.settleDelayMs;
  // renew --wait: the portal polled until the renewal shows, or (activation source) Update Activation
  // repeated until a date moves, the last one possibly starting just before the wait is over.
  const wait = s.waitMs > 0 ? read + s.waitMs + s.pollEveryMs + Math.max(portal, apply) : 0;
  return wait + 2 * read + portal + CLOCK_CHECK_MS + apply + OVERHEAD_MS;
}

/** cycleBoundMs for a configuration; `waitMs` for `renew --wait`. */
export function configCycleBoundMs(config: AgentConfig, waitMs = 0): number {
  const portal = config.portal;
  return cycleBoundMs({
    readTimeoutMs: config.pbx.readTimeout,
    apply: { applyTimeoutMs: config.pbx.applyTimeout, settleDelayMs: config.pbx.settleDelay, settleTimeoutMs: config.pbx.settleTimeout },
    portal: portal ? { retries: portal.retries, timeoutMs: portal.timeout, retryMaxMs: portal.retryMax } : null,
    waitMs,
    pollEveryMs: Math.max(portal?.pollInterval ?? 0, config.renewals.retryEvery),
  });
}
