import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRawSaver } from '../../src/app/raw-capture.js';
import { silentLogger } from '../../src/log/logger.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { PbxReader } from '../../src/pbx/pbx-reader.js';
import { DRAIN_GRACE_MS } from '../../src/process/run-process.js';
import type { PbxShell } from '../../src/pbx/shell.js';
import { SshShell } from '../../src/pbx/ssh-shell.js';
import type { SshOptions, SshTarget } from '../../src/pbx/ssh-target.js';
import { schmoozeDir } from '../../src/sandbox/licence-file.js';
import { pbxFailure } from '../helpers/failure.js';
import { isAlive } from '../helpers/process.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { keygenFingerprint, startSshd, type TestSshd } from '../helpers/sshd.js';
import { startProxy, type TestServer } from '../helpers/tcp.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const OPTIONS: SshOptions = { connectTimeoutMs: 5000, keepaliveIntervalMs: 1000, keepaliveCountMax: 3 };
let sshd: TestSshd;
/** Lives as long as the file's sshd (useTmpDirs empties after every test). */
let scripts: string;
const servers: TestServer[] = [];

beforeAll(async () => {
  scripts = mkdtempSync(join(tmpdir(), 'pbx-agent-sshd-'));
  sshd = await startSshd(join(scripts, 'sshd'));
  // Remote commands are plain words only: what they do lives in scripts on the "PBX".
  const script = (name: string, body: string) => {
    writeFileSync(join(scripts, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(scripts, name), 0o755);
  };
  script('report', 'test -t 1 && echo tty || echo pipe\necho "client $SSH_CONNECTION"\necho oops >&2\nexit 3');
  script('slow', `sleep 30 &\necho $! > ${scripts}/child.pid\nwait`);
  script('mark', `touch ${scripts}/marked`);
  script('leaves', `echo done\nsetsid sleep 60 & echo $! >> ${scripts}/strays.pid\nexit 0`);
  script('leaves-hangs', `echo started\nsetsid sleep 60 & echo $! >> ${scripts}/strays.pid\nsleep 60`);
});

afterAll(async () => {
  for (const pid of existsSync(join(scripts, 'strays.pid')) ? readFileSync(join(scripts, 'strays.pid'), 'utf8').split('\n').filter(Boolean) : []) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (const s of servers) await s.close();
  await sshd?.stop();
  rmSync(scripts, { recursive: true, force: true });
});

function target(overrides: Partial<SshTarget> = {}): SshTarget {
  return { name: 'pbx1', address: '127.0.0.1', port: sshd.port, user: sshd.user, hostKey: sshd.hostKeyFingerprint, ...overrides };
}

function shell(overrides: Partial<SshTarget> = {}, key = sshd.userKey, options: SshOptions = OPTIONS): SshShell {
  return new SshShell(target(overrides), { privateKey: readFileSync(key, 'utf8') }, options, silentLogger);
}

describe('SshShell against a real OpenSSH server', () => {
  it('runs commands over one reused connection, keeping stdout, stderr and the exit status apart', async () => {
    const ssh = shell();

    const first = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    const second = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    await ssh.close();

    expect(first).toMatchObject({ exitCode: 3, stderr: 'oops\n', timedOut: false });
    expect(first.stdout).toMatch(/^pipe\nclient 127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+\n$/);
    // The same client port: both commands went over the one connection.
    expect(second.stdout).toBe(first.stdout);
  });

  it('gives the command a pseudo-terminal when asked, as fwconsole sa info needs', async () => {
    const ssh = shell();

    const result = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000, tty: true });
    await ssh.close();

    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/^tty\r\n/);
  });

  it.each([false, true])('stops a command at its timeout, children included, and stays usable (tty: %s)', async (tty) => {
    const ssh = shell();
    const started = Date.now();

    const result = await ssh.exec([join(scripts, 'slow')], { timeoutMs: 800, tty });
    await new Promise((r) => setTimeout(r, 300));
    const after = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    await ssh.close();

    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isAlive(Number(readFileSync(join(scripts, 'child.pid'), 'utf8')))).toBe(false);
    expect(after.exitCode).toBe(3);
  });

  it.each([false, true])('does not wait for a setsid grandchild holding the output once the command exited (tty: %s)', async (tty) => {
    const ssh = shell();
    const started = Date.now();

    const result = await ssh.exec([join(scripts, 'leaves')], { timeoutMs: 30_000, tty });
    const elapsed = Date.now() - started;
    const after = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    await ssh.close();

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^done/);
    expect(elapsed).toBeLessThan(DRAIN_GRACE_MS + 3000);
    expect(after.exitCode).toBe(3);
  });

  it('ends a hanging command at its timeout though a setsid grandchild holds the output, and stays usable', async () => {
    const ssh = shell();
    const started = Date.now();

    const result = await ssh.exec([join(scripts, 'leaves-hangs')], { timeoutMs: 800 });
    const elapsed = Date.now() - started;
    const after = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    await ssh.close();

    expect(result.timedOut).toBe(true);
    expect(result.leftovers).toEqual(['a process the command started on pbx1']);
    // timeout(1) stops the command at 0.8 s; the channel is closed a drain grace later.
    expect(elapsed).toBeLessThan(800 + DRAIN_GRACE_MS + 3000);
    expect(after.exitCode).toBe(3);
  });

  it('prefixes sudo -n when asked', async () => {
    const ssh = shell();

    const result = await ssh.exec(['id', '-u'], { timeoutMs: 10_000, sudo: true });
    await ssh.close();

    expect(result.argv).toEqual(['timeout', '-k', '2', '10', 'sudo', '-n', '--', 'id', '-u']);
    if (process.getuid?.() === 0) expect(result.stdout.trim()).toBe('0');
    else expect(result.exitCode).not.toBe(0);
  });

  it('reads files and directories over SFTP, null when missing', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pbxid'), '63198234567\n');
    const ssh = shell();

    const results = [await ssh.readFile(join(dir, 'pbxid')), await ssh.readFile(join(dir, 'missing')), await ssh.listDir(dir), await ssh.listDir(join(dir, 'missing'))];
    await ssh.close();

    expect(results).toEqual(['63198234567\n', null, ['pbxid'], null]);
  });

  it('reads files of several chunks whole, and refuses one too large to be a licence file', async () => {
    const dir = tmp();
    const text = 'Product-Name = PBXact\n'.repeat(10_000);
    writeFileSync(join(dir, 'license-big.zl'), text);
    writeFileSync(join(dir, 'huge'), Buffer.alloc(2 * 1024 * 1024, 'x'));
    const ssh = shell();

    const big = await ssh.readFile(join(dir, 'license-big.zl'));
    const huge = await pbxFailure(ssh.readFile(join(dir, 'huge')));
    await ssh.close();

    expect(big).toBe(text);
    expect(huge.message).toMatch(/^cannot read .*huge on pbx1 .*: it is larger than 1048576 bytes$/);
  });

  it('reads a sandbox PBX exactly as the local shell does', async () => {
    const sandbox = makeSandbox(tmp(), { now: new Date('2026-11-26T10:00:00Z') });
    const read = (via: PbxShell) =>
      new PbxReader(via, { fwconsole: sandbox.fwconsole, schmoozeDir: schmoozeDir(sandbox.dir), tty: true, readTimeoutMs: 30_000, saveRaw: makeRawSaver(sandbox.store, () => new Date()) }, silentLogger).read();
    const ssh = shell();

    const remote = await read(ssh);
    const local = await read(new LocalShell());
    await ssh.close();

    expect(remote.deploymentId).toBe('63198234567');
    expect(remote.items).toEqual(local.items);
    expect(remote.modules).toEqual(local.modules);
    expect(remote.warnings).toEqual([]);
  });

  it('refuses a host whose key is not pinned yet, showing the fingerprint ssh-keygen shows', async () => {
    const err = await pbxFailure(shell({ hostKey: null }).exec(['true'], { timeoutMs: 5000 }));

    expect(err.reason).toBe('host-key');
    expect(err.message).toContain(`it presents ${sshd.hostKeyFingerprint} (ssh-ed25519); nothing was sent to it`);
    expect(err.hint).toContain('fleet trust pbx1');
  });

  it('refuses a host whose key changed', async () => {
    const pinned = keygenFingerprint(`${sshd.strangerKey}.pub`);

    const err = await pbxFailure(shell({ hostKey: pinned }).readFile('/etc/hostname'));

    expect(err.reason).toBe('host-key');
    expect(err.message).toBe(
      `the host key of pbx1 (${sshd.user}@127.0.0.1:${sshd.port}) has CHANGED: the inventory pins ${pinned} but the host presents ${sshd.hostKeyFingerprint} (ssh-ed25519); refusing to connect`,
    );
  });

  it('says which key the host refused', async () => {
    const err = await pbxFailure(shell({}, sshd.strangerKey).exec(['true'], { timeoutMs: 5000 }));

    expect(err.reason).toBe('ssh-auth');
    expect(err.message).toBe(`pbx1 (${sshd.user}@127.0.0.1:${sshd.port}) refused our key (${keygenFingerprint(`${sshd.strangerKey}.pub`)}) for user ${sshd.user}`);
  });

  it('notices a link that went dead through its keepalives and fails the command in flight', async () => {
    const proxy = await startProxy(sshd.port);
    servers.push(proxy);
    const ssh = shell({ port: proxy.port }, sshd.userKey, { ...OPTIONS, keepaliveIntervalMs: 300, keepaliveCountMax: 2 });
    await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    const started = Date.now();

    const running = ssh.exec([join(scripts, 'slow')], { timeoutMs: 60_000 });
    setTimeout(() => proxy.freeze(), 200);
    const err = await pbxFailure(running);
    await ssh.close();

    expect(err.reason).toBe('host-unreachable');
    expect(err.message).toMatch(/^lost the SSH connection to pbx1 .*: Keepalive timeout$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not start a command aborted while the connection was being made', async () => {
    const ssh = shell();
    const stop = new AbortController();

    const aborted = ssh.exec([join(scripts, 'mark')], { timeoutMs: 10_000, signal: stop.signal });
    stop.abort();
    const result = await aborted;
    const after = await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });
    await ssh.close();

    expect(result).toMatchObject({ aborted: true, exitCode: null });
    expect(existsSync(join(scripts, 'marked'))).toBe(false);
    expect(after.exitCode).toBe(3);
  });

  it('close() fails what is still running and can be called again', async () => {
    const ssh = shell();
    await ssh.exec([join(scripts, 'report')], { timeoutMs: 10_000 });

    const running = pbxFailure(ssh.exec([join(scripts, 'slow')], { timeoutMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 300));
    await ssh.close();
    await ssh.close();

    expect((await running).message).toMatch(/was closed/);
  });
});
