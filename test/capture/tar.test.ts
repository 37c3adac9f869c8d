import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTarGz, TarError, writeTarGz } from '../../src/capture/tar.js';
import { requireTool } from '../helpers/require-tool.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

describe('tar.gz bundles', () => {
  const entries = [
    { name: 'manifest.json', data: Buffer.from('{"a":1}\n') },
    { name: 'commands/sa-info.stdout', data: Buffer.from('Deployment ID: 63198234567\r\nÜmlaut ✓\n') },
    { name: 'empty.txt', data: Buffer.alloc(0) },
    { name: `${'d'.repeat(90)}/${'f'.repeat(60)}.txt`, data: Buffer.alloc(1025, 7) },
  ];

  it('reads back exactly what it wrote, byte for byte', () => {
    const files = readTarGz(writeTarGz(entries));

    expect([...files.keys()]).toEqual(entries.map((e) => e.name));
    for (const e of entries) expect(files.get(e.name)!.equals(e.data)).toBe(true);
  });

  it('writes an archive GNU tar lists and extracts, and reads one GNU tar wrote', () => {
    const tar = requireTool('tar', 'tar');
    const dir = tmp();
    const bundle = join(dir, 'b.tar.gz');
    writeFileSync(bundle, writeTarGz(entries));

    expect(execFileSync(tar, ['-tzf', bundle], { encoding: 'utf8' }).trim().split('\n')).toEqual(entries.map((e) => e.name));
    mkdirSync(join(dir, 'out'));
    execFileSync(tar, ['-xzf', bundle, '-C', join(dir, 'out')]);
    expect(readFileSync(join(dir, 'out', 'commands', 'sa-info.stdout'), 'utf8')).toBe('Deployment ID: 63198234567\r\nÜmlaut ✓\n');

    mkdirSync(join(dir, 'src', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'src', 'sub', 'x.txt'), 'from gnu tar\n');
    execFileSync(tar, ['--format=ustar', '-czf', join(dir, 'gnu.tar.gz'), '-C', join(dir, 'src'), 'sub/x.txt']);
    expect(readTarGz(readFileSync(join(dir, 'gnu.tar.gz'))).get('sub/x.txt')!.toString()).toBe('from gnu tar\n');
  });

  it.each([
    ['not gzip', Buffer.from('hello')],
    ['truncated', writeTarGz(entries).subarray(0, 40)],
    ['a damaged header', gzipSync(Buffer.concat([Buffer.alloc(100, 0x41), Buffer.alloc(412, 0x42)]))],
    ['no end marker', gzipSync(Buffer.alloc(0).fill(0))],
  ])('refuses %s with a clear error', (_what, data) => {
    expect(() => readTarGz(data)).toThrow(TarError);
  });

  it('refuses names that would leave the bundle', () => {
    expect(() => writeTarGz([{ name: '../etc/passwd', data: Buffer.alloc(1) }])).toThrow(TarError);
    expect(() => writeTarGz([{ name: '/abs', data: Buffer.alloc(1) }])).toThrow(TarError);
  });
});
