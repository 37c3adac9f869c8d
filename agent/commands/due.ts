import { buildRenewalReport, type RenewalReport } from '../../src/app/renewal-report.js';
import { systemClock } from '../../src/core/clock.js';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { DUE_VIEWS } from '../../src/ui/due-view.js';
import { EXIT } from '../exit-codes.js';
import { chooseFormat, parseWithin } from '../format.js';
import { print } from '../output.js';
import { openForReading } from '../read-runtime.js';
import type { GlobalOptions } from '../runtime.js';

export interface DueOptions extends GlobalOptions {
  readonly within?: string;
  readonly deployment?: string;
  readonly csv?: boolean;
}

/** The renewal shopping list, from the local store only. Exit 0, also when the list is empty. */
export async function dueCommand(options: DueOptions): Promise<number> {
  const format = chooseFormat(options, ['csv', 'json']);
  const withinDays = parseWithin(options.within ?? '90d');
  const { config, store, tty } = await openForReading(options);
  const today = calendarDate(systemClock.now(), config.timeZone);
  let report: RenewalReport = { today, until: addDays(today, withinDays), deployments: [] };
  if (store) {
    try {
      report = store.guard((s) => buildRenewalReport(s, { today, withinDays, deploymentId: options.deployment }));
    } finally {
      store.close();
    }
  }
  print(DUE_VIEWS.get(format)!(report, { colour: tty }));
  return EXIT.ok;
}
