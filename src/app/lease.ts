import { hostname } from 'node:os';
import type { Clock } from '../core/clock.js';
import { processAlive } from '../process/alive.js';
import type { LeaseOwner } from '../store/leases.js';
import type { Store } from '../store/store.js';

/** How long a lease lasts without a heartbeat; the holder renews it every third of that. */
export const LEASE_TTL_MS = 120_000;

export interface HeldLease {
  readonly name: string;
  readonly owner: LeaseOwner;
  attachRun(runId: number): void;
}

/**
 * Runs `work` holding the named lease, renewing it while the work lasts (an
 * apply can take minutes), and giving it up afterwards whatever happens.
 * Throws LeaseHeldError (exit 6) when someone else holds it.
 */
export async function withLease<T>(store: Store, name: string, command: string, clock: Clock, work: (lease: HeldLease) => Promise<T>): Promise<T> {
  const owner: LeaseOwner = { pid: process.pid, host: hostname(), command };
  store.guard((s) => s.leases.acquire(name, owner, clock.now(), LEASE_TTL_MS, processAlive));
  const heartbeat = setInterval(() => {
    try {
      store.leases.renew(name, owner.pid, clock.now(), LEASE_TTL_MS);
    } catch {
      // a failing store surfaces in the work itself
    }
  }, LEASE_TTL_MS / 3);
  heartbeat.unref();
  try {
    return await work({ name, owner, attachRun: (runId) => store.guard((s) => s.leases.attachRun(name, owner.pid, runId)) });
  } finally {
    clearInterval(heartbeat);
    try {
      store.leases.release(name, owner.pid);
    } catch {
      // expires on its own
    }
  }
}
