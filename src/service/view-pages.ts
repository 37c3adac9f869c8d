import type { AgentConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { calendarDate } from '../core/expiry.js';
import type { ListenerPages } from '../metrics/server.js';
import type { Store } from '../store/store.js';

/**
 * The calendar feed and the timeline page as the daemon serves them (`/calendar.ics`, `/`), built from the
 * store at each request with the configuration in force. Their code is loaded at the first request: a
 * daemon nobody asks for them stays as small as before.
 */
export function viewPages(store: Store, clock: Clock, config: () => AgentConfig): ListenerPages {
  return {
    async calendar() {
      const [{ buildRenewalReport }, { calendarParts }] = await Promise.all([import('../app/renewal-report.js'), import('../ui/calendar-feed.js')]);
      const today = calendarDate(clock.now(), config().timeZone);
      const report = store.guard((s) => buildRenewalReport(s, { today, withinDays: null, revisions: true }));
      return calendarParts(report, config().alerts);
    },
    async timeline() {
      const [{ buildTimelineReport }, { timelinePageParts }] = await Promise.all([import('../app/timeline-report.js'), import('../ui/timeline-page.js')]);
      const now = clock.now();
      return timelinePageParts(store.guard((s) => buildTimelineReport(s, { now, today: calendarDate(now, config().timeZone) })));
    },
  };
}
