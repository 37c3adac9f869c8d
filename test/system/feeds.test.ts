import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarDate } from '../../src/core/expiry.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { makeFleetStore } from '../helpers/fleet-store.js';
import { recordCheck } from '../helpers/report-store.js';
import { requireTool } from '../helpers/require-tool.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * The calendar feed through Debian's python3-icalendar and `due --csv` through Python's csv module
 * (strict), on the sandbox and on a 200-host fleet store: what a calendar and a spreadsheet would read.
 */
const tmp = useTmpDirs();

const ICS_READER = `
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
print(json.dumps([{
  'uid': str(e['UID']), 'start': e['DTSTART'].dt.isoformat(), 'end': e['DTEND'].dt.isoformat(),
  'allDay': not hasattr(e['DTSTART'].dt, 'hour'), 'sequence': int(e['SEQUENCE']), 'summary': str(e['SUMMARY']),
  'description': str(e['DESCRIPTION']), 'alarms': [a['TRIGGER'].to_ical().decode() for a in e.walk('VALARM')],
} for e in cal.walk('VEVENT')]))
`;

const CSV_READER = `
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
  print(json.dumps(list(csv.reader(f, strict=True))))
`;

interface IcsEvent {
  readonly uid: string;
  readonly start: string;
  readonly end: string;
  readonly allDay: boolean;
  readonly sequence: number;
  readonly summary: string;
  readonly description: string;
  readonly alarms: string[];
}

function python(script: string, file: string): unknown {
  const py = requireTool('python3', 'python3', ['/usr/bin']);
  try {
    execFileSync(py, ['-c', 'import icalendar']);
  } catch {
    throw new Error('python3-icalendar is not installed: apt-get install python3-icalendar (.ci/run does this)');
  }
  return JSON.parse(execFileSync(py, ['-c', script, file], { maxBuffer: 256 * 1024 * 1024 }).toString());
}

async function cliToFile(args: string[], file: string): Promise<string> {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  writeFileSync(file, result.stdout);
  return file;
}

function fleet(): { dir: string; config: string; store: string } {
  const dir = tmp();
  const store = join(dir, 'agent.db');
  makeFleetStore(store, 200, calendarDate(new Date())).close();
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ store: { path: store } }));
  return { dir, config, store };
}

describe('the feeds, read by real parsers', () => {
  it('the sandbox: the .ics parses with python3-icalendar, due --csv with Python csv (strict)', async () => {
    const dir = join(tmp(), 'sandbox');
    expect((await runCli(['sandbox', 'init', dir])).code).toBe(0);
    const config = join(dir, 'agent.json');
    const ics = join(dir, 'expiries.ics');
    expect((await runCli(['calendar', '--output', ics, '--config', config])).code).toBe(0);
    const csvFile = await cliToFile(['due', '--csv', '--config', config], join(dir, 'due.csv'));

    const events = python(ICS_READER, ics) as IcsEvent[];
    const rows = python(CSV_READER, csvFile) as string[][];

    expect(events).toHaveLength(10);
    expect(new Set(events.map((e) => e.uid)).size).toBe(10);
    expect(events.every((e) => e.allDay)).toBe(true);
    expect(events.find((e) => e.uid === '63198234567-license-zulu@pbx-activation-agent')?.summary).toBe('Expires: zulu licence, PBX 63198234567');
    expect(rows[0]).toEqual(['host', 'deployment_id', 'product', 'item', 'kind', 'label', 'expiry', 'days_left', 'renewal_seen']);
    expect(rows.slice(1).map((r) => r[3])).toEqual(['license:areminder', 'license:broadcast', 'license:callaccounting', 'support-contract', 'license:zulu', 'license:cdrpro']);
  });

  it('a 200-host fleet store: every dated item an event, text with commas, quotes and accents intact; a renewal moves its event', async () => {
    const { dir, config, store } = fleet();
    const ics = join(dir, 'expiries.ics');
    expect((await runCli(['calendar', '--output', ics, '--config', config])).code).toBe(0);

    const before = python(ICS_READER, ics) as IcsEvent[];
    const host = '63200000000';
    const renewed = `${host}-license-callaccounting@pbx-activation-agent`;
    const old = before.find((e) => e.uid === renewed)!;
    const s = Store.open(store);
    const items = s.expiries.items(host).map((i): [typeof i.kind, string | null, string, string] => [i.kind, i.moduleKey, i.item === 'license:callaccounting' ? '2031-05-05' : i.expiry, i.label]);
    recordCheck(s, { id: host, host: 'pbx-001', product: 'PBXact UC 50', at: new Date().toISOString(), items });
    s.close();
    // The whole feed was read above; python3-icalendar takes about 30 s per 4,000 events, so after the renewal only this host's.
    const mine = before.filter((e) => e.uid.startsWith(`${host}-`));
    expect((await runCli(['calendar', '--deployment', host, '--output', ics, '--config', config])).code).toBe(0);
    const after = python(ICS_READER, ics) as IcsEvent[];

    // 200 hosts x 22 items, less the 67 endpoint licences that never expire.
    expect(before).toHaveLength(200 * 22 - 67);
    expect(old.summary).toBe('Expires: Contabilità chiamate, "Pro" licence, PBX pbx-001 (63200000000)');
    expect(old.description).toContain('Deployment 63200000000 (PBXact UC 50), host pbx-001.\n');
    expect(after.map((e) => e.uid).sort()).toEqual(mine.map((e) => e.uid).sort());
    const moved = after.find((e) => e.uid === renewed)!;
    expect(moved.start).toBe('2031-05-05');
    expect(moved.end).toBe('2031-05-06');
    expect(moved.sequence).toBe(old.sequence + 1);
    expect(moved.alarms).toEqual(['-P60D', '-P30D', '-P14D', '-P7D', '-P3D', '-P1D']);
  }, 300_000);

  it('a 200-host fleet store: due --csv is well-formed for a spreadsheet', async () => {
    const { dir, config } = fleet();
    const csvFile = await cliToFile(['due', '--csv', '--within', '3650d', '--config', config], join(dir, 'due.csv'));

    const rows = python(CSV_READER, csvFile) as string[][];

    expect(rows).toHaveLength(1 + 200 * 22 - 67);
    expect(rows.every((r) => r.length === 9)).toBe(true);
    expect(rows.filter((r) => r[5] === 'Contabilità chiamate, "Pro" licence')).toHaveLength(200);
    expect(rows.filter((r) => r[2] === 'FreePBX 17, Commercial')).toHaveLength(100 * 22 - 33);
  });
});
