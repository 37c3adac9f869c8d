import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../src/store/runs.js';
import { Store } from '../src/store/store.js';
import { FWCONSOLE_SECONDS } from './cycle.js';
import { CHECKOUT, descendants, formatMs, median, progress, rssKb, sleep, treeCpuMs, treeRssKb, type AgentRuntime, type Row } from './lib/measure.js';
import { slowFwconsole, startSandbox } from './lib/sandbox.js';

const TARGET_RSS_RATIO = 1.5;
const TARGET_IDLE_CPU_MS = 50;
const TARGET_CYCLE_PERCENT = 2;
/** Seconds into the scheduled minute at which the daemon's checks are due. */
const DUE_SECONDS = [0, 10, 20];
/** The first check comes at least this long after the daemon starts. */
const MIN_LEAD_S = 20;

/**
 * The daemon (`run`, started as systemd would, on a sandbox with the portal
 * simulator and fwconsole calls of FWCONSOLE_SECONDS) against an idle bare
 * Node process: resident memory after start and after its first cycle, the
 * time its scheduled cycles add to fwconsole's, and the CPU time it uses over
 * `idleSeconds` with nothing due. Memory and CPU count the daemon and every
 * process it started (a cycle or an alert run may happen in a child process).
 *
 * The schedule is a cron for three instants of one minute each day, so three
 * cycles run during the measurement and none while idle.
 */
