import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './require-tool.js';
import { deadPort } from './tcp.js';

/**
 * A real OpenSSH server on 127.0.0.1 and a high port, with its own host key
 * and one authorized user key, for the fleet's system tests and benchmark.
 * It logs in the user running the tests (root in CI, hence PermitRootLogin
 * prohibit-password); every "PBX" is a sandbox directory on this machine.
 */
export interface TestSshd {
  readonly port: number;
  readonly user: string;
  readonly dir: string;
  /** The authorized private key (mode 0600). */
  readonly userKey: string;
  /** A valid key sshd does not accept. */
  readonly strangerKey: string;
  /** As `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  /** sshd's own log (-E). */
  readonly log: string;
  stop(): Promise<void>;
}

export function sshKeygen(): string {
  return requireTool('ssh-keygen', 'openssh-client');
}

/** `ssh-keygen -lf FILE.pub`'s fingerprint. */
export function keygenFingerprint(publicKeyFile: string): string {
  return execFileSync(sshKeygen(), ['-lf', publicKeyFile]).toString().split(' ')[1]!;
}

export async function startSshd(dir: string, options: { maxStartups?: number } = {}): Promise<TestSshd> {
  const sshd = requireTool('sshd', 'openssh-server', ['/usr/sbin']);
  requireTool('timeout', 'coreutils');
  mkdirSync(dir, { recursive: true });
  const key = (name: string) => {
    const path = join(dir, name);
    if (!existsSync(path)) execFileSync(sshKeygen(), ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
    return path;
  };
  const hostKey = key('host_key');
  const userKey = key('user_key');
  const strangerKey = key('stranger_key');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
  // sshd refuses to start as root without its privilege separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The key files live under /tmp, which is world-writable: the ownership walk would refuse them.
      'StrictModes no',
      'PidFile none',
      'UseDNS no',
      // A fleet run opens `concurrency` connections at once; the default 10:30:100 would drop some.
      `MaxStartups ${options.maxStartups ?? 200}`,
      'MaxSessions 20',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const log = join(dir, 'sshd.log');
  let lastProblem = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await deadPort();
    const child = spawn(sshd, ['-D', '-f', config, '-p', String(port), '-o', 'ListenAddress=127.0.0.1', '-E', log], { stdio: 'ignore' });
    if (await answers(port, child)) {
      return { port, user: userInfo().username, dir, userKey, strangerKey, hostKeyFingerprint: keygenFingerprint(`${hostKey}.pub`), log, stop: () => stop(child) };
    }
    await stop(child);
    lastProblem = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '(no log)';
  }
  throw new Error(`sshd did not start on 127.0.0.1:\n${lastProblem}`);
}

/** Waits until the port greets with an SSH banner, or the process dies, or 10 s pass. */
async function answers(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const banner = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (text: string) => {
        socket.destroy();
        resolve(text);
      };
      socket.setTimeout(1000, () => done(''));
      socket.once('data', (d) => done(d.toString()));
      socket.once('error', () => done(''));
    });
    if (banner.startsWith('SSH-2.0')) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
