import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';
import type { AuthenticationType, AuthHandlerMiddleware, ClientChannel, ConnectConfig, ParsedKey, SFTPWrapper } from 'ssh2';
import { errorMessage, PbxError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DRAIN_GRACE_MS, OutputBuffer } from '../process/run-process.js';
import { fingerprint, keyType } from './host-key.js';
import { quoteArgv, type ExecOptions, type ExecResult, type PbxShell } from './shell.js';
import { KILL_GRACE_MS, notRun, readSmallFile, remoteArgv } from './ssh-command.js';
import {
  changedHostKey,
  connectFailure,
  lostConnection,
  unknownHostKey,
  where,
  type PresentedKey,
  type SshCredentials,
  type SshOptions,
  type SshTarget,
} from './ssh-target.js';
import { timerDelay } from '../core/timer-delay.js';

/** How long after the remote timeout(1) should have acted the client steps in itself. */
const BACKSTOP_MARGIN_MS = 3000;
const CLOSE_WAIT_MS = 2000;
const DEFAULT_FILE_TIMEOUT_MS = 30_000;
/** A wide terminal so fwconsole tables are not wrapped; `dumb` keeps colour codes away. */
const PTY = { term: 'dumb', cols: 200, rows: 50 };
/** SFTP status code for a missing file or directory. */
const NO_SUCH_FILE = 2;
// ssh2 (CommonJS, with native parts) is loaded when a fleet command first connects: the commands that never
// use SSH (status, check on the PBX itself) do not pay for it.
const loadSsh2 = (): typeof Ssh2 => createRequire(import.meta.url)('ssh2') as typeof Ssh2;
type Client = Ssh2.Client;

type Settle = (failure: PbxError) => void;

/**
 * The PBX shell over SSH (the only module that imports ssh2). One connection
 * per shell, opened on first use and reused by every command and file read of
 * a cycle; the host key must match the pinned fingerprint before anything is sent.
 */
export class SshShell implements PbxShell {
  readonly description: string;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private sftpSession: Promise<SFTPWrapper> | null = null;
  private ended = false;
  private closed = false;
  private lost: PbxError | null = null;
  /** Operations in flight, failed at once when the connection goes away. */
  private readonly pending = new Set<Settle>();

  constructor(
    private readonly target: SshTarget,
    private readonly credentials: SshCredentials,
    private readonly options: SshOptions,
    private readonly log: Logger,
  ) {
    this.description = `ssh ${target.user}@${target.address}:${target.port}`;
  }

