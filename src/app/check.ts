import type { Clock } from '../core/clock.js';
import type { ItemKind } from '../core/items.js';
import { errorMessage, PbxError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PbxReader } from '../pbx/pbx-reader.js';
import type { ExpiryChange } from '../store/expiries.js';
import type { Outcome, Trigger } from '../store/runs.js';
import type { Store } from '../store/store.js';

/** Kinds fwconsole is the authority for; maintenance dates only come from the portal. */
export const PBX_KINDS: readonly ItemKind[] = ['activation', 'support-contract', 'module-license'];

export interface CheckDeps {
  readonly store: Store;
  readonly reader: PbxReader;
  readonly clock: Clock;
  readonly log: Logger;
  /** `local`, or the fleet host name. */
  readonly host: string;
}

export interface CheckOptions {
  readonly trigger: Trigger;
  readonly command: string;
  readonly dryRun: boolean;
}

export interface CheckResult {
  readonly runId: number;
  readonly outcome: Outcome;
  readonly deploymentId: string | null;
  readonly changes: ExpiryChange[];
  readonly warnings: string[];
  readonly error: { readonly message: string; readonly hint: string } | null;
}

/** Reads the PBX and records what it shows. Any failure is recorded on the run; nothing recorded is lost. */
export async function runCheck(deps: CheckDeps, options: CheckOptions): Promise<CheckResult> {
  const { store, reader, clock, log } = deps;
  const runId = store.guard((s) =>
    s.runs.start({
      trigger: options.trigger,
      command: options.command,
      host: deps.host,
      deploymentId: null,
      dryRun: options.dryRun,
      pid: process.pid,
      at: clock.now().toISOString(),
    }),
  );
  try {
    const snapshot = await reader.read();
    const changes = store.guard((s) =>
      s.expiries.record({
        deploymentId: snapshot.deploymentId,
        host: deps.host,
        productName: snapshot.productName,
        source: 'pbx',
        items: snapshot.items,
        kinds: PBX_KINDS,
        modules: snapshot.modules,
        runId,
        at: clock.now().toISOString(),
      }),
    );
    for (const c of changes) log.info({ deploymentId: c.deploymentId, item: c.item, old: c.oldExpiry, new: c.newExpiry }, 'expiry changed');
    const outcome: Outcome = 'up-to-date';
    store.guard((s) =>
      s.runs.finish(runId, { outcome, at: clock.now().toISOString(), deploymentId: snapshot.deploymentId, details: { warnings: snapshot.warnings } }),
    );
    return { runId, outcome, deploymentId: snapshot.deploymentId, changes, warnings: snapshot.warnings, error: null };
  } catch (err) {
    if (!(err instanceof PbxError)) {
      // Not a PBX problem (store, bug): record what we can, then let the caller report it.
      try {
        store.runs.finish(runId, { outcome: 'failed', at: clock.now().toISOString(), error: errorMessage(err) });
      } catch {
        // the store itself may be what failed; the run will be marked interrupted later
      }
      throw err;
    }
    log.error({ reason: err.reason, savedTo: err.evidence?.savedTo }, err.message);
    store.guard((s) => s.runs.finish(runId, { outcome: 'unreachable', at: clock.now().toISOString(), error: err.message }));
    return { runId, outcome: 'unreachable', deploymentId: null, changes: [], warnings: [], error: { message: err.message, hint: err.hint } };
  }
}
