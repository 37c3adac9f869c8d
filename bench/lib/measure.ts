import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is compiled to dist/bench/lib/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = `${ROOT}bin/pbx-activation-agent.js`;

/**
 * How the agent is started: from this checkout on the Node running the benchmark, or as packaged (the
 * release's wrapper on its own runtime, bench/packaged.ts). `node` is that runtime's binary, for the
 * `node -e 0` and idle bare process the agent is compared with.
 */
export interface AgentRuntime {
  /** Put before each measure's name; empty for the checkout. */
  readonly tag: string;
  readonly node: string;
  readonly command: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export const CHECKOUT: AgentRuntime = { tag: '', node: process.execPath, command: [process.execPath, BIN], env: process.env };

/** One line of the final table. `met` null: a figure shown for reference, without a target. */
export interface Row {
  readonly measure: string;
  readonly value: string;
  readonly target: string;
  readonly met: boolean | null;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function machine(): string {
  return `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

export interface Timed {
  readonly ms: number;
  /** CPU time (user + system) the process used, in 10-ms ticks: meaningful as a mean over many runs. */
  readonly cpuMs: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a process to its end; `ms` is from spawn to exit, as a shell's `time` would report. */
export function timeProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpuBefore = reapedChildrenCpuMs();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        ms: performance.now() - started,
        cpuMs: reapedChildrenCpuMs() - cpuBefore,
        code: code ?? 1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
}

/** Runs the agent's CLI and fails loudly when it does not exit 0: a benchmark of an error path measures nothing. */
export async function agent(args: readonly string[], env?: NodeJS.ProcessEnv, runtime: AgentRuntime = CHECKOUT): Promise<Timed> {
  const run = await runAgent(runtime, args, env);
  if (run.code !== 0) throw new Error(`pbx-activation-agent ${args.join(' ')} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
  return run;
}

/** Times one run of the agent as `runtime` starts it. */
export function runAgent(runtime: AgentRuntime, args: readonly string[], env: NodeJS.ProcessEnv = runtime.env): Promise<Timed> {
  const [command, ...prefix] = runtime.command;
  return timeProcess(command!, [...prefix, ...args], env);
}

/* /proc readers (Linux): resident memory and CPU time of a process and its descendants. */

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture the agent runs on

function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Live descendants of `pid` (children, their children, ...). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** VmRSS in kB (0 when the process is gone). */
export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function treeRssKb(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + rssKb(p), 0);
}

/**
 * CPU time (ms) of a process and everything it started: its own utime+stime,
 * the cutime+cstime of children it has waited for, and the utime+stime of
 * descendants still running.
 */
export function treeCpuMs(pid: number): number {
  const own = statFields(pid);
  if (!own) return 0;
  // Fields after the name, 0-based: 11 utime, 12 stime, 13 cutime, 14 cstime.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const child of descendants(pid)) {
    const f = statFields(child);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU time of the children this process has waited for (cutime + cstime): the difference across one
 * child's life is that child's CPU time, whatever else the machine runs (wall time is not, on a loaded one).
 */
function reapedChildrenCpuMs(): number {
  const fields = statFields(process.pid);
  return fields ? ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND : 0;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}
