import { describe, expect, it } from 'vitest';
import { formatExpiry } from '../../../src/core/expiry.js';
import { extractFields } from '../../../src/pbx/readers/fields.js';
import { decodeSupportContract, parseLicenceInfo } from '../../../src/pbx/readers/licence-info.js';

const contract = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');

function items(text: string): Array<[string, string]> {
  const parsed = parseLicenceInfo(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value.items.map((i) => [i.item, formatExpiry(i.expiry)]);
}

describe('parseLicenceInfo', () => {
  it('reads sa info Key: Value lines with the ionCube noise first', () => {
    const text = [
      'Cannot load the ionCube PHP Loader - it was already loaded',
      'Deployment ID: 631234567',
      'Activation Expiry: 04-Sep-2030',
      `support_contract: ${contract({ expiration: '2027-01-10', organization_name: 'ACME' })}`,
      'global_lic_exp: 2027-06-14',
      'areminder_exp: 2026-12-01',
      'cdrpro_exp: 24-Feb-2027',
      'endpoint_exp: Never',
      'zulu_users: 25',
    ].join('\n');

    const parsed = parseLicenceInfo(text);

    expect(parsed.ok && parsed.value.deploymentId).toBe('631234567');
    expect(parsed.ok && parsed.value.supportContract?.organization).toBe('ACME');
    expect(items(text)).toEqual([
      ['activation', '2030-09-04'],
      ['support-contract', '2027-01-10'],
      ['license:global', '2027-06-14'],
      ['license:areminder', '2026-12-01'],
      ['license:cdrpro', '2027-02-24'],
      ['license:endpoint', 'never'],
    ]);
  });

  it('reads the sa update licence table, Expires standing for activation', () => {
    const text = [
      '+------------------+------------+',
      '| Key              | Value      |',
      '+------------------+------------+',
      '| Product-Name     | PBXact     |',
      '| Expires          | Never      |',
      '| areminder_exp    | 2026-12-01 | extra |',
      '+------------------+------------+',
    ].join('\r\n');

    expect(items(text)).toEqual([
      ['activation', 'never'],
      ['license:areminder', '2026-12-01'],
    ]);
  });

  it.each([
    ['Item', 'Value'],
    ['Elemento', 'Valore'],
  ])('does not record the %s | %s header of an sa update table as a field', (item, value) => {
    const text = [
      '+-----------------+------------+',
      `| ${item} | ${value} |`,
      '+-----------------+------------+',
      '| Expires         | 2030-09-04 |',
      '| sysadmin_exp    | 2027-06-14 |',
      '+-----------------+------------+',
    ].join('\n');
    const fields = extractFields(text.split('\n')).map((f) => f.key);

    expect(fields).toEqual(['expires', 'sysadmin_exp']);
    expect(items(text)).toEqual([
      ['activation', '2030-09-04'],
      ['license:sysadmin', '2027-06-14'],
    ]);
  });

  it('reads Zend licence file lines (Entry = Value)', () => {
    const text = 'Product-Name = PBXact\nExpires = 04-Sep-2030\nsysadmin_exp = 2027-06-14\nVerification-Code = abc=';

    expect(items(text)).toEqual([
      ['activation', '2030-09-04'],
      ['license:sysadmin', '2027-06-14'],
    ]);
  });

  it('accepts a deployment with no module licences as a fact when it is clearly recognised', () => {
    const parsed = parseLicenceInfo('Deployment ID: 631234567\nActivation Expiry: 04-Sep-2030\n');

    expect(parsed.ok && parsed.value.items.map((i) => i.item)).toEqual(['activation']);
  });

  it.each([
    ['nothing', ''],
    ['blank lines', '\n\n  \n'],
    ['only the ionCube line', 'Cannot load the ionCube PHP Loader - it was already loaded\n'],
    ['an HTML error page', '<html><body><h1>500 Internal Server Error</h1></body></html>'],
    ['unrelated fields', 'Foo: bar\nBaz: qux'],
  ])('refuses %s instead of reporting "no modules"', (_what, text) => {
    expect(parseLicenceInfo(text).ok).toBe(false);
  });

  it.each([
    ['an epoch number as a date', 'areminder_exp: 1699999999'],
    ['an impossible date', 'areminder_exp: 2026-02-30'],
    ['a support contract that is not base64', 'support_contract: ***'],
    ['a support contract without expiration', `support_contract: ${contract({ organization_name: 'x' })}`],
    ['a support contract with a bad date', `support_contract: ${contract({ expiration: 'soon' })}`],
  ])('reports %s as unrecognised, naming the value', (_what, text) => {
    const parsed = parseLicenceInfo(`Deployment ID: 631234567\n${text}`);

    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toMatch(/support_contract|areminder_exp/);
  });
});

describe('decodeSupportContract', () => {
  it('decodes base64 JSON with expiration and organization_name', () => {
    expect(decodeSupportContract(contract({ expiration: '2024-09-01', organization_name: 'ACME' }))).toEqual({
      ok: true,
      value: { expiry: { kind: 'date', date: '2024-09-01' }, organization: 'ACME' },
    });
  });
});
