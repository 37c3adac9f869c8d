import { describe, expect, it } from 'vitest';
import type { RenewalReport } from '../../src/app/renewal-report.js';
import { csvDocument, csvField, untrusted } from '../../src/ui/csv.js';
import { renderDueCsv } from '../../src/ui/due-view.js';

describe('CSV (RFC 4180)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
  ])('%j is written as %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it('numbers as they are, null as an empty field; a header row and CRLF after every record', () => {
    expect(csvDocument(['a', 'b', 'c'], [[1, null, -12], ['x', 'y,z', 0]])).toBe('a,b,c\r\n1,,-12\r\nx,"y,z",0\r\n');
  });

  it.each(['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tcmd', '\r=1'])('text from outside starting a formula (%j) gets a leading quote', (text) => {
    expect(untrusted(text)).toBe(`'${text}`);
  });

  it('leaves other text alone', () => {
    expect(untrusted('Rome PBX')).toBe('Rome PBX');
    expect(untrusted(null)).toBeNull();
  });

  it('due --csv: one record per item, outside text guarded, quoted where needed, our own numbers untouched', () => {
    const report: RenewalReport = {
      today: '2026-11-26',
      until: '2027-02-24',
      deployments: [
        {
          deploymentId: '631001',
          host: '-rome',
          productName: 'PBXact, "UC" 25',
          lastSuccessfulCheck: null,
          items: [
            { item: 'license:zulu', kind: 'module-license', moduleKey: 'zulu', label: '=cmd|calc', expiry: '2026-11-20', daysLeft: -6, band: 'expired', renewalSeen: '2027-11-20' },
          ],
        },
      ],
    };

    expect(renderDueCsv(report)).toBe(
      'host,deployment_id,product,item,kind,label,expiry,days_left,renewal_seen\r\n' +
        `'-rome,631001,"PBXact, ""UC"" 25",license:zulu,module-license,'=cmd|calc,2026-11-20,-6,2027-11-20\r\n`,
    );
  });
});
