import { spawn, type ChildProcess } from 'node:child_process';

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

/** Output beyond this is cut: fwconsole never prints megabytes, a runaway process might. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** After SIGTERM, how long the process group gets before SIGKILL, unless the caller says otherwise. */
const KILL_GRACE_MS = 2000;

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
    const stdout = new OutputBuffer();
    const stderr = new OutputBuffer();
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const stop = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
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
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new SpawnError(argv, err.code ?? 'UNKNOWN', `cannot start ${argv[0]}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // A stopped command's helpers (PHP children, script's shell) must not linger.
      if (timedOut || aborted) killGroup('SIGKILL');
      options.signal?.removeEventListener('abort', onAbort);
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
      });
    });
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

/** Collects a stream, keeping at most MAX_OUTPUT_BYTES (the SSH shell uses it too). */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    if (this.size >= MAX_OUTPUT_BYTES) return;
    this.chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - this.size));
    this.size += chunk.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
