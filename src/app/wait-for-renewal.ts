import type { Clock } from '../core/clock.js';
import type { LicensedItem } from '../core/items.js';
import { planRenewals, type PlannedRenewal } from '../core/plan.js';
import { PbxError, PortalError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PbxReader } from '../pbx/pbx-reader.js';
import type { Portal } from '../portal/client.js';
import { portalItems } from '../portal/items.js';

export interface WaitOptions {
  readonly deploymentId: string;
  /** What the PBX shows now. */
  readonly pbxItems: readonly LicensedItem[];
  readonly waitMs: number;
  readonly pollEveryMs: number;
  /** Called after every poll: a progress line on a terminal, a log line otherwise. */
  readonly onPoll: (poll: { attempt: number; remainingMs: number; error: string | null }) => void;
  readonly signal?: AbortSignal;
}

export interface WaitDeps {
  readonly portal: Portal;
  readonly clock: Clock;
  readonly log: Logger;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * After a purchase the portal can take a while to show it. Polls (cheaply:
 * If-None-Match) until it shows something the PBX lacks, or the wait ends.
 * Portal errors during the wait are reported and polled through.
 */
export async function waitForRenewal(deps: WaitDeps, options: WaitOptions): Promise<PlannedRenewal[]> {
  const deadline = deps.clock.now().getTime() + options.waitMs;
  for (let attempt = 1; ; attempt++) {
    let error: string | null = null;
    try {
      const answer = await deps.portal.entitlements(options.deploymentId, options.signal);
      const plan = planRenewals(options.pbxItems, portalItems(answer.value));
      if (plan.renewals.length > 0) return plan.renewals;
    } catch (err) {
      if (!(err instanceof PortalError) || options.signal?.aborted) throw err;
      error = err.message;
    }
    const remainingMs = deadline - deps.clock.now().getTime();
    options.onPoll({ attempt, remainingMs: Math.max(0, remainingMs), error });
    if (remainingMs <= 0) return [];
    await deps.sleep(Math.min(options.pollEveryMs, remainingMs), options.signal);
  }
}

/**
 * `renew --wait` and `fleet renew --wait`: read what the PBX shows, then wait
 * for the portal to show more. null when there is nothing to wait against (the
 * PBX cannot be read, or names no deployment): the cycle that follows reads
 * again and records why.
 */
export async function waitForPurchase(
  deps: WaitDeps & { readonly reader: PbxReader },
  options: Omit<WaitOptions, 'deploymentId' | 'pbxItems'> & { readonly fallbackDeploymentId: string | null },
): Promise<PlannedRenewal[] | null> {
  let info;
  try {
    info = await deps.reader.readLicence(options.signal);
  } catch (err) {
    if (err instanceof PbxError) return null;
    throw err;
  }
  const deploymentId = info.deploymentId ?? options.fallbackDeploymentId;
  if (deploymentId === null) return null;
  return waitForRenewal(deps, { ...options, deploymentId, pbxItems: info.items });
}
