import { runCycle } from '../../src/app/cycle.js';
import { Store } from '../../src/store/store.js';
import { renderCycle } from '../../src/ui/cycle-view.js';
import { startAlerts } from '../alerting.js';
import { rememberConfig } from '../remembered-config.js';
import { exitForOutcome } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { localCycle } from '../wiring.js';

export interface CheckCommandOptions extends GlobalOptions {
  readonly dryRun?: boolean;
}

export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const { loaded, log, tty } = startRuntime(options);
  const { config } = loaded;
  const store = Store.open(config.store.path);
  try {
    rememberConfig(store, loaded);
    // Built first: a broken channel is a configuration error (78) before anything runs. A dry run sends nothing.
    const alerts = options.dryRun ? null : await startAlerts(loaded, store, log);
    const cycle = localCycle(config, loaded.path, store, log);
    try {
      const result = await runCycle(cycle.deps, cycle.settings, {
        trigger: 'manual',
        command: options.dryRun ? 'check --dry-run' : 'check',
        dryRun: options.dryRun ?? false,
      });
      if (options.json) printJson(result);
      else print(renderCycle(result, tty));
      // Alerts come from what was recorded; delivery problems are logged and kept in the outbox, not an exit code.
      await alerts?.run(cycle.deps.clock.now());
      return exitForOutcome(result.outcome);
    } finally {
      await cycle.close();
    }
  } finally {
    store.close();
  }
}
