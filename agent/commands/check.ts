import { runCheck } from '../../src/app/check.js';
import { makeRawSaver } from '../../src/app/raw-capture.js';
import { systemClock } from '../../src/core/clock.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { PbxReader } from '../../src/pbx/pbx-reader.js';
import { Store } from '../../src/store/store.js';
import { renderCheck } from '../../src/ui/check-view.js';
import { startAlerts } from '../alerting.js';
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
    // Built first: a broken channel is a configuration error (78) before anything runs. A dry run sends nothing.
    const alerts = options.dryRun ? null : await startAlerts(loaded, store, log);
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
    // Alerts come from what was recorded; delivery problems are logged and kept in the outbox, not an exit code.
    await alerts?.run(systemClock.now());
    return exitForOutcome(result.outcome);
  } finally {
    await shell.close();
    store.close();
  }
}
