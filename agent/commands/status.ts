import { withClockWarnings } from '../../src/app/future-records.js';
import { buildStatus, type StatusReport } from '../../src/app/status.js';
import { systemClock } from '../../src/core/clock.js';
import { calendarDate } from '../../src/core/expiry.js';
import { probeSettings, renewalSource } from '../../src/renewals/settings.js';
import { renderStatus } from '../../src/ui/status-view.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson } from '../output.js';
import { openForReading } from '../read-runtime.js';
import type { GlobalOptions } from '../runtime.js';

export interface StatusOptions extends GlobalOptions {
  readonly deployment?: string;
}

/** Reads the local store only: no PBX, no network. */
export async function statusCommand(options: StatusOptions): Promise<number> {
  const { config, store, tty } = await openForReading(options);
  const today = calendarDate(systemClock.now(), config.timeZone);
  const renewals = { source: renewalSource(config), probe: probeSettings(config), now: systemClock.now() };
  let report: StatusReport = { today, renewalSource: renewals.source, deployments: [] };
  if (store) {
    try {
      report = withClockWarnings(buildStatus(store, today, config.pbx.moduleAliases, options.deployment, renewals), systemClock.now(), config.clock.maxSkew);
    } finally {
      store.close();
    }
  }
  if (options.json) printJson(report);
  else print(renderStatus(report, tty));
  return EXIT.ok;
}
