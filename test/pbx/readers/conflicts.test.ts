import { describe, expect, it } from 'vitest';
import { formatExpiry } from '../../../src/core/expiry.js';
import { parseZendLicenceFile } from '../../../src/pbx/readers/licence-file.js';
import { parseLicenceInfo } from '../../../src/pbx/readers/licence-info.js';
import { parseModuleList } from '../../../src/pbx/readers/module-list.js';

const contract = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');
const base = ['Deployment ID: 631234567', 'Activation Expiry: 04-Sep-2030'];

function problem(text: string): string {
  const parsed = parseLicenceInfo(text);
  if (parsed.ok) throw new Error(`expected a refusal, got ${JSON.stringify(parsed.value.items)}`);
  return parsed.problem;
}

describe('sa info: one fact stated twice', () => {
  it.each([
    ['a module _exp twice', ['areminder_exp: 2026-12-01', 'areminder_exp: 2031-12-01'], /conflicting expiry of licence "areminder": "areminder_exp: 2026-12-01" and "areminder_exp: 2031-12-01"/],
    ['keys equal once lowercased (FOO)', ['cdrpro_exp: 2026-12-01', 'CDRPRO_exp: 2027-12-01'], /conflicting expiry of licence "cdrpro": "cdrpro_exp: 2026-12-01" and "CDRPRO_exp: 2027-12-01"/],
    ['keys equal once spaces and dashes are normalised', ['foo bar_exp: 2026-12-01', 'foo-bar_exp: 2027-12-01'], /conflicting expiry of licence "foo_bar"/],
    ['the global licence under two names', ['global_lic_exp: 2027-06-14', 'global_exp: 2028-06-14'], /conflicting expiry of licence "global"/],
    ['Deployment ID twice', ['Deployment ID: 999999999'], /conflicting deployment id: "Deployment ID: 631234567" and "Deployment ID: 999999999"/],
    ['Deployment ID and Deployment', ['Deployment: 999999999'], /conflicting deployment id: "Deployment ID: 631234567" and "Deployment: 999999999"/],
    ['DEPLOYMENT-ID and Deployment ID', ['DEPLOYMENT-ID: 777'], /conflicting deployment id/],
    ['Activation Expiry twice', ['Activation Expiry: 2031-01-01'], /conflicting activation expiry: "Activation Expiry: 04-Sep-2030" and "Activation Expiry: 2031-01-01"/],
    ['Activation Expiry and Expires', ['Expires: Never'], /conflicting activation expiry: "Activation Expiry: 04-Sep-2030" and "Expires: Never"/],
    ['Product-Name twice', ['Product-Name: PBXact', 'Product Name: FreePBX'], /conflicting product name: "Product-Name: PBXact" and "Product Name: FreePBX"/],
    [
      'the support contract and its date',
      [`support_contract: ${contract({ expiration: '2027-01-10' })}`, 'Support Contract Expiry: 2028-01-10'],
      /conflicting support contract expiry: support_contract says 2027-01-10 but "Support Contract Expiry" says 2028-01-10/,
    ],
    ['a support contract twice', [`support_contract: ${contract({ expiration: '2027-01-10' })}`, `support_contract: ${contract({ expiration: '2029-01-10' })}`], /conflicting support_contract/],
    ['a duplicated member inside support_contract', [`support_contract: ${Buffer.from('{"expiration":"2027-01-10","expiration":"2029-01-10"}').toString('base64')}`], /support_contract: member "expiration" .* appears twice with different values/],
  ])('%s: the read is refused, naming both', (_what, lines, message) => {
    expect(problem([...base, ...lines].join('\n'))).toMatch(message);
  });

  it.each([
    ['the same line twice', ['areminder_exp: 2026-12-01', 'areminder_exp: 2026-12-01']],
    ['the same date in two formats', ['cdrpro_exp: 2027-02-24', 'CDRPRO_exp: 24-Feb-2027']],
    ['Deployment ID repeated by the GUI form', ['Deployment ID 631234567']],
    ['Activation Expiry and Expires agreeing', ['Expires: 2030-09-04']],
    ['a support contract and its date agreeing', [`support_contract: ${contract({ expiration: '2027-01-10' })}`, 'Support Contract Expiry: 2027-01-10']],
    ['an empty repeat', ['Product-Name: PBXact', 'Product-Name:']],
  ])('%s is fine', (_what, lines) => {
    const parsed = parseLicenceInfo([...base, ...lines].join('\n'));

    expect(parsed.ok, parsed.ok ? '' : parsed.problem).toBe(true);
  });

  it('keeps every item of an agreeing output in output order', () => {
    const parsed = parseLicenceInfo([...base, 'areminder_exp: 2026-12-01', 'cdrpro_exp: 2027-02-24', 'AREMINDER_exp: 01-Dec-2026'].join('\n'));

    expect(parsed.ok && parsed.value.items.map((i) => [i.item, formatExpiry(i.expiry)])).toEqual([
      ['activation', '2030-09-04'],
      ['license:areminder', '2026-12-01'],
      ['license:cdrpro', '2027-02-24'],
    ]);
  });

  it('a Zend licence file that contradicts itself is reported, not half-read', () => {
    const text = 'Product-Name = PBXact\nExpires = 04-Sep-2030\nsysadmin_exp = 2027-06-14\nsysadmin_exp = 2029-06-14\nVerification-Code = abc=';

    expect(parseZendLicenceFile(text)).toEqual({ ok: false, problem: expect.stringMatching(/conflicting expiry of licence "sysadmin"/) });
  });
});

describe('ma list: a module listed twice', () => {
  const table = (rows: string[]) => ['+--------+---------+---------+------------+', '| Module | Version | Status  | License    |', ...rows].join('\n');

  it.each([
    ['in the table', table(['| cos    | 17.0.1  | Enabled | Commercial |', '| cos    | 17.0.1  | Disabled | Commercial |'])],
    ['in JSON lines', JSON.stringify({ status: true, data: [['cos', '17.0.1', 'Enabled', 'Commercial'], ['cos', '17.0.2', 'Enabled', 'Commercial']] })],
  ])('differently %s: refused, naming it', (_where, text) => {
    expect(parseModuleList(text)).toEqual({ ok: false, problem: expect.stringMatching(/^module "cos" is listed twice, differently: /) });
  });

  it('identically: read once', () => {
    const parsed = parseModuleList(table(['| cos | 17.0.1 | Enabled | Commercial |', '| cos | 17.0.1 | Enabled | Commercial |']));

    expect(parsed.ok && parsed.value.map((m) => m.name)).toEqual(['cos']);
  });

  it('a JSON line with a member given twice differently is refused', () => {
    const text = '{"status":true,"data":[["cos","17.0.1","Enabled","Commercial"]],"data":[["cos","17.0.1","Disabled","Commercial"]]}';

    expect(parseModuleList(text)).toEqual({ ok: false, problem: expect.stringMatching(/member "data" of the top-level object appears twice with different values/) });
  });
});
