import { runCheck } from '../../src/app/check.js';
import { makeRawSaver } from '../../src/app/raw-capture.js';
import { systemClock } from '../../src/core/clock.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { PbxReader } from '../../src/pbx/pbx-reader.js';
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
    const reader = new PbxReader(
      shell,
      {
        fwconsole: config.pbx.fwconsole,
        schmoozeDir: config.pbx.schmoozeDir,
        tty: config.pbx.tty,
        readTimeoutMs: config.pbx.readTimeout,
        saveRaw: makeRawSaver(config.store.path, () => systemClock.now()),
      },
      log,
    );
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
