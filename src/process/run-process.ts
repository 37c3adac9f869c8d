import { spawn, type ChildProcess } from 'node:child_process';
import { timerDelay } from '../core/timer-delay.js';
import { outputIdentities, pipeHolders } from './pipe-holders.js';

/**
 * The one place that starts child processes (fwconsole, script, sudo,
 * sendmail, alert hooks). Always an argv array, never a shell string; the child
 * leads its own process group so a timeout or abort kills everything it started.
 */
export interface ProcessOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed; stdin is /dev/null otherwise. */
  readonly input?: string | Buffer;
  readonly signal?: AbortSignal | undefined;
  readonly cwd?: string;
  /** The child writes to our stdout/stderr (the daemon's children log to the journal) instead of being captured. */
  readonly inheritOutput?: boolean;
  /** After SIGTERM on timeout or abort, how long the process group gets before SIGKILL (default 2 s). */
  readonly killGraceMs?: number;
  /** Open an IPC channel: a Node child then learns when we are gone (its 'disconnect' event), even after kill -9. */
  readonly ipc?: boolean;
}

export interface ProcessResult {
  readonly argv: readonly string[];
  /** The local process id (absent for commands run over SSH). */
  readonly pid?: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** The output went past MAX_OUTPUT_BYTES and was cut: what is here is not all the command said. */
  readonly truncated?: boolean;
  /**
   * Processes that still held the command's output when the agent stopped
   * waiting for it (`pid 4242 (sleep)`, or a description when they cannot be
   * named): the command had exited, or was stopped, and they were left running.
   */
  readonly leftovers?: readonly string[];
}

/** Raised when the program could not be started at all. */
export class SpawnError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SpawnError';
  }
}

/** Output beyond this is cut (and the result says so): fwconsole never prints megabytes, a runaway process might. */
export const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** After SIGTERM, how long the process group gets before SIGKILL, unless the caller says otherwise. */
const KILL_GRACE_MS = 2000;
/**
 * After the command exited, how long its output pipes may stay open: its own
 * output is in them by then; a process still holding them later was left behind.
 */
export const DRAIN_GRACE_MS = 1000;
/** After SIGKILL, how long to wait for the exit before giving up on it (a process stuck in the kernel). */
const EXIT_WAIT_MS = 2000;

/** The longest runProcess waits for a command with this timeout, whatever the command does. */
export function processBoundMs(timeoutMs: number, killGraceMs: number = KILL_GRACE_MS): number {
  return timeoutMs + killGraceMs + EXIT_WAIT_MS + DRAIN_GRACE_MS;
}

/**
 * Runs a command to its end, but never waits longer than `timeoutMs` plus the
 * kill grace and a few seconds, whatever the command and its descendants do:
 * on timeout or abort the process group gets SIGTERM, then SIGKILL; once the
 * command has exited, its pipes get DRAIN_GRACE_MS to close, and whoever still
 * holds them (a `setsid` grandchild escapes the group) is named in `leftovers`
 * and no longer waited for.
 */
export function runProcess(argv: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawnChild(argv, options);
    } catch (err) {
      // Some failures (E2BIG: arguments or environment too large) are thrown at once rather than emitted.
      reject(new SpawnError(argv, (err as NodeJS.ErrnoException).code ?? 'UNKNOWN', `cannot start ${argv[0]}: ${(err as Error).message}`));
      return;
    }
    // What the child's output descriptors are, to find who still holds them if they never close.
    const outputs = options.inheritOutput ? [] : outputIdentities(child.pid);
    const stdout = new OutputBuffer();
    const stderr = new OutputBuffer();
    const killGraceMs = options.killGraceMs ?? KILL_GRACE_MS;
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let leftovers: string[] = [];
    const timers: NodeJS.Timeout[] = [];

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      // A stopped command's helpers (PHP children, script's shell) must not linger.
      if (timedOut || aborted || leftovers.length > 0) killGroup('SIGKILL');
      resolve({
        argv,
        pid: child.pid ?? null,
        exitCode: code,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: performance.now() - started,
        timedOut,
        aborted,
        truncated: stdout.truncated || stderr.truncated,
        ...(leftovers.length > 0 ? { leftovers } : {}),
      });
    };
    /** Stops waiting on the pipes: names who holds them, closes our ends, and settles with what was read. */
    const abandonPipes = (why: string) => {
      if (settled) return;
      const holders = pipeHolders(outputs);
      leftovers = holders.length > 0 ? holders : [why];
      child.stdout?.destroy();
      child.stderr?.destroy();
      // Without an exit there is nothing more to wait for either; the process table entry is the kernel's business.
      if (!exit) child.unref();
      finish(exit?.code ?? null, exit?.signal ?? null);
    };
    const stop = () => {
      killGroup('SIGTERM');
      timers.push(
        setTimeout(() => killGroup('SIGKILL'), killGraceMs),
        setTimeout(() => abandonPipes(`${argv[0]} did not exit after SIGKILL`), killGraceMs + EXIT_WAIT_MS),
      );
    };
    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, timerDelay(options.timeoutMs)),
    );
    const onAbort = () => {
      aborted = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    if (options.input !== undefined && child.stdin) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new SpawnError(argv, err.code ?? 'UNKNOWN', `cannot start ${argv[0]}: ${err.message}`));
    });
    // 'exit', not only 'close': 'close' also waits for every holder of the pipes, which may never let go.
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      if (settled) return;
      timers.push(setTimeout(() => abandonPipes('a process it started'), DRAIN_GRACE_MS));
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** The child leads its own process group (detached), so a kill reaches everything it started. */
function spawnChild(argv: readonly string[], options: ProcessOptions): ChildProcess {
  return spawn(argv[0]!, argv.slice(1), {
    detached: true,
    stdio: [
      options.input === undefined ? 'ignore' : 'pipe',
      options.inheritOutput ? 'inherit' : 'pipe',
      options.inheritOutput ? 'inherit' : 'pipe',
      ...(options.ipc ? (['ipc'] as const) : []),
    ],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
}

/** Collects a stream, keeping at most MAX_OUTPUT_BYTES (the SSH shell uses it too); `truncated` says when more came. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private cut = false;

  push(chunk: Buffer): void {
    if (this.size + chunk.length > MAX_OUTPUT_BYTES) this.cut = true;
    if (this.size >= MAX_OUTPUT_BYTES) return;
    this.chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - this.size));
    this.size += Math.min(chunk.length, MAX_OUTPUT_BYTES - this.size);
  }

  get truncated(): boolean {
    return this.cut;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
