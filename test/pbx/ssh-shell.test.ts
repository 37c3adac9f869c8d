import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { remoteArgv } from '../../src/pbx/ssh-command.js';
import { probeHostKey, SshShell } from '../../src/pbx/ssh-shell.js';
import type { SshTarget } from '../../src/pbx/ssh-target.js';
import { pbxFailure } from '../helpers/failure.js';
import { rsaPrivateKey } from '../helpers/keys.js';
import { deadPort, startSilentServer, type TestServer } from '../helpers/tcp.js';

const privateKey = rsaPrivateKey();
const OPTIONS = { connectTimeoutMs: 500, keepaliveIntervalMs: 1000, keepaliveCountMax: 2 };
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function shellTo(port: number): SshShell {
  const target: SshTarget = { name: 'pbx1', address: '127.0.0.1', port, user: 'root', hostKey: null };
  return new SshShell(target, { privateKey }, OPTIONS, silentLogger);
}


describe('SshShell without a working sshd', () => {
  it('gives up a host that accepts the connection and then says nothing, within the connect timeout', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const shell = shellTo(silent.port);
    const started = Date.now();

    const err = await pbxFailure(shell.exec(['/usr/sbin/fwconsole', 'sa', 'info'], { timeoutMs: 60_000 }));
    await shell.close();

    expect(err.reason).toBe('host-unreachable');
    expect(err.message).toBe(`pbx1 (root@127.0.0.1:${silent.port}) accepted the connection but did not complete the SSH handshake within 0.5s`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('says the connection was refused on a dead port, and fails every later command the same way', async () => {
    const port = await deadPort();
    const shell = shellTo(port);

    const first = await pbxFailure(shell.exec(['/usr/sbin/fwconsole', 'sa', 'info'], { timeoutMs: 5000 }));
    const second = await pbxFailure(shell.readFile('/etc/schmooze/pbxid'));
    await shell.close();
    await shell.close();

    expect(first.message).toBe(`cannot connect to pbx1 (root@127.0.0.1:${port}): connection refused`);
    expect(second.message).toBe(first.message);
  });

  it('refuses to put anything but plain words on the remote command line, before connecting', async () => {
    const shell = shellTo(await deadPort());

    for (const hostile of ['631; reboot', '$(id)', "it's", 'a b', 'x\ny', '`id`']) {
      await expect(shell.exec(['/usr/sbin/fwconsole', 'sa', 'activate', hostile], { timeoutMs: 1000 })).rejects.toBeInstanceOf(AgentError);
    }
    await shell.close();
  });

  it('probing a host key on a dead port says why it cannot', async () => {
    const port = await deadPort();

    const err = await pbxFailure(probeHostKey({ name: 'pbx1', address: '127.0.0.1', port, user: 'root' }, 500));

    expect(err.reason).toBe('host-unreachable');
  });
});

describe('the command the host runs', () => {
  it.each([
    [{ timeoutMs: 120_000 }, ['timeout', '-k', '2', '120', '/usr/sbin/fwconsole', 'ma', 'list']],
    [{ timeoutMs: 600_000, sudo: true }, ['timeout', '-k', '2', '600', 'sudo', '-n', '--', '/usr/sbin/fwconsole', 'ma', 'list']],
    [{ timeoutMs: 1500, tty: true }, ['timeout', '--foreground', '-k', '2', '1.5', '/usr/sbin/fwconsole', 'ma', 'list']],
  ])('is bounded on the host itself by timeout(1): %j', (options, expected) => {
    expect(remoteArgv({ name: 'pbx1' }, ['/usr/sbin/fwconsole', 'ma', 'list'], options)).toEqual(expected);
  });
});
