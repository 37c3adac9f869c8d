import { thresholdsFor, type ThresholdSettings } from '../alerts/expiry-policy.js';
import { RENEW_COMMAND } from '../alerts/messages.js';
import type { RenewalReport, ReportDeployment, ReportItem } from '../app/renewal-report.js';
import { addDays } from '../core/expiry.js';
import { memoize } from '../core/memo.js';
import { escapeText, foldLine, icsDate, icsDateTime, IcsWriter } from './icalendar.js';
import { jsonView, type Format, type Rendered, type View, type Views } from './views.js';

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

type Settings = Pick<ThresholdSettings, 'thresholds' | 'perModule'>;

/** What `calendar` renders: the report (built with `revisions`) and the alert thresholds. */
export interface CalendarInput {
  readonly report: RenewalReport;
  readonly settings: Settings;
}

export const CALENDAR_VIEWS: Views<CalendarInput, Rendered> = new Map<Format, View<CalendarInput, Rendered>>([
  ['ics', (input) => calendarParts(input.report, input.settings)],
  ['json', (input) => jsonView(calendarFeed(input.report, input.settings))],
]);

/** The events as data (`--json`). `report` must have been built with `revisions`. */
export function calendarFeed(report: RenewalReport, settings: Settings): CalendarFeed {
  const events: CalendarEvent[] = [];
  for (const d of report.deployments) {
    const about = deploymentTexts(d, plain);
    for (const i of d.items) {
      if (i.expiry === 'never') continue;
      events.push({
        uid: `${about.uid}${uidPart(i.item)}@pbx-activation-agent`,
        sequence: sequenceOf(i),
        stamp: stampOf(i, report.today),
        date: i.expiry,
        summary: summaryOf(about, i, plain),
        description: descriptionOf(about, i, plain),
        alarms: alarmsOf(i, settings),
        deploymentId: d.deploymentId,
        host: d.host,
        item: i.item,
      });
    }
  }
  return { today: report.today, events };
}

/**
 * What the events of a deployment say about it (made once per deployment, not per item), in one form:
 * plain or as iCalendar TEXT. The texts are put together from pieces escaped on their own, which gives
 * the same as escaping the whole (no piece ends in CR where the next one starts with LF): escaping each
 * description whole cost more than the rest of the rendering (a fleet's feed holds 13 MB of them).
 */
interface DeploymentTexts {
  readonly uid: string;
  readonly summary: string;
  readonly head: string;
  readonly renew: string;
}

const plain = (text: string): string => text;

function deploymentTexts(d: ReportDeployment, escape: (text: string) => string): DeploymentTexts {
  return {
    uid: escape(`${d.deploymentId}-`),
    summary: escape(`, ${d.host === 'local' ? `PBX ${d.deploymentId}` : `PBX ${d.host} (${d.deploymentId})`}`),
    head: escape(`Deployment ${d.deploymentId}${d.productName ? ` (${d.productName})` : ''}, host ${d.host}.\n`),
    renew: escape(`Renew it in the Sangoma portal ("Module Renewal by Deployment", deployment ${d.deploymentId}), then run \`${RENEW_COMMAND}\` on the PBX.`),
  };
}

function summaryOf(about: DeploymentTexts, i: ReportItem, escape: (text: string) => string): string {
  return `Expires: ${escape(i.label)}${about.summary}`;
}

/** Short: a fleet's feed holds tens of thousands of events. */
function descriptionOf(about: DeploymentTexts, i: ReportItem, escape: (text: string) => string): string {
  const renewal = i.renewalSeen ? escape(`The portal already shows a renewal until ${i.renewalSeen}; the next check applies it.\n`) : '';
  return `${about.head}${escape(i.label)} (${escape(i.item)}) expires on ${i.expiry}.${escape('\n')}${renewal}${about.renew}`;
}

/** Date changes recorded after the item was first seen. */
function sequenceOf(i: ReportItem): number {
  return Math.max(0, (i.revision?.changes ?? 1) - 1);
}

