import { runCheck } from '../app/check.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import { PbxReader } from '../pbx/pbx-reader.js';
import type { Trigger } from '../store/runs.js';
import type { Store } from '../store/store.js';
import type { FleetHost } from './inventory.js';
import type { Cycle, CycleResult } from './run-fleet.js';

export interface FleetCycleDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  /** Keeps fwconsole output the readers did not recognise (see makeRawSaver). */
  readonly saveRaw: (name: string, text: string) => string | null;
}

/** What `fleet check` and `fleet renew` ask of the per-host cycle. */
export interface FleetCycleRequest {
  readonly trigger: Trigger;
  /** Recorded on the run: `fleet check`, `fleet renew`. */
  readonly command: string;
  readonly dryRun: boolean;
  /** `fleet renew --wait`: how long the renewal cycle polls the portal until the purchase shows; null: do not wait. */
  readonly waitMs: number | null;
}

/**
 * The per-host cycle of this release: read the PBX over its shell and record
 * what it shows under the inventory host name (the same `runCheck` as the local
 * `check`). The renewal cycle (portal poll, plan, apply, verify) plugs in here
 * with the same signature, and is the one that honours `waitMs`.
 */
export function readCycle(deps: FleetCycleDeps, request: FleetCycleRequest): Cycle<FleetHost> {
  return async (host, shell): Promise<CycleResult> => {
    const log = deps.log.child({ host: host.name });
    const reader = new PbxReader(
      shell,
      {
        fwconsole: host.pbx.fwconsole,
        schmoozeDir: host.pbx.schmoozeDir,
        tty: host.pbx.tty,
        readTimeoutMs: host.pbx.readTimeout,
        saveRaw: deps.saveRaw,
      },
      log,
    );
    const result = await runCheck({ store: deps.store, reader, clock: deps.clock, log, host: host.name }, request);
    if (host.deploymentId !== null && result.deploymentId !== null && result.deploymentId !== host.deploymentId) {
      // The address now leads to another PBX (reinstalled, or an address reused): say so loudly.
      const error = {
        message: `${host.name} reports deployment ${result.deploymentId}, but the inventory says ${host.deploymentId}`,
        hint: 'Check that the address still leads to the right PBX; fix "deploymentId" (or the address) in the inventory.',
      };
      log.error({ expected: host.deploymentId, reported: result.deploymentId }, error.message);
      deps.store.guard((s) =>
        s.runs.finish(result.runId, { outcome: 'failed', at: deps.clock.now().toISOString(), error: error.message, deploymentId: result.deploymentId, details: { warnings: result.warnings } }),
      );
      return { outcome: 'failed', deploymentId: result.deploymentId, runId: result.runId, error };
    }
    return { outcome: result.outcome, deploymentId: result.deploymentId, runId: result.runId, error: result.error };
  };
}
