import { runCheck } from '../../src/app/check.js';
import { pbxReaderFor } from '../../src/app/reader.js';
import { systemClock } from '../../src/core/clock.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { Store } from '../../src/store/store.js';
import { renderCheck } from '../../src/ui/check-view.js';
import { exitForOutcome } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';

export interface CheckCommandOptions extends GlobalOptions {
  readonly dryRun?: boolean;
}

export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const { loaded, log, tty } = startRuntime(options);
  const { config } = loaded;
  const store = Store.open(config.store.path);
  const shell = new LocalShell();
  try {
    const reader = pbxReaderFor(config, shell, systemClock, log);
    const result = await runCheck(
      { store, reader, clock: systemClock, log, host: 'local' },
      { trigger: 'manual', command: options.dryRun ? 'check --dry-run' : 'check', dryRun: options.dryRun ?? false },
    );
    if (options.json) printJson(result);
    else print(renderCheck(result, tty));
    return exitForOutcome(result.outcome);
  } finally {
    await shell.close();
    store.close();
  }
}
