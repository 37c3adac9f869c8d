import type { Clock } from '../core/clock.js';
import { PortalError } from '../errors.js';
import type { Portal, PortalAnswer } from '../portal/client.js';
import type { Entitlements } from '../portal/schema.js';

export interface WaitOptions {
  readonly deploymentId: string;
  readonly waitMs: number;
  readonly pollEveryMs: number;
  /** Whether an answer shows what is waited for. */
  readonly shows: (answer: PortalAnswer<Entitlements>) => boolean;
  /** Whether a failed poll is worth polling through (transient), or ends the wait. */
  readonly transient: (err: PortalError) => boolean;
  /** Called after every poll that did not show it: a progress line on a terminal, a log line otherwise. */
  readonly onPoll: (poll: { attempt: number; remainingMs: number; error: string | null }) => void;
  readonly signal?: AbortSignal | undefined;
}

export interface WaitDeps {
  readonly portal: Portal;
  readonly clock: Clock;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * After a purchase the portal can take a while to show it. Polls (cheaply:
 * If-None-Match) until an answer shows it, or the wait ends. Transient
 * failures are reported and polled through; others end the wait by throwing.
 * Returns the last good answer (null if every poll failed) and whether it showed it.
 */
export async function waitForRenewal(deps: WaitDeps, options: WaitOptions): Promise<{ last: PortalAnswer<Entitlements> | null; shown: boolean }> {
  const deadline = deps.clock.now().getTime() + options.waitMs;
  let last: PortalAnswer<Entitlements> | null = null;
  for (let attempt = 1; ; attempt++) {
    let error: string | null = null;
    try {
      last = await deps.portal.entitlements(options.deploymentId, options.signal);
      if (options.shows(last)) return { last, shown: true };
    } catch (err) {
      if (!(err instanceof PortalError) || options.signal?.aborted || !options.transient(err)) throw err;
      error = err.message;
    }
    const remainingMs = deadline - deps.clock.now().getTime();
    options.onPoll({ attempt, remainingMs: Math.max(0, remainingMs), error });
    if (remainingMs <= 0) return { last, shown: false };
    // Stopped (Ctrl-C, the service stopping): the wait ends; the cycle records its run as interrupted.
    await deps.sleep(Math.min(options.pollEveryMs, remainingMs), options.signal).catch(() => undefined);
    if (options.signal?.aborted) return { last, shown: false };
  }
}
