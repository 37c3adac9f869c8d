import { buildRenewalReport, type RenewalReport } from '../../src/app/renewal-report.js';
import { systemClock } from '../../src/core/clock.js';
import { calendarDate } from '../../src/core/expiry.js';
import { CALENDAR_VIEWS } from '../../src/ui/calendar-feed.js';
import { EXIT } from '../exit-codes.js';
import { chooseFormat, parseWithin } from '../format.js';
import { openForReading } from '../read-runtime.js';
import type { GlobalOptions } from '../runtime.js';
import { writeOutput } from '../write-output.js';

export interface CalendarOptions extends GlobalOptions {
  readonly output?: string;
  /** Only items expiring within this period (and expired ones); default: every dated item. */
  readonly within?: string;
  readonly deployment?: string;
}

/** The iCalendar feed (or its events as JSON), from the local store only. */
export async function calendarCommand(options: CalendarOptions): Promise<number> {
  const format = chooseFormat(options, ['json'], 'ics');
  const withinDays = options.within === undefined ? null : parseWithin(options.within);
  const { config, store } = await openForReading(options);
  const today = calendarDate(systemClock.now(), config.timeZone);
  let report: RenewalReport = { today, until: null, deployments: [] };
  if (store) {
    try {
      report = store.guard((s) => buildRenewalReport(s, { today, withinDays, deploymentId: options.deployment, revisions: true }));
    } finally {
      store.close();
    }
  }
  writeOutput(options.output, CALENDAR_VIEWS.get(format)!({ report, settings: config.alerts }, { colour: false }));
  return EXIT.ok;
}
