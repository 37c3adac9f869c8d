import { PbxError } from '../errors.js';
import { hostKeyFile } from './host-key.js';

/** One PBX reached over SSH, as the fleet inventory describes it. Holds no secret. */
export interface SshTarget {
  /** Inventory name, used in every message and in the store. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Pinned host key fingerprint (`SHA256:...`); null until `fleet trust` records one. */
  readonly hostKey: string | null;
}

/** Key material, read from files named in the inventory; never logged or printed. */
export interface SshCredentials {
  readonly privateKey: string;
  readonly passphrase?: string | undefined;
}

export interface SshOptions {
  /** TCP connect, handshake and authentication together. */
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  /** Unanswered keepalives before the connection is given up. */
  readonly keepaliveCountMax: number;
  /** Limit for one SFTP read (pbxid, a licence file, a directory listing). */
  readonly fileTimeoutMs?: number;
}

export interface PresentedKey {
  readonly fingerprint: string;
  readonly type: string;
}

/** What ssh2 (or the socket under it) reported when a connection failed. */
interface ConnectProblem {
  readonly message: string;
  readonly code?: string | undefined;
  readonly level?: string | undefined;
}

export function where(target: SshTarget): string {
  return `${target.name} (${target.user}@${target.address}:${target.port})`;
}

export function unknownHostKey(target: SshTarget, key: PresentedKey): PbxError {
  return new PbxError(
    `the host key of ${where(target)} is not known: it presents ${key.fingerprint} (${key.type}); nothing was sent to it`,
    `Check that fingerprint on the PBX's own console (ssh-keygen -lf ${hostKeyFile(key.type)}), then run: pbx-activation-agent fleet trust ${target.name}`,
    'host-key',
  );
}

export function changedHostKey(target: SshTarget, key: PresentedKey): PbxError {
  return new PbxError(
    `the host key of ${where(target)} has CHANGED: the inventory pins ${target.hostKey ?? '(none)'} but the host presents ${key.fingerprint} (${key.type}); refusing to connect`,
    'Someone may be intercepting the connection, or the PBX was reinstalled. Verify the new key on the PBX console ' +
      `(ssh-keygen -lf ${hostKeyFile(key.type)}); only if it matches, run: pbx-activation-agent fleet trust ${target.name}`,
    'host-key',
  );
}

/** Turns a failed connection attempt into a message that says which host, what happened and what to do. */
export function connectFailure(target: SshTarget, problem: ConnectProblem, context: { tcpConnected: boolean; timeoutMs: number; keyFingerprint: string | null }): PbxError {
  const host = where(target);
  const seconds = `${Math.round(context.timeoutMs / 100) / 10}s`;
  if (problem.level === 'client-authentication') {
    return new PbxError(
      `${host} refused our key${context.keyFingerprint ? ` (${context.keyFingerprint})` : ''} for user ${target.user}`,
      `Add the public half of the inventory's privateKeyFile to ~${target.user}/.ssh/authorized_keys on the PBX, or fix "user" for this host.`,
      'ssh-auth',
    );
  }
  if (problem.level === 'client-timeout') {
    return new PbxError(
      context.tcpConnected
        ? `${host} accepted the connection but did not complete the SSH handshake within ${seconds}`
        : `${host} did not answer within ${seconds}`,
      context.tcpConnected
        ? 'Its sshd may be overloaded or stuck, or something other than sshd listens on that port. Try `ssh` to it by hand.'
        : 'Check that the PBX is up and that no firewall drops SSH from this host; raise fleet.connectTimeout for slow links.',
      'host-unreachable',
    );
  }
  const byCode: Record<string, [string, string]> = {
    ECONNREFUSED: ['connection refused', 'Is sshd running on the PBX, and is "port" right for this host?'],
    ENOTFOUND: ['the address does not resolve', 'Fix "address" for this host, or the DNS of this machine.'],
    EAI_AGAIN: ['the address cannot be resolved right now', 'Check the DNS of this machine.'],
    EHOSTUNREACH: ['no route to the host', 'Check that the PBX is up and reachable from this machine.'],
    ENETUNREACH: ['the network is unreachable', 'Check this machine\'s network and routes.'],
    ETIMEDOUT: ['the connection timed out', 'Check that the PBX is up and that no firewall drops SSH from this host.'],
    ECONNRESET: ['the connection was reset', 'The PBX (or a firewall) closed the connection; check its sshd logs.'],
  };
  const known = problem.code ? byCode[problem.code] : undefined;
  if (known) return new PbxError(`cannot connect to ${host}: ${known[0]}`, known[1], 'host-unreachable');
  return new PbxError(`SSH connection to ${host} failed: ${problem.message}`, 'Try `ssh` to it by hand to see more; check its sshd logs.', 'host-unreachable');
}

/** The connection went away after it was established (keepalive unanswered, sshd restarted, link down). */
export function lostConnection(target: SshTarget, reason: string): PbxError {
  return new PbxError(
    `lost the SSH connection to ${where(target)}: ${reason}`,
    'Nothing more was run on it. The next check will try again; if it keeps happening, check the link and the PBX load.',
    'host-unreachable',
  );
}
