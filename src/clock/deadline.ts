import { formatDuration } from '../core/duration.js';
import { timerDelay } from '../core/timer-delay.js';

/** An abort signal that fires when its parent does or when its time is up, whichever comes first. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the time ran out (rather than the parent aborting). */
  readonly expired: boolean;
  /** Clears the timer and lets go of the parent; call it when the bounded work is over. */
  dispose(): void;
}

/**
 * Our own timer and AbortController, joined to the parent by hand. Not
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 the
 * combined signal can lose its timeout to the garbage collector
 * (nodejs/node#57736), and the wait it bounded then never ends.
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const onParentAbort = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DeadlineExpired(ms));
  }, timerDelay(ms));
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** The reason a deadline's signal carries when its time ran out. */
export class DeadlineExpired extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(readonly ms: number) {
    super(`deadline of ${ms} ms expired`);
    this.name = 'DeadlineExpired';
  }
}

/**
 * Rejects with the signal's reason as soon as it aborts (at once if it already
 * has): raced against work that might not notice the abort itself, so the
 * wait ends whatever the work does. It never resolves; `dispose` removes its listener.
 */
export function rejectOnAbort(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Why work under this signal was stopped, for messages: a time limit ran out, or the agent is stopping. */
export function whyStopped(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof DeadlineExpired ? `it ran past its time limit of ${formatDuration(reason.ms)}` : 'the agent is shutting down';
}