  async exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const command = remoteArgv(this.target, argv, options);
    if (options.signal?.aborted) return notRun(command);
    const client = await this.connection();
    // An abort while connecting has no listener yet: the command must not start after it.
    if (options.signal?.aborted) return notRun(command);
    return this.run(client, command, options);
  }

  async readFile(path: string): Promise<string | null> {
    const data = await this.fileOp<Buffer>(`read ${path}`, (sftp, done) => readSmallFile(sftp, path, done));
    return data === null ? null : data.toString('utf8');
  }

  async listDir(path: string): Promise<string[] | null> {
    const list = await this.fileOp<Array<{ filename: string }>>(`list ${path}`, (sftp, done) => sftp.readdir(path, done));
    return list === null ? null : list.map((e) => e.filename).filter((n) => n !== '.' && n !== '..');
  }

  /** Ends the connection (idempotent); commands still running are failed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(this.closedError());
    const client = this.client;
    if (!client || this.ended) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, CLOSE_WAIT_MS);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.lost) return Promise.reject(this.lost);
    if (!this.connecting) {
      this.connecting = this.connect();
      // Failures reach whoever awaits the connection; this keeps Node from calling them unhandled.
      this.connecting.catch(() => {});
    }
    return this.connecting;
  }

  private connect(): Promise<Client> {
    const { target, options } = this;
    return new Promise((resolve, reject) => {
      const client = new (loadSsh2().Client)();
      this.client = client;
      let presented: PresentedKey | null = null;
      let tcpConnected = false;
      let ready = false;
      const failWith = (failure: PbxError) => {
        if (!ready) reject(failure);
        this.fail(failure);
      };
      client.on('connect', () => {
        tcpConnected = true;
        // Small request/answer packets: Nagle's algorithm would hold each one back ~40 ms.
        client.setNoDelay(true);
      });
      client.on('ready', () => {
        ready = true;
        this.log.debug({ host: target.name }, 'SSH connection ready');
        resolve(client);
        // Opened now, it is ready by the time the cycle reads files (after its first command).
        this.sftp().catch(() => {});
      });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (presented && presented.fingerprint !== target.hostKey) {
          failWith(target.hostKey === null ? unknownHostKey(target, presented) : changedHostKey(target, presented));
        } else if (ready) {
          failWith(lostConnection(target, err.message));
        } else {
          const context = { tcpConnected, timeoutMs: options.connectTimeoutMs, keyFingerprint: safeKeyFingerprint(this.credentials) };
          failWith(connectFailure(target, err, context));
        }
      });
      client.on('close', () => {
        this.ended = true;
        failWith(this.closed ? this.closedError() : lostConnection(target, 'the host closed it'));
      });
      try {
        client.connect({
          ...connectConfig(target, options.connectTimeoutMs, (key) => {
            presented = key;
            return key.fingerprint === target.hostKey;
          }),
          authHandler: oneKey(target.user, parsedKey(this.credentials)),
          keepaliveInterval: options.keepaliveIntervalMs,
          keepaliveCountMax: options.keepaliveCountMax,
          tryKeyboard: false,
        });
      } catch (err) {
        // ssh2 parses the private key before it opens a socket.
        failWith(new PbxError(`cannot use the private key for ${where(target)}: ${errorMessage(err)}`, 'Check privateKeyFile and passphraseFile for this host in the inventory.', 'ssh-auth'));
      }
    });
  }

  private run(client: Client, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const stdout = new OutputBuffer();
    const stderr = new OutputBuffer();
    return new Promise((resolve, reject) => {
      let channel: ClientChannel | null = null;
      let timedOut = false;
      let aborted = false;
      let settled = false;
      let exitCode: number | null = null;
      let signal: string | null = null;
      let leftovers: string[] = [];
      const timers: NodeJS.Timeout[] = [];
      const settle = (failure?: PbxError) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(onLost);
        const durationMs = performance.now() - started;
        // timeout(1) exits 124 (or 137 after -k) when it had to stop the command.
        timedOut ||= (exitCode === 124 || exitCode === 137) && durationMs >= options.timeoutMs;
        if (failure) reject(failure);
        else
          resolve({
            argv,
            exitCode,
            signal,
            stdout: stdout.text(),
            stderr: stderr.text(),
            durationMs,
            timedOut,
            aborted,
            truncated: stdout.truncated || stderr.truncated,
            ...(leftovers.length > 0 ? { leftovers } : {}),
          });
      };
      // The backstop when timeout(1) did not end it: signals reach the command's process group
      // (sshd refuses them for root logins), closing a pty channel hangs it up, then the connection goes.
      const stop = () => {
        if (!channel) return;
        sendSignal(channel, 'TERM');
        timers.push(
          setTimeout(() => {
            sendSignal(channel, 'KILL');
            channel?.close();
          }, KILL_GRACE_MS),
          setTimeout(() => {
            this.drop(lostConnection(this.target, 'it stopped answering after a command was stopped'));
            settle();
          }, 2 * KILL_GRACE_MS),
        );
      };
      const onLost: Settle = (failure) => (timedOut || aborted ? settle() : settle(failure));
      const onAbort = () => {
        aborted = true;
        stop();
      };
      this.pending.add(onLost);
      timers.push(
        setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs + KILL_GRACE_MS + BACKSTOP_MARGIN_MS),
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
      client.exec(quoteArgv(argv), options.tty ? { pty: PTY } : {}, (err, opened) => {
        if (err) {
          settle(new PbxError(`cannot start a command on ${where(this.target)}: ${err.message}`, 'Check the PBX sshd limits (MaxSessions) and logs.', 'host-unreachable'));
          return;
        }
        channel = opened;
        if (timedOut || aborted) stop();
        opened.on('data', (chunk: Buffer) => stdout.push(chunk));
        opened.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        opened.on('exit', (code: number | null, name?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          signal = name ? `SIG${name}` : null;
          // The command (or timeout(1) after stopping it) is done and its output is in. sshd keeps the
          // channel open while anything holds the output: a setsid grandchild would keep it open for ever.
          timers.push(
            setTimeout(() => {
              leftovers = [`a process the command started on ${this.target.name}`];
              this.log.warn({ host: this.target.name, command: argv.join(' ') }, 'a remote command left a process holding its output; closing its channel');
              opened.close();
              settle();
            }, DRAIN_GRACE_MS),
          );
        });
        opened.on('close', () => settle());
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= this.connection().then(
      (client) =>
        new Promise<SFTPWrapper>((resolve, reject) =>
          client.sftp((err, sftp) => {
            if (!err) return resolve(sftp);
            this.log.warn({ host: this.target.name, reason: err.message }, 'SFTP is not available on this host; licence files cannot be read');
            reject(new PbxError(`SFTP is not available on ${where(this.target)}: ${err.message}`, 'Enable the sftp Subsystem in its sshd_config.', 'not-found'));
          }),
        ),
    );
    return this.sftpSession;
  }

  /** One SFTP request, bounded in time; a missing path is null. */
  private async fileOp<T>(what: string, start: (sftp: SFTPWrapper, done: (err: (Error & { code?: unknown }) | null | undefined, value: T) => void) => void): Promise<T | null> {
    const sftp = await this.sftp();
    const timeoutMs = this.options.fileTimeoutMs ?? DEFAULT_FILE_TIMEOUT_MS;
    return new Promise<T | null>((resolve, reject) => {
      const onLost: Settle = (failure) => finish(failure);
      const timer = setTimeout(() => this.drop(lostConnection(this.target, `it did not ${what} within ${timeoutMs / 1000}s`)), timerDelay(timeoutMs));
      const finish = (failure: PbxError | null, value: T | null = null) => {
        clearTimeout(timer);
        this.pending.delete(onLost);
        if (failure) reject(failure);
        else resolve(value);
      };
      this.pending.add(onLost);
      start(sftp, (err, value) => {
        if (!err) finish(null, value);
        else if (err.code === NO_SUCH_FILE) finish(null, null);
        else finish(new PbxError(`cannot ${what} on ${where(this.target)}: ${err.message}`, `Check that ${this.target.user} may read it.`, 'exit-status'));
      });
    });
  }

  /** Gives up the connection: everything in flight fails with `failure`. */
  private drop(failure: PbxError): void {
    this.fail(failure);
    this.client?.destroy();
  }

  private fail(failure: PbxError): void {
    this.lost ??= failure;
    for (const settle of [...this.pending]) settle(failure);
  }

  private closedError(): PbxError {
    return new PbxError(`the SSH connection to ${where(this.target)} was closed`, 'The cycle for this host was stopped (host timeout or shutdown).', 'host-unreachable');
  }
}

