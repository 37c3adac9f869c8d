import { runCycle } from '../../src/app/cycle.js';
import { renderCycle } from '../../src/ui/cycle-view.js';
import { exitForOutcome } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { withLocalCycle } from '../wiring.js';

export interface CheckCommandOptions extends GlobalOptions {
  readonly dryRun?: boolean;
  /** Set by the daemon for the checks it starts: logs go to the journal (stdout), no report is printed. */
  readonly trigger?: 'schedule' | 'startup';
}

export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const scheduled = options.trigger !== undefined;
  const runtime = startRuntime(options, scheduled ? 'stdout' : 'stderr');
  const { log, tty } = runtime;
  // A dry run sends nothing; the daemon runs alerts as a job of its own after each check.
  return withLocalCycle(runtime, { alerts: !options.dryRun && !scheduled }, async ({ cycle, signal }) => {
    const result = await runCycle(cycle.deps, cycle.settings, {
      trigger: options.trigger ?? 'manual',
      command: scheduled ? 'run' : options.dryRun ? 'check --dry-run' : 'check',
      dryRun: options.dryRun ?? false,
      signal,
      fwconsoleCalls: cycle.fwconsoleCalls,
    });
    if (scheduled) log.info({ runId: result.runId, outcome: result.outcome, planned: result.planned.length, error: result.error?.message }, 'scheduled check finished');
    else if (options.json) printJson(result);
    else print(renderCycle(result, tty));
    return exitForOutcome(result.outcome);
  });
}
