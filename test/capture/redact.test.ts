import { describe, expect, it } from 'vitest';
import { findNames, redactFiles } from '../../src/capture/redact.js';

const contract = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');

describe('redaction', () => {
  it('finds customer names in fields, tables and the base64 support contract', () => {
    const texts = [
      'Registered-To: Acme Phones GmbH\nProduct-Name: PBXact\n',
      '| Licensed-To | Büro Müller |\n',
      `support_contract: ${contract({ expiration: '2027-01-01', organization_name: 'Acme Holding' })}\n`,
      'Owner = X\n',
    ];

    expect(findNames(texts)).toEqual(['Acme Holding', 'Acme Phones GmbH', 'Büro Müller']);
  });

  it('uses the same stand-in for the same value in every file and keeps every other byte, invalid UTF-8 included', () => {
    const files = new Map([
      ['a.txt', Buffer.from('Deployment ID: 631234567\nRegistered-To: Acme Phones GmbH\nversion 6312345678 stays\n')],
      ['b.json', Buffer.from('{"deploymentId":"631234567","who":"Acme Phones GmbH"}')],
      ['c.bin', Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(' 631234567 '), Buffer.from([0xc3])])],
      ['d.txt', Buffer.from(`support_contract: ${contract({ organization_name: 'Acme Phones GmbH', expiration: '2027-01-01' })}\n`)],
      ['license-631234567.zl.head', Buffer.from('Product-Name = PBXact\n')],
    ]);

    const { files: out, counts, redact } = redactFiles(files, { deploymentIds: ['631234567'], names: ['Acme Phones GmbH'] });

    expect(counts).toEqual({ deploymentIds: 1, names: 1 });
    expect(out.get('a.txt')!.toString()).toBe('Deployment ID: 900000001\nRegistered-To: Redacted Name 1\nversion 6312345678 stays\n');
    expect(out.get('b.json')!.toString()).toBe('{"deploymentId":"900000001","who":"Redacted Name 1"}');
    expect(out.get('c.bin')!.equals(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(' 900000001 '), Buffer.from([0xc3])]))).toBe(true);
    const token = out.get('d.txt')!.toString().split(' ')[1]!.trim();
    expect(JSON.parse(Buffer.from(token, 'base64').toString())).toEqual({ organization_name: 'Redacted Name 1', expiration: '2027-01-01' });
    expect(out.get('license-900000001.zl.head')!.toString()).toBe('Product-Name = PBXact\n');
    expect(redact('/etc/schmooze/license-631234567.zl (Acme Phones GmbH, Büro)')).toBe('/etc/schmooze/license-900000001.zl (Redacted Name 1, Büro)');
  });

  it('changes nothing when there is nothing to redact', () => {
    const files = new Map([['x', Buffer.from('nothing here\r\n')]]);

    expect(redactFiles(files, { deploymentIds: [], names: [] }).files.get('x')!.equals(files.get('x')!)).toBe(true);
  });
});
