import { thresholdsFor, type ThresholdSettings } from '../alerts/expiry-policy.js';
import { RENEW_COMMAND } from '../alerts/messages.js';
import type { RenewalReport, ReportDeployment, ReportItem } from '../app/renewal-report.js';
import { addDays } from '../core/expiry.js';
import { icsDate, icsDateTime, IcsWriter } from './icalendar.js';
import { jsonView, type Format, type View, type Views } from './views.js';

/**
 * The calendar feed: one all-day event per item with a date, on its expiry day. Its UID names the
 * deployment and the item, so a renewal moves the same event (a higher SEQUENCE: the number of date
 * changes recorded for the item) instead of adding a second one. Reminders (VALARM) at the alert
 * thresholds that are still ahead; `never` items have no event.
 */
export interface CalendarEvent {
  readonly uid: string;
  /** Date changes recorded after the item was first seen. */
  readonly sequence: number;
  /** When the item's date last changed (DTSTAMP, LAST-MODIFIED). */
  readonly stamp: string;
  readonly date: string;
  readonly summary: string;
  readonly description: string;
  /** Days before the date at which a reminder fires, most distant first. */
  readonly alarms: readonly number[];
  readonly deploymentId: string;
  readonly host: string;
  readonly item: string;
}

export interface CalendarFeed {
  readonly today: string;
  readonly events: CalendarEvent[];
}

export const CALENDAR_VIEWS: Views<CalendarFeed> = new Map<Format, View<CalendarFeed>>([
  ['ics', renderCalendar],
  ['json', jsonView],
]);

/** `report` must have been built with `revisions`. */
export function calendarFeed(report: RenewalReport, settings: Pick<ThresholdSettings, 'thresholds' | 'perModule'>): CalendarFeed {
  const events = report.deployments.flatMap((d) => d.items.filter((i) => i.expiry !== 'never').map((i) => calendarEvent(d, i, report.today, settings)));
  return { today: report.today, events };
}

function calendarEvent(d: ReportDeployment, i: ReportItem, today: string, settings: Pick<ThresholdSettings, 'thresholds' | 'perModule'>): CalendarEvent {
  const pbx = d.host === 'local' ? `PBX ${d.deploymentId}` : `PBX ${d.host} (${d.deploymentId})`;
  // Short: a fleet's feed holds tens of thousands of events.
  const description = [
    `Deployment ${d.deploymentId}${d.productName ? ` (${d.productName})` : ''}, host ${d.host}.`,
    `${i.label} (${i.item}) expires on ${i.expiry}.`,
    ...(i.renewalSeen ? [`The portal already shows a renewal until ${i.renewalSeen}; the next check applies it.`] : []),
    `Renew it in the Sangoma portal ("Module Renewal by Deployment", deployment ${d.deploymentId}), then run \`${RENEW_COMMAND}\` on the PBX.`,
  ].join('\n');
  return {
    uid: `${d.deploymentId}-${i.item.replace(/[^A-Za-z0-9.-]/g, '-')}@pbx-activation-agent`,
    sequence: Math.max(0, (i.revision?.changes ?? 1) - 1),
    stamp: i.revision?.lastChangedAt ?? `${today}T00:00:00.000Z`,
    date: i.expiry,
    summary: `Expires: ${i.label}, ${pbx}`,
    description,
    // A reminder already in the past would pop up as "missed" when a calendar subscribes: left out.
    alarms: thresholdsFor(i, settings).filter((days) => i.daysLeft !== null && days <= i.daysLeft),
    deploymentId: d.deploymentId,
    host: d.host,
    item: i.item,
  };
}

export function renderCalendar(feed: CalendarFeed): string {
  const head = new IcsWriter()
    .begin('VCALENDAR')
    .raw('VERSION', '2.0')
    .raw('PRODID', '-//pbx-activation-agent//licence expiries//EN')
    .raw('CALSCALE', 'GREGORIAN')
    .raw('METHOD', 'PUBLISH')
    .text('NAME', 'PBX licence expiries')
    .text('X-WR-CALNAME', 'PBX licence expiries')
    // RFC 7986 and its older Microsoft/Apple spelling: how often a subscriber should fetch the feed again.
    .raw('REFRESH-INTERVAL;VALUE=DURATION', 'PT6H')
    .raw('X-PUBLISHED-TTL', 'PT6H')
    .toString();
  // One string per event, joined once: a fleet's feed holds 50,000 events.
  const events = feed.events.map((e) => {
    const ics = new IcsWriter()
      .begin('VEVENT')
      .text('UID', e.uid)
      .raw('SEQUENCE', String(e.sequence))
      .raw('DTSTAMP', icsDateTime(e.stamp))
      .raw('DTSTART;VALUE=DATE', icsDate(e.date))
      .raw('DTEND;VALUE=DATE', icsDate(addDays(e.date, 1)))
      .text('SUMMARY', e.summary)
      .text('DESCRIPTION', e.description)
      .raw('TRANSP', 'TRANSPARENT');
    for (const days of e.alarms) ics.block(alarm(days));
    return ics.end('VEVENT').toString();
  });
  return `${head}${events.join('')}END:VCALENDAR\r\n`;
}

const alarms = new Map<number, string>();

/** A reminder `days` before the event; the same for every event, so rendered once (the calendar shows the event's summary with it). */
function alarm(days: number): string {
  let text = alarms.get(days);
  if (text === undefined) {
    const when = days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`;
    text = ['BEGIN:VALARM', 'ACTION:DISPLAY', `TRIGGER:${days === 0 ? 'PT0S' : `-P${days}D`}`, `DESCRIPTION:PBX licence expires ${when}`, 'END:VALARM'].join('\r\n');
    alarms.set(days, text);
  }
  return text;
}
