import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/store/store.js';
import { freePort } from '../test/helpers/tcp.js';
import { BIN, progress, rssKb, sleep, type Row } from './lib/measure.js';
import { startSandbox } from './lib/sandbox.js';

const TARGET_GROWTH_KB = 1024;
/** How often the daemon's memory is sampled. */
const SAMPLE_MS = 1000;
/** The measured window: the last half of the cycles, at most this many. */
const WINDOW_CYCLES = 500;

export interface SoakOptions {
  readonly cycles: number;
  /** Node options for the daemon (e.g. `--heapsnapshot-signal=SIGUSR2` when looking for a leak). */
  readonly nodeOptions?: readonly string[];
  /** Called with the daemon's pid after each finished cycle (a heap snapshot, say). */
  readonly onCycle?: (cycle: number, pid: number) => void;
}

/**
 * The daemon over many cycles (issue 14, item 16): `run` on a sandbox with the
 * portal simulator, checks every second (`* * * * * *`: the next starts as soon
 * as the last is done), metrics on and scraped after every cycle, and its own
 * resident memory (not its children's: they come and go) sampled every second.
 * The target: the last WINDOW_CYCLES cycles (the last half of a shorter soak)
 * add under 1 MB, measured as the slope of a least-squares line through the
 * samples of that window times its length, so one GC more or less at either end
 * does not decide it.
 */
export async function benchSoak(dir: string, options: SoakOptions): Promise<Row[]> {
  const sandbox = await startSandbox(dir);
  const logFile = join(dir, 'run.log');
  let daemon: ChildProcess | null = null;
  try {
    const port = await freePort();
    sandbox.editConfig((c) => {
      c.schedule = { check: '* * * * * *' };
      c.metrics = { listen: `127.0.0.1:${port}` };
      c.log = { level: 'info' };
    });
    const log = openSync(logFile, 'w');
    daemon = spawn(process.execPath, [...(options.nodeOptions ?? []), BIN, 'run', '--config', sandbox.config], { stdio: ['ignore', log, log] });
    closeSync(log);
    const pid = daemon.pid!;
    let exited: string | null = null;
    daemon.once('exit', (code, signal) => (exited = `the daemon exited (${code ?? signal}):\n${tail(logFile)}`));

    const samples: Array<{ cycle: number; kb: number; at: number }> = [];
    const started = Date.now();
    let seen = 0;
    let lastReport = 0;
    while (seen < options.cycles) {
      if (exited) throw new Error(exited);
      await sleep(SAMPLE_MS);
      const finished = countFinished(logFile);
      if (finished > seen) {
        // Scraped as Prometheus would; once per cycle is far more often than a real scrape interval.
        await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
        for (let c = seen + 1; c <= finished; c++) options.onCycle?.(c, pid);
        seen = finished;
      }
      samples.push({ cycle: seen, kb: rssKb(pid), at: Date.now() });
      if (seen - lastReport >= 50 || seen >= options.cycles) {
        lastReport = seen;
        progress(`${seen} cycles in ${Math.round((Date.now() - started) / 1000)} s: daemon RSS ${(samples.at(-1)!.kb / 1024).toFixed(1)} MB`);
      }
    }
    // Every sample, for a plot: cycle, seconds since start, RSS in kB.
    writeFileSync(join(dir, 'rss.csv'), ['cycle,seconds,rss_kb', ...samples.map((x) => `${x.cycle},${((x.at - started) / 1000).toFixed(1)},${x.kb}`)].join('\n'));
    progress(`samples: ${join(dir, 'rss.csv')} (kept with --keep)`);
    const outcomes = outcomeCounts(sandbox.store);
    const window = Math.min(WINDOW_CYCLES, Math.floor(options.cycles / 2));
    const inWindow = samples.filter((s) => s.cycle > options.cycles - window);
    const growthKb = slope(inWindow.map((s) => [s.cycle, s.kb])) * window;
    const first = samples.find((s) => s.cycle >= 1) ?? samples[0]!;
    const last = samples.at(-1)!;
    progress(`outcomes: ${[...outcomes].map(([o, n]) => `${o} ${n}`).join(', ')}`);
    return [
      {
        measure: `daemon RSS over ${options.cycles} cycles (checks every second, metrics scraped each cycle): ${mb(first.kb)} after the first, ${mb(last.kb)} after the last`,
        value: `${signed(last.kb - first.kb)}`,
        target: '',
        met: null,
      },
      {
        measure: `daemon RSS growth over the last ${window} cycles (least-squares slope x ${window})`,
        value: signed(growthKb),
        target: `< ${mb(TARGET_GROWTH_KB)}`,
        // Every cycle must have been a full, successful one: a failing check would measure something else.
        met: growthKb < TARGET_GROWTH_KB && [...outcomes.keys()].every((o) => o === 'up-to-date'),
      },
    ];
  } finally {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const child = daemon;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await sandbox.stop();
  }
}

/** Lines the daemon logs as `check finished` so far (each cycle's end). */
function countFinished(logFile: string): number {
  let n = 0;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) if (line.includes('"msg":"check finished"')) n += 1;
  return n;
}

function outcomeCounts(storePath: string): Map<string, number> {
  const store = Store.open(storePath, { readonly: true });
  try {
    return new Map(Object.entries(store.runs.countByOutcome()));
  } finally {
    store.close();
  }
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MB`;
}

function signed(kb: number): string {
  return `${kb >= 0 ? '+' : ''}${(kb / 1024).toFixed(2)} MB`;
}

function tail(file: string): string {
  return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}
