import { setTimeout as delay } from 'node:timers/promises';
import { runCycle, type CycleSettings } from '../app/cycle.js';
import type { ClockStatus } from '../clock/clock-check.js';
import type { Clock } from '../core/clock.js';
import { LeaseHeldError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { applyInvocation } from '../pbx/apply-invocation.js';
import { PbxReader } from '../pbx/pbx-reader.js';
import type { Portal } from '../portal/client.js';
import { lastAnswerPortal } from '../portal/last-answer.js';
import { buildRenewalSource, type SourceConfig } from '../renewals/build.js';
import type { Trigger } from '../store/runs.js';
import type { Store } from '../store/store.js';
import type { FleetHost } from './inventory.js';
import type { Cycle, CycleResult } from './run-fleet.js';
import { timerDelay } from '../core/timer-delay.js';

export interface FleetCycleDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  /** Keeps fwconsole output the readers did not recognise (see makeRawSaver). */
  readonly saveRaw: (name: string, text: string) => string | null;
  /** The portal client, when the renewal source is the portal. */
  readonly portal: Portal | null;
  /** The agent's own settings that are not per host: the renewal source and its settings, maintenance window, time zone. */
  readonly sourceConfig: SourceConfig;
  readonly settings: Pick<CycleSettings, 'maxSkewMs'>;
  readonly clockSynchronized: () => Promise<ClockStatus['synchronized']>;
}

/** What `fleet check` and `fleet renew` ask of the per-host cycle. */
export interface FleetCycleRequest {
  readonly trigger: Trigger;
  /** Recorded on the run: `fleet check`, `fleet renew`. */
  readonly command: string;
  readonly dryRun: boolean;
  /** `fleet renew`: Update Activation now, as `renew` does on one PBX. */
  readonly renew: boolean;
  /** `fleet renew --wait`: how long to wait until the purchase shows; null: do not wait. */
  readonly waitMs: number | null;
  /** `fleet renew --module KEY`: what was bought for the host. */
  readonly module: string | null;
  /** `fleet renew` applies whatever the maintenance window. */
  readonly ignoreWindow: boolean;
}

/**
 * The renewal cycle (the same `runCycle` as the local `check`) for one fleet
 * host, over its SSH shell, recorded under the inventory host name. The host's
 * deployment id from the inventory is the expected one.
 */
export function renewalCycle(deps: FleetCycleDeps, request: FleetCycleRequest): Cycle<FleetHost> {
  return async (host, shell, context): Promise<CycleResult> => {
    const log = deps.log.child({ host: host.name });
    const pbx = host.pbx;
    const reader = new PbxReader(shell, { fwconsole: pbx.fwconsole, schmoozeDir: pbx.schmoozeDir, tty: pbx.tty, readTimeoutMs: pbx.readTimeout, saveRaw: deps.saveRaw, moduleAliases: pbx.moduleAliases }, log);
    // The change feed says this deployment is unchanged: its last good answer stands in for a poll.
    // Not for a `fleet renew` by hand: right after a purchase the feed may lag, ask the portal itself.
    const unchanged = context.portalChanged === false && request.trigger !== 'manual';
    const portal = deps.portal && unchanged ? lastAnswerPortal(deps.portal, deps.store.portalCache) : deps.portal;
    // Each host its own source: probe state is kept per host name.
    const source = buildRenewalSource(deps.sourceConfig, () => portal!);
    const sleep = (ms: number, signal?: AbortSignal) => delay(timerDelay(ms), undefined, { signal });
    const settings: CycleSettings = {
      ...deps.settings,
      expectedDeploymentId: host.deploymentId ?? undefined,
      apply: {
        invocation: (deploymentId) => applyInvocation(pbx, pbx.applyCommand, deploymentId),
        applyTimeoutMs: pbx.applyTimeout,
        settleDelayMs: pbx.settleDelay,
        settleTimeoutMs: pbx.settleTimeout,
      },
    };
    try {
      const result = await runCycle(
        { store: deps.store, reader, source, clock: deps.clock, log, host: host.name, clockSynchronized: deps.clockSynchronized, sleep },
        settings,
        {
          trigger: request.trigger,
          command: request.command,
          dryRun: request.dryRun,
          renew: request.renew,
          module: request.module,
          waitMs: request.waitMs ?? 0,
          onWait: ({ message, attempt, remainingMs, error }) => log.info({ attempt, remainingMs, error }, message),
          ignoreWindow: request.ignoreWindow,
          signal: context.signal,
        },
      );
      return { outcome: result.outcome, deploymentId: result.deploymentId, runId: result.runId, error: result.error };
    } catch (err) {
      // Another cycle (a `fleet renew`, another fleet run) is on this host now: nothing was read or changed.
      if (err instanceof LeaseHeldError) return { outcome: 'unreachable', deploymentId: null, error: { message: err.message, hint: err.hint } };
      throw err;
    }
  };
}
