import { stripControls } from './core/safe-text.js';

/**
 * Typed errors. Each says what happened (`message`) and what to do (`hint`);
 * callers decide retry versus fail by class, the CLI maps classes to exit codes.
 */
export class AgentError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    // Messages quote what fwconsole, a portal, an SSH server or a file said, and reach terminals and the store.
    super(stripControls(message), options);
    this.hint = stripControls(hint);
    this.name = new.target.name;
  }
}

/** The configuration cannot be used; every problem is listed (exit 78). */
export class ConfigError extends AgentError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    hint = 'Fix the listed keys; every key is documented in the README under "Configuration".',
  ) {
    super(`configuration ${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, hint);
  }
}

/** The command line itself is wrong (exit 2). */
export class UsageError extends AgentError {}

/** The local store cannot be opened or written. Nothing is overwritten. */
export class StoreError extends AgentError {}

/** The PBX could not be read or changed; `evidence` keeps what the command printed. */
export class PbxError extends AgentError {
  constructor(
    message: string,
    hint: string,
    readonly reason: PbxFailure,
    readonly evidence?: CommandEvidence,
    options?: { cause?: unknown },
  ) {
    super(message, hint, options);
  }
}

export type PbxFailure =
  | 'not-found'
  | 'not-executable'
  | 'timeout'
  | 'exit-status'
  | 'unrecognised-output'
  // The output went past the read limit: not all of it was read, so none of it is used.
  | 'output-too-large'
  | 'network'
  | 'not-activated'
  | 'needs-root'
  | 'needs-tty'
  | 'busy'
  | 'wrong-deployment'
  // Over SSH (fleet): the host cannot be reached, its host key is unknown or changed, or it refused our key.
  | 'host-unreachable'
  | 'host-key'
  | 'ssh-auth';

export interface CommandEvidence {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Where the raw output was saved for a bug report, when it was. */
  readonly savedTo?: string;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Another cycle holds the lease (exit 6); the message names the holder. */
export class LeaseHeldError extends AgentError {
  constructor(
    readonly holder: { readonly pid: number; readonly host: string; readonly command: string; readonly since: string; readonly until: string },
  ) {
    super(
      `another cycle is running: "${holder.command}" (pid ${holder.pid} on ${holder.host}, since ${holder.since})`,
      `Wait for it to finish; it gives the lock up by ${holder.until} at the latest if it dies.`,
    );
  }
}

/** Another daemon (`run`) already works on this store (exit 1): two would schedule checks side by side. */
export class DaemonRunningError extends AgentError {
  constructor(
    readonly store: string,
    readonly holder: { readonly pid: number; readonly host: string; readonly since: string; readonly until: string },
  ) {
    super(
      `another pbx-activation-agent daemon is already running on the store ${store} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`,
      `Only one daemon may run per store. Stop the other one (systemctl stop pbx-activation-agent, or kill ${holder.pid} on ${holder.host}), or give this one another store.path. If that process is gone, its claim lapses by ${holder.until}.`,
    );
  }
}

export type PortalFailure =
  | 'unreachable'
  | 'timeout'
  | 'server-error'
  | 'rate-limited'
  | 'unauthorized'
  | 'forbidden'
  | 'unknown-deployment'
  | 'bad-request'
  | 'bad-response'
  | 'too-large'
  | 'redirect'
  | 'tls';

/** The portal could not give a usable answer. Messages never contain the token. */
export class PortalError extends AgentError {
  constructor(
    message: string,
    hint: string,
    readonly reason: PortalFailure,
    readonly status: number | null = null,
  ) {
    super(message, hint);
  }

  /** From Retry-After, when the server sent one. */
  retryAfterMs?: number | null;
}
