import { localCycle } from '../agent/wiring.js';
import { runCycle } from '../src/app/cycle.js';
import { loadConfig } from '../src/config/load.js';
import { addDays, calendarDate } from '../src/core/expiry.js';
import { silentLogger } from '../src/log/logger.js';
import { recordPurchase } from '../src/sandbox/portal-side.js';
import type { Outcome } from '../src/store/runs.js';
import { Store } from '../src/store/store.js';
import { agent, formatMs, median, progress, type Row } from './lib/measure.js';
import { slowFwconsole, startSandbox, type BenchSandbox } from './lib/sandbox.js';

/** Real fwconsole starts PHP with ionCube for every command: 1 to 3 s; the low end is the hardest case. */
export const FWCONSOLE_SECONDS = 1;
const TARGET_PERCENT = 2;

interface Sample {
  readonly wallMs: number;
  readonly fwconsoleMs: number;
  readonly calls: number;
  readonly portalMs: number;
}

/**
 * A full cycle (lease, read the PBX, poll the portal, plan, apply, verify,
 * record) against the sandbox, every simulated fwconsole call taking
 * FWCONSOLE_SECONDS, the portal simulator on 127.0.0.1. The cycle runs in
 * this process, wired as `check` wires it, with the shell observed so the
 * time inside fwconsole calls is known exactly. Reported: (cycle - fwconsole) / fwconsole.
 */
export async function benchCycle(dir: string, runs: number): Promise<Row[]> {
  const sandbox = await startSandbox(dir);
  try {
    slowFwconsole(sandbox, FWCONSOLE_SECONDS);
    // No deliberate waiting: the settle delay (15 s by default, for Apache) is not overhead.
    sandbox.editConfig((c) => {
      c.pbx.settleDelay = '0s';
      c.log = { level: 'warn' };
    });
    const upToDate: Sample[] = [];
    const applied: Sample[] = [];
    await cycleOnce(sandbox, 'up-to-date'); // warm-up: module code, page cache, the portal's first answer
    for (let i = 0; i < runs; i++) {
      upToDate.push(await cycleOnce(sandbox, 'up-to-date'));
      recordPurchase(sandbox.dir, { module: 'broadcast', until: addDays(calendarDate(new Date()), 400 + i) });
      applied.push(await cycleOnce(sandbox, 'applied'));
    }
    const rows = [row('up-to-date cycle', upToDate), row('cycle applying a renewal', applied)];
    return [...rows, await checkProcesses(sandbox, runs)];
  } finally {
    await sandbox.stop();
  }
}

async function cycleOnce(sandbox: BenchSandbox, expected: Outcome): Promise<Sample> {
  const loaded = loadConfig(sandbox.config);
  const store = Store.open(loaded.config.store.path);
  const cycle = localCycle(loaded.config, loaded.path, store, silentLogger);
  try {
    const started = performance.now();
    const result = await runCycle(cycle.deps, cycle.settings, { trigger: 'manual', command: 'bench', dryRun: false });
    const wallMs = performance.now() - started;
    // The cycle's own shell times every fwconsole call.
    const fwconsoleMs = cycle.fwconsoleCalls.reduce((sum, c) => sum + c.ms, 0);
    const calls = cycle.fwconsoleCalls.length;
    if (result.outcome !== expected) throw new Error(`expected a ${expected} cycle, got ${result.outcome}: ${result.error?.message ?? result.notes.join('; ')}`);
    const durations = store.runs.get(result.runId)?.details?.durations as { portalMs?: number } | undefined;
    return { wallMs, fwconsoleMs, calls, portalMs: durations?.portalMs ?? 0 };
  } finally {
    await cycle.close();
    store.close();
  }
}

function row(what: string, samples: readonly Sample[]): Row {
  const percents = samples.map((s) => ((s.wallMs - s.fwconsoleMs) / s.fwconsoleMs) * 100);
  const wall = median(samples.map((s) => s.wallMs));
  const fwconsole = median(samples.map((s) => s.fwconsoleMs));
  const calls = samples[0]?.calls ?? 0;
  const percent = median(percents);
  progress(
    `${what}: cycle ${formatMs(wall)}, fwconsole ${formatMs(fwconsole)} (${calls} calls), portal ${formatMs(median(samples.map((s) => s.portalMs)))}; ` +
      `added ${percents.map((p) => p.toFixed(2)).join(' ')} %`,
  );
  return {
    measure: `${what}: ${formatMs(wall)} for ${calls} fwconsole calls of ${FWCONSOLE_SECONDS} s taking ${formatMs(fwconsole)} (median of ${samples.length})`,
    value: `+${percent.toFixed(2)} %`,
    target: `< ${TARGET_PERCENT} %`,
    met: percent < TARGET_PERCENT,
  };
}

/**
 * The same up-to-date cycle as a whole `check` process (Node start, config
 * validation, module loading, exit), with the fwconsole time the run recorded.
 * This is what each scheduled cycle costs if it runs in a process of its own.
 */
async function checkProcesses(sandbox: BenchSandbox, runs: number): Promise<Row> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await agent(['check', '--json', '--config', sandbox.config]);
    const result = JSON.parse(run.stdout) as { runId: number; outcome: string };
    if (result.outcome !== 'up-to-date') throw new Error(`expected an up-to-date check, got ${result.outcome}`);
    const store = Store.open(sandbox.store, { readonly: true });
    const durations = store.runs.get(result.runId)?.details?.durations as { fwconsoleMs: number; portalMs?: number };
    store.close();
    samples.push({ wallMs: run.ms, fwconsoleMs: durations.fwconsoleMs, calls: 2, portalMs: durations.portalMs ?? 0 });
  }
  const percent = median(samples.map((s) => ((s.wallMs - s.fwconsoleMs) / s.fwconsoleMs) * 100));
  const wall = median(samples.map((s) => s.wallMs));
  progress(`check process: ${formatMs(wall)}, fwconsole ${formatMs(median(samples.map((s) => s.fwconsoleMs)))}, added ${percent.toFixed(2)} %`);
  return {
    measure: `the same as a whole \`check\` process (Node start, config, exit): ${formatMs(wall)} (median of ${runs})`,
    value: `+${percent.toFixed(2)} %`,
    target: 'reference',
    met: null,
  };
}