export async function benchDaemon(dir: string, idleSeconds: number, runtime: AgentRuntime = CHECKOUT): Promise<Row[]> {
  const sandbox = await startSandbox(dir);
  const logFile = join(dir, 'run.log');
  let daemon: ChildProcess | null = null;
  let bare: ChildProcess | null = null;
  try {
    slowFwconsole(sandbox, FWCONSOLE_SECONDS);
    const minute = new Date(Math.ceil((Date.now() + MIN_LEAD_S * 1000) / 60_000) * 60_000);
    const dues = DUE_SECONDS.map((s) => new Date(minute.getTime() + s * 1000));
    sandbox.editConfig((c) => {
      // node-cron's 6-field form, seconds first, in the host's zone (no timeZone set).
      c.schedule = { check: `${DUE_SECONDS.join(',')} ${minute.getMinutes()} ${minute.getHours()} * * *` };
      c.log = { level: 'info' };
    });
    const log = openSync(logFile, 'w');
    const startedAt = new Date().toISOString();
    const [command, ...prefix] = runtime.command;
    daemon = spawn(command!, [...prefix, 'run', '--config', sandbox.config], { stdio: ['ignore', log, log], env: runtime.env });
    bare = spawn(runtime.node, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    closeSync(log);
    const pid = daemon.pid!;
    const exited = new Promise<never>((_, reject) => daemon!.once('exit', (code) => reject(new Error(`the daemon exited ${code}:\n${tail(logFile)}`))));
    exited.catch(() => undefined); // it also exits when stopped below; only the races care
    const runs = () => runsSince(sandbox.store, startedAt);
    const finished = (count: number) => () => {
      const seen = runs();
      return seen.length === count && seen.every((r) => r.endedAt !== null);
    };

    await Promise.race([sleep(5000), exited]);
    if (runs().length > 0) throw new Error('a check ran at start-up: the sandbox should have a recent successful check');
    const afterStart = treeRssKb(pid);
    const bareStart = rssKb(bare.pid!);
    progress(`${runtime.tag}after start: daemon ${mb(afterStart)}, bare node ${mb(bareStart)}; first check due ${dues[0]!.toISOString()}`);

    await Promise.race([settled(pid, finished(1)), exited]);
    const afterCycle = treeRssKb(pid);
    const bareCycle = rssKb(bare.pid!);
    if (runs().length !== 1) throw new Error('the second check started before the memory after the first was measured');
    progress(`after the first cycle: daemon ${mb(afterCycle)}, bare node ${mb(bareCycle)}`);

    await Promise.race([settled(pid, finished(dues.length)), exited]);
    const cpuBefore = treeCpuMs(pid);
    const bareCpuBefore = treeCpuMs(bare.pid!);
    await Promise.race([sleep(idleSeconds * 1000), exited]);
    const idleCpu = treeCpuMs(pid) - cpuBefore;
    const bareIdleCpu = treeCpuMs(bare.pid!) - bareCpuBefore;
    const cycles = runs();
    if (cycles.length !== dues.length) throw new Error(`expected ${dues.length} cycles, saw ${cycles.length}`);
    progress(`idle ${idleSeconds} s: daemon ${idleCpu} ms CPU, bare node ${bareIdleCpu} ms (1 tick = 10 ms)`);

    const ratio = (kb: number, base: number) => kb / base;
    return [
      scheduledCycles([...cycles].reverse(), dues, runtime.tag),
      {
        measure: `${runtime.tag}daemon RSS after start / idle bare node (${mb(afterStart)} / ${mb(bareStart)})`,
        value: `${ratio(afterStart, bareStart).toFixed(2)}x`,
        target: `<= ${TARGET_RSS_RATIO}x`,
        met: ratio(afterStart, bareStart) <= TARGET_RSS_RATIO,
      },
      {
        measure: `${runtime.tag}daemon RSS after a cycle / idle bare node (${mb(afterCycle)} / ${mb(bareCycle)})`,
        value: `${ratio(afterCycle, bareCycle).toFixed(2)}x`,
        target: `<= ${TARGET_RSS_RATIO}x`,
        met: ratio(afterCycle, bareCycle) <= TARGET_RSS_RATIO,
      },
      {
        measure: `${runtime.tag}daemon CPU time over ${idleSeconds} idle seconds (bare node: ${bareIdleCpu} ms)`,
        value: `${idleCpu} ms`,
        target: `< ${TARGET_IDLE_CPU_MS} ms`,
        met: idleCpu < TARGET_IDLE_CPU_MS,
      },
    ];
  } finally {
    await Promise.all([stop(daemon), stop(bare)]);
    await sandbox.stop();
  }
}

/**
 * The daemon's scheduled cycles, each from the instant it was due to the end
 * recorded on its run, against the fwconsole time the run recorded: whatever
 * the daemon does between (waking up, starting a process for the cycle,
 * loading code, reading the config) counts as added time.
 */
function scheduledCycles(runs: readonly RunRecord[], dues: readonly Date[], tag: string): Row {
  const measure = `${tag}daemon: its scheduled cycles, from the due instant to the recorded end`;
  const samples = runs.map((run, i) => {
    const fwconsoleMs = (run.details?.durations as { fwconsoleMs?: number } | undefined)?.fwconsoleMs;
    if (!run.endedAt || fwconsoleMs === undefined || run.outcome !== 'up-to-date') return null;
    const wallMs = Date.parse(run.endedAt) - dues[i]!.getTime();
    progress(`scheduled cycle ${i + 1}: due ${dues[i]!.toISOString()}, started ${run.startedAt}, ended ${run.endedAt}; fwconsole ${fwconsoleMs.toFixed(0)} ms`);
    return { wallMs, fwconsoleMs, percent: ((wallMs - fwconsoleMs) / fwconsoleMs) * 100 };
  });
  if (samples.some((s) => s === null)) {
    return { measure: `${measure} (${runs.map((r) => r.outcome ?? 'unfinished').join(', ')}; no durations recorded)`, value: 'n/a', target: `< ${TARGET_CYCLE_PERCENT} %`, met: false };
  }
  const ok = samples as Array<{ wallMs: number; fwconsoleMs: number; percent: number }>;
  const percent = median(ok.map((s) => s.percent));
  return {
    measure: `${measure}: ${formatMs(median(ok.map((s) => s.wallMs)))}, fwconsole ${formatMs(median(ok.map((s) => s.fwconsoleMs)))} (median of ${ok.length}: ${ok.map((s) => s.percent.toFixed(1)).join(', ')} %)`,
    value: `+${percent.toFixed(2)} %`,
    target: `< ${TARGET_CYCLE_PERCENT} %`,
    met: percent < TARGET_CYCLE_PERCENT,
  };
}

function runsSince(storePath: string, since: string): RunRecord[] {
  const store = Store.open(storePath, { readonly: true });
  try {
    return store.runs.list({ since });
  } finally {
    store.close();
  }
}

/** Until `done()` holds and the daemon has no child process left; then 1 s more. */
async function settled(pid: number, done: () => boolean, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done() && descendants(pid).length === 0) {
      await sleep(1000);
      return;
    }
    await sleep(250);
  }
  throw new Error('the scheduled checks did not run and finish in time');
}

function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MB`;
}

function tail(file: string): string {
  return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}
