import { existsSync } from 'node:fs';
import { buildStatus, type StatusReport } from '../../src/app/status.js';
import { calendarDate } from '../../src/core/expiry.js';
import { systemClock } from '../../src/core/clock.js';
import { Store } from '../../src/store/store.js';
import { renderStatus } from '../../src/ui/status-view.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';

export interface StatusOptions extends GlobalOptions {
  readonly deployment?: string;
}

/** Reads the local store only: no PBX, no network. */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const { loaded, tty } = startRuntime(options);
  const { config } = loaded;
  const today = calendarDate(systemClock.now(), config.timeZone);
  let report: StatusReport = { today, deployments: [] };
  if (existsSync(config.store.path)) {
    const store = Store.open(config.store.path, { readonly: true });
    try {
      report = buildStatus(store, today, config.pbx.moduleAliases, options.deployment);
    } finally {
      store.close();
    }
  }
  if (options.json) printJson(report);
  else print(renderStatus(report, tty));
  return EXIT.ok;
}
