import { buildTimelineReport, type TimelineReport } from '../../src/app/timeline-report.js';
import { systemClock } from '../../src/core/clock.js';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { REPORT_VIEWS } from '../../src/ui/report-view.js';
import { EXIT } from '../exit-codes.js';
import { chooseFormat } from '../format.js';
import { openForReading } from '../read-runtime.js';
import type { GlobalOptions } from '../runtime.js';
import { writeOutput } from '../write-output.js';

export interface ReportOptions extends GlobalOptions {
  /** Write the timeline page here ("-": stdout). */
  readonly html?: string;
  readonly deployment?: string;
}

/** Summary figures per deployment, or the timeline page (`--html FILE`), from the local store only. */
export async function reportCommand(options: ReportOptions): Promise<number> {
  const format = chooseFormat({ ...options, html: options.html !== undefined }, ['html', 'json']);
  const { config, store, tty } = await openForReading(options);
  const now = systemClock.now();
  const today = calendarDate(now, config.timeZone);
  let report: TimelineReport = {
    generatedAt: now.toISOString(),
    today,
    renewalsSince: addDays(today, -365),
    summary: { deployments: 0, items: 0, expired: 0, within30: 0, within90: 0 },
    overview: [],
    deployments: [],
  };
  if (store) {
    try {
      report = store.guard((s) => buildTimelineReport(s, { now, today, deploymentId: options.deployment, renewals: format !== 'text' }));
    } finally {
      store.close();
    }
  }
  writeOutput(format === 'html' ? options.html : undefined, REPORT_VIEWS.get(format)!(report, { colour: tty }));
  return EXIT.ok;
}