function stampOf(i: ReportItem, today: string): string {
  return i.revision?.lastChangedAt ?? `${today}T00:00:00.000Z`;
}

function alarmsOf(i: ReportItem, settings: Settings): number[] {
  return alarmDays(thresholdsFor(i, settings), i.daysLeft);
}

/** A reminder already in the past would pop up as "missed" when a calendar subscribes: left out. */
function alarmDays(thresholds: readonly number[], daysLeft: number | null): number[] {
  return daysLeft === null ? [] : thresholds.filter((days) => days <= daysLeft);
}

/** An item id as the UID spells it (no character that needs escaping); the same few dozen ids recur on every deployment. */
const uidPart = memoize((item: string): string => item.replace(/[^A-Za-z0-9.-]/g, '-'));

/** The iCalendar feed of the report's dated items. `report` must have been built with `revisions`. */
export function renderCalendar(report: RenewalReport, settings: Settings): string {
  return [...calendarParts(report, settings)].join('');
}

/** The same feed in pieces of some 500 kB, in order, each made when it is taken: written as it is made, a fleet's 54 MB is never all kept at once. */
export function* calendarParts(report: RenewalReport, settings: Settings): Generator<string, void, undefined> {
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
  // A fleet's feed holds 50,000 events, rendered straight from the report (no event objects) into one string
  // each; what events share (dates, stamps, reminders, labels and item ids escaped) is made once.
  const escape = memoize(escapeText);
  const days = memoize((date: string) => `DTSTART;VALUE=DATE:${icsDate(date)}\r\nDTEND;VALUE=DATE:${icsDate(addDays(date, 1))}\r\n`);
  const stamps = memoize((stamp: string) => `DTSTAMP:${icsDateTime(stamp)}\r\n`);
  // An event's reminders follow from its thresholds (the same array for every item without its own) and its days left.
  const remindersBy = memoize((thresholds: readonly number[]) =>
    memoize((daysLeft: number | null) => alarmDays(thresholds, daysLeft).map(alarm).join('')),
  );
  yield head;
  let chunk: string[] = [];
  for (const d of report.deployments) {
    const about = deploymentTexts(d, escape);
    for (const i of d.items) {
      if (i.expiry === 'never') continue;
      const reminders = remindersBy(thresholdsFor(i, settings))(i.daysLeft);
      chunk.push(
        `BEGIN:VEVENT\r\n${line('UID', `${about.uid}${uidPart(i.item)}@pbx-activation-agent`)}SEQUENCE:${sequenceOf(i)}\r\n${stamps(stampOf(i, report.today))}${days(i.expiry)}` +
          `${line('SUMMARY', summaryOf(about, i, escape))}${line('DESCRIPTION', descriptionOf(about, i, escape))}TRANSP:TRANSPARENT\r\n${reminders}END:VEVENT\r\n`,
      );
      // Joined as it goes, into strings of some 500 kB: a write each, and never 50,000 trees of small pieces
      // kept alive for the garbage collector to move.
      if (chunk.length === CHUNK_EVENTS) {
        yield chunk.join('');
        chunk = [];
      }
    }
  }
  yield `${chunk.join('')}END:VCALENDAR\r\n`;
}

const CHUNK_EVENTS = 500;

/** A content line of a TEXT value already escaped, folded, with its CRLF. */
function line(name: string, escaped: string): string {
  return `${foldLine(`${name}:${escaped}`)}\r\n`;
}

/** A reminder `days` before the event, with its line end; the same for every event, so rendered once (the calendar shows the event's summary with it). */
const alarm = memoize((days: number): string => {
  const when = days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`;
  return ['BEGIN:VALARM', 'ACTION:DISPLAY', `TRIGGER:${days === 0 ? 'PT0S' : `-P${days}D`}`, `DESCRIPTION:PBX licence expires ${when}`, 'END:VALARM', ''].join('\r\n');
});
