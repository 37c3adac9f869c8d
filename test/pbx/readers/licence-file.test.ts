import { describe, expect, it } from 'vitest';
import { isLicenceFileName, licenceFileHeader, readLicenceFile } from '../../../src/pbx/readers/licence-file.js';

const ZEND = 'Product-Name = PBXact\nExpires = 04-Sep-2030\nsysadmin_exp = 2027-06-14\nProduced-By = Zend Guard\nVerification-Code = c2lnbmVkIGJvZHk=\n';
// The shape make_license writes: header lines (exposed properties), then the encoded block.
const IONCUBE = [
  'Product-Name: PBXact UC',
  'Licensed-To: Example Telecom Ltd',
  '------ LICENSE FILE DATA -------',
  'TV4T0X720hezwwcBmG4bBrlg822dmi7R',
  '5H6swAK1E3IuiYMoPNgsaQpyRkMIjrvH',
  'NfNPCrRHyg9/BOk/JCqGpZyE',
  '--------------------------------',
  '',
].join('\n');

describe('licence files', () => {
  it.each([
    ['license-63198234567.zl', true],
    ['schmooze.zl', true],
    ['pbxid', false],
    ['license-1.zl.bak', false],
    ['other.zl', false],
  ])('%s is a licence file: %s', (name, yes) => {
    expect(isLicenceFileName(name)).toBe(yes);
  });

  it('reads a Zend licence file', () => {
    const reading = readLicenceFile(ZEND);

    expect(reading.kind === 'zend' && reading.items.map((i) => i.item)).toEqual(['activation', 'license:sysadmin']);
  });

  it('reports a Zend file that contradicts itself instead of reading half of it', () => {
    const reading = readLicenceFile(ZEND.replace('Produced-By', 'sysadmin_exp = 2031-01-01\nProduced-By'));

    expect(reading).toEqual({ kind: 'contradictory', note: expect.stringMatching(/conflicting expiry of licence "sysadmin".*trusting fwconsole/) });
  });

  it('recognises an ionCube licence and skips it with a note, never reading its header or body as fields', () => {
    expect(readLicenceFile(IONCUBE)).toEqual({ kind: 'ioncube', note: expect.stringContaining('ionCube licence file') });
    expect(readLicenceFile(`Expires = 2030-01-01\nVerification-Code = x\nProduct-Name = y\n${IONCUBE}`).kind).toBe('ioncube');
  });

  it.each([
    ['binary', '\u0000\u0001\u0002ZEND\u0000\u00ff'],
    ['empty', ''],
    ['base64 only', 'TV4T0X720hezwwcBmG4bBrlg822dmi7R\n5H6swAK1E3IuiYMoPNgsaQpyRkMIjrvH\n'],
    ['the data marker alone', '------ LICENSE FILE DATA -------'],
  ])('does not crash on %s', (_what, text) => {
    expect(() => readLicenceFile(text)).not.toThrow();
    expect(() => licenceFileHeader(text)).not.toThrow();
  });

  it('keeps the readable head for a capture, never the signature or the encoded body', () => {
    expect(licenceFileHeader(ZEND)).toEqual([
      'Product-Name = PBXact',
      'Expires = 04-Sep-2030',
      'sysadmin_exp = 2027-06-14',
      'Produced-By = Zend Guard',
      'Verification-Code = (left out)',
    ]);
    expect(licenceFileHeader(IONCUBE)).toEqual(['Product-Name: PBXact UC', 'Licensed-To: Example Telecom Ltd']);
    expect(licenceFileHeader('TV4T0X720hezwwcBmG4bBrlg822dmi7R\n')).toEqual([]);
  });
});
