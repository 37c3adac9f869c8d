import { hostname } from 'node:os';
import type { Clock } from '../core/clock.js';
import { DaemonRunningError, LeaseHeldError } from '../errors.js';
import { processAlive } from '../process/alive.js';
import type { LeaseOwner } from '../store/leases.js';
import type { Store } from '../store/store.js';

/** How long a lease lasts without a heartbeat; the holder renews it every third of that. */
export const LEASE_TTL_MS = 120_000;

/** The daemon's own lease: one `run` per store. */
export const DAEMON_LEASE = 'daemon';

export interface HeldLease {
  readonly name: string;
  readonly owner: LeaseOwner;
  attachRun(runId: number): void;
}

interface TakenLease extends HeldLease {
  release(): void;
}

/**
 * Takes the named lease and keeps it alive with a heartbeat until released.
 * Throws LeaseHeldError when a live owner holds it. `onLost` hears of a
 * heartbeat that found the lease taken over (it had expired: a long suspend).
 */
function takeLease(store: Store, name: string, command: string, clock: Clock, onLost?: () => void): TakenLease {
  const owner: LeaseOwner = { pid: process.pid, host: hostname(), command };
  store.guard((s) => s.leases.acquire(name, owner, clock.now(), LEASE_TTL_MS, processAlive));
  const heartbeat = setInterval(() => {
    try {
      if (!store.leases.renew(name, owner.pid, clock.now(), LEASE_TTL_MS)) onLost?.();
    } catch {
      // a failing store surfaces in the work itself
    }
  }, LEASE_TTL_MS / 3);
  heartbeat.unref();
  return {
    name,
    owner,
    attachRun: (runId) => store.guard((s) => s.leases.attachRun(name, owner.pid, runId)),
    release: () => {
      clearInterval(heartbeat);
      try {
        store.leases.release(name, owner.pid);
      } catch {
        // expires on its own
      }
    },
  };
}

/**
 * Runs `work` holding the named lease, renewing it while the work lasts (an
 * apply can take minutes), and giving it up afterwards whatever happens.
 * Throws LeaseHeldError (exit 6) when someone else holds it.
 */
export async function withLease<T>(store: Store, name: string, command: string, clock: Clock, work: (lease: HeldLease) => Promise<T>): Promise<T> {
  const lease = takeLease(store, name, command, clock);
  try {
    return await work(lease);
  } finally {
    lease.release();
  }
}

/**
 * The daemon's lease, held from start to stop: a second `run` on the same
 * store refuses to start (DaemonRunningError, exit 1) instead of scheduling
 * checks beside the first. A holder that died (same host, pid gone) or stopped
 * renewing for LEASE_TTL_MS is taken over.
 */
export function takeDaemonLease(store: Store, clock: Clock, onLost: () => void): { release(): void } {
  try {
    return takeLease(store, DAEMON_LEASE, 'run', clock, onLost);
  } catch (err) {
    if (err instanceof LeaseHeldError) throw new DaemonRunningError(store.path, err.holder);
    throw err;
  }
}
