import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTimelineReport } from '../../src/app/timeline-report.js';
import { Store } from '../../src/store/store.js';
import { renderReportText } from '../../src/ui/report-view.js';
import { renderTimelinePage } from '../../src/ui/timeline-page.js';
import { recordCheck } from '../helpers/report-store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const NOW = new Date('2026-11-26T09:00:00.000Z');
const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'quotes'`;

function store(): Store {
  const s = Store.open(join(tmp(), 'agent.db'));
  recordCheck(s, {
    id: '631001',
    host: 'rome',
    product: HOSTILE,
    at: '2026-01-10T02:00:00.000Z',
    items: [
      ['module-license', 'zulu', '2026-02-01', HOSTILE],
      ['module-license', 'cos', '2027-03-01'],
    ],
  });
  recordCheck(s, {
    id: '631001',
    host: 'rome',
    product: HOSTILE,
    at: '2026-11-25T02:00:00.000Z',
    items: [
      ['module-license', 'zulu', '2027-02-01', HOSTILE],
      ['module-license', 'cos', '2027-03-01'],
      ['module-license', 'broadcast', '2026-11-20'],
      ['module-license', 'endpoint', 'never'],
      ['activation', null, '2031-01-01'],
    ],
  });
  recordCheck(s, { id: '631002', host: 'milan', at: '2026-11-25T02:00:00.000Z', items: [['module-license', 'cos', '2026-12-01']] });
  return s;
}

describe('timeline page', () => {
  it('escapes every text from the store and holds no script, no link out of the page', () => {
    const html = renderTimelinePage(buildTimelineReport(store(), { now: NOW, today: '2026-11-26' }));

    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&#39;quotes&#39;');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('has a row per item with its band and days left, deployments most urgent first, and the renewal of the last year marked', () => {
    const html = renderTimelinePage(buildTimelineReport(store(), { now: NOW, today: '2026-11-26' }));

    const rows = [...html.matchAll(/<div class="row" data-item="([^"]+)" data-band="([^"]+)" data-days-left="([^"]*)"/g)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual([
      ['license:broadcast', 'expired', '-6'],
      ['license:zulu', 'within-90', '67'],
      ['license:cos', 'later', '95'],
      ['activation', 'later', '1497'],
      ['license:endpoint', 'never', ''],
      ['license:cos', 'within-30', '5'],
    ]);
    expect([...html.matchAll(/<section class="deployment" id="dep-(\d+)"/g)].map((m) => m[1])).toEqual(['631001', '631002']);
    expect(html.match(/class="renewal"/g)).toHaveLength(1);
    expect(html).toContain('title="renewed 2026-11-25: 2026-02-01 to 2027-02-01"');
    expect(html).toMatch(/data-figure="expired"><b>1</);
    expect(html).toMatch(/data-figure="within-30"><b>1</);
    expect(html).toMatch(/data-figure="within-90"><b>2</);
    expect(html).toContain('2026-11-25 02:00 UTC');
  });

  it('an empty store says nothing is recorded yet', () => {
    const html = renderTimelinePage(buildTimelineReport(Store.open(join(tmp(), 'agent.db')), { now: NOW, today: '2026-11-26' }));

    expect(html).toContain('Nothing recorded yet.');
  });

  it('report (text): the figures and one line per deployment', () => {
    const text = renderReportText(buildTimelineReport(store(), { now: NOW, today: '2026-11-26' }), false);

    expect(text).toMatch(/^6 items on 2 deployments \(days counted from 2026-11-26\): 1 expired, 1 within 30 days, 2 within 90 days\./);
    expect(text).toMatch(/rome\s+631001\s+2026-11-20 broadcast licence\s+expired 6d ago\s+1\s+0\s+1\s+2026-11-25 02:00 UTC/);
  });
});
