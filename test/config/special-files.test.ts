import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigText } from '../../src/config/config-file.js';
import { readSecret, type SecretSource } from '../../src/config/secrets.js';
import { ConfigError } from '../../src/errors.js';
import { loadInventory } from '../../src/fleet/inventory.js';
import { BIN, runCli } from '../helpers/cli.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const token: SecretSource = { what: 'portal token', key: 'portal.tokenFile', credential: 'portal-token' };

function refusal(read: () => unknown): ConfigError {
  try {
    read();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function secretFile(content: string | Buffer, mode = 0o600): string {
  const file = join(tmp(), 'secret');
  writeFileSync(file, content, { mode });
  chmodSync(file, mode);
  return file;
}

/** A sandbox whose portal token file is replaced by `make(path)`; the portal URL is never reached. */
function sandboxWithToken(make: (path: string) => void): { config: string; tokenFile: string } {
  const sb = makeSandbox(join(tmp(), 'sb'));
  const tokenFile = join(sb.dir, 'odd-token');
  make(tokenFile);
  const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
  writeFileSync(sb.config, JSON.stringify({ ...config, portal: { url: 'http://127.0.0.1:9/api', tokenFile } }));
  return { config: sb.config, tokenFile };
}

describe('files the agent is pointed at (secrets, configuration, inventory, CA bundles)', () => {
  it('a FIFO as the token file: `check` exits 78 at once saying what it is, instead of blocking in open', async () => {
    const { config, tokenFile } = sandboxWithToken((p) => execFileSync('mkfifo', ['-m', '600', p]));

    const started = Date.now();
    const result = await runCli(['check', '--json', '--config', config], { timeoutMs: 15_000 });

    expect(result.code, result.stderr).toBe(78);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain(`portal.tokenFile: the portal token file ${tokenFile} is a FIFO (named pipe), not a regular file`);
  });

  it('a 68 MB token file is refused without being read', async () => {
    const { config, tokenFile } = sandboxWithToken((p) => {
      closeSync(openSync(p, 'w', 0o600));
      truncateSync(p, 68 * 1024 * 1024);
    });

    const result = await runCli(['check', '--json', '--config', config], { timeoutMs: 15_000 });

    expect(result.code, result.stderr).toBe(78);
    expect(result.stderr).toContain(`the portal token file ${tokenFile} is 68 MiB; at most 8 KiB is read from it`);
  });

  it.each([
    ['two lines', 'S3CR3T-first\nS3CR3T-second\n', /has 2 lines; it must hold the secret alone, on one line/],
    ['a non-ASCII character', 'S3CR3T-caf\u00e9\n', /contains a character that is not printable ASCII \(byte 11\)/],
    ['a control character', 'S3CR3T\u0007x', /contains a character that is not printable ASCII \(byte 7\)/],
    ['a NUL', 'S3CR3T\0x', /not printable ASCII \(byte 7\)/],
  ])('a token with %s is refused, never echoed', (_what, content, problem) => {
    const err = refusal(() => readSecret({ ...token, file: secretFile(content) }, '/c.json'));

    expect(err.problems[0]).toMatch(problem);
    expect(`${err.message}\n${err.hint}`).not.toContain('S3CR3T');
  });

  it('a single trailing newline (LF or CRLF) is fine', () => {
    expect(readSecret({ ...token, file: secretFile('tok-123\r\n') }, '/c.json')).toBe('tok-123');
    expect(readSecret({ ...token, file: secretFile('tok-123\n') }, '/c.json')).toBe('tok-123');
  });

  it('an SMTP password may be UTF-8 but one line; an SSH key may span lines', () => {
    expect(readSecret({ ...token, file: secretFile('pässwort\n'), format: 'password' }, '/c.json')).toBe('pässwort');
    expect(refusal(() => readSecret({ ...token, file: secretFile('a\nb'), format: 'password' }, '/c.json')).problems[0]).toMatch(/has 2 lines/);
    expect(readSecret({ ...token, file: secretFile('-----BEGIN KEY-----\nabc\n-----END KEY-----\n'), format: 'pem' }, '/c.json')).toContain('\nabc\n');
  });

  it('the chmod hint names the path as configured, never the target of its symlink', () => {
    const dir = tmp();
    const target = join(dir, 'vault', 'real-token');
    mkdirSync(join(dir, 'vault'));
    writeFileSync(target, 'tok-123\n', { mode: 0o644 });
    chmodSync(target, 0o644);
    const link = join(dir, 'portal-token');
    symlinkSync(target, link);

    const err = refusal(() => readSecret({ ...token, file: link }, '/c.json'));

    expect(err.problems[0]).toBe(`portal.tokenFile: the portal token file ${link} is readable by group or others (mode 0644)`);
    expect(err.hint).toContain(`chmod 600 ${link}`);
    expect(`${err.message}\n${err.hint}`).not.toContain(target);
  });

  it('a directory, a character device, a FIFO: refused by type, whatever the kind of file', () => {
    const dir = tmp();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);

    expect(refusal(() => readSecret({ ...token, file: dir }, '/c.json')).problems[0]).toMatch(/is a directory, not a regular file$/);
    expect(refusal(() => readSecret({ ...token, file: '/dev/zero' }, '/c.json')).problems[0]).toMatch(/\/dev\/zero is a character device, not a regular file$/);
    expect(refusal(() => readConfigText(fifo)).problems[0]).toBe('the file is a FIFO (named pipe), not a regular file');
    expect(refusal(() => loadInventory(fifo)).problems[0]).toBe('the inventory file is a FIFO (named pipe), not a regular file');
  });

  it('a 34 MB configuration is refused without being read: exit 78', async () => {
    const config = join(tmp(), 'agent.json');
    writeFileSync(config, `{"log": {"level": "info"}, "x": "${'y'.repeat(34 * 1024 * 1024)}"}`);

    const result = await runCli(['config', 'check', '--config', config]);

    expect(result.code).toBe(78);
    expect(result.stderr).toContain('the file is 34 MiB; at most 1 MiB is read from it');
  });

  it('a configuration on stdin (how the daemon hands it to its checks) is bounded too', () => {
    const result = spawnSync(process.execPath, [BIN, 'config', 'check', '--config-stdin', '--config', '/etc/x.json'], { input: `{"x": "${'y'.repeat(2 * 1024 * 1024)}"}` });

    expect(result.status).toBe(78);
    expect(result.stderr.toString()).toContain('the configuration on stdin is larger than 1 MiB, the most read from it');
  });

  it('a CA bundle that is a device is refused by `check` (78)', async () => {
    const sb = makeSandbox(join(tmp(), 'sb'));
    const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(sb.config, JSON.stringify({ ...config, portal: { url: 'http://127.0.0.1:9/api', tokenFile: sb.tokenFile, caFile: '/dev/zero' } }));

    const result = await runCli(['check', '--json', '--config', sb.config], { timeoutMs: 15_000 });

    expect(result.code, result.stderr).toBe(78);
    expect(result.stderr).toContain('portal.caFile: /dev/zero is a character device, not a regular file');
  });
});