/**
 * Connects only far enough to see the host key (before any authentication),
 * for `fleet trust`. Nothing is sent to the host beyond the key exchange.
 */
export function probeHostKey(target: Omit<SshTarget, 'hostKey'>, timeoutMs: number): Promise<PresentedKey> {
  return new Promise((resolve, reject) => {
    const client = new (loadSsh2().Client)();
    let presented: PresentedKey | null = null;
    let tcpConnected = false;
    let failure: PbxError | null = null;
    client.on('connect', () => (tcpConnected = true));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      failure ??= connectFailure({ ...target, hostKey: null }, err, { tcpConnected, timeoutMs, keyFingerprint: null });
    });
    client.on('close', () => (presented ? resolve(presented) : reject(failure ?? lostConnection({ ...target, hostKey: null }, 'it closed the connection'))));
    client.connect(
      connectConfig(target, timeoutMs, (key) => {
        presented = key;
        return false;
      }),
    );
  });
}

/** Where to connect, and the host key check that runs before anything else is sent. */
function connectConfig(target: Omit<SshTarget, 'hostKey'>, timeoutMs: number, accept: (key: PresentedKey) => boolean): ConnectConfig {
  return {
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: timeoutMs,
    hostVerifier: (blob: Buffer) => accept({ fingerprint: fingerprint(blob), type: keyType(blob) }),
  };
}

/** Parses a private key (with its passphrase) as the connection will; returns its public fingerprint or throws why not. */
export function privateKeyFingerprint(privateKey: string, passphrase?: string): string {
  return fingerprint(parsedKey({ privateKey, passphrase }).getPublicSSH());
}

/**
 * Keys parsed once per process, not once per connection: an encrypted
 * OpenSSH key costs a bcrypt derivation (tenths of a second of CPU) each time.
 */
const parsedKeys = new Map<string, ParsedKey>();

function parsedKey(credentials: SshCredentials): ParsedKey {
  const cacheKey = `${credentials.passphrase ?? ''}\0${credentials.privateKey}`;
  const cached = parsedKeys.get(cacheKey);
  if (cached) return cached;
  const parsed = loadSsh2().utils.parseKey(credentials.privateKey, credentials.passphrase) as ParsedKey | ParsedKey[] | Error;
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw new Error('the file holds no private key');
  parsedKeys.set(cacheKey, key);
  return key;
}

/** Offers the one key (already parsed: the `privateKey` option would parse it again), then gives up. */
function oneKey(username: string, key: ParsedKey): AuthHandlerMiddleware {
  let offered = false;
  return (_methodsLeft, _partialSuccess, next) => {
    if (offered) return next(false as unknown as AuthenticationType);
    offered = true;
    next({ type: 'publickey', username, key });
  };
}

function safeKeyFingerprint(credentials: SshCredentials): string | null {
  try {
    return fingerprint(parsedKey(credentials).getPublicSSH());
  } catch {
    return null;
  }
}

function sendSignal(channel: ClientChannel | null, name: string): void {
  try {
    channel?.signal(name);
  } catch {
    // the channel is already closing
  }
}
