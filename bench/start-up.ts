import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agent, CHECKOUT, formatMs, mean, median, progress, runAgent, timeProcess, type AgentRuntime, type Row } from './lib/measure.js';

const FLOOR = fileURLToPath(new URL('./lib/floor.js', import.meta.url));

/**
 * `status` cold start against `node -e 0` of the same runtime: both started as fresh processes,
 * alternately (so a burst of load from elsewhere hits both alike), after two warm-up rounds that fill the
 * page cache (and, for the packaged agent, its compile cache). Medians of `runs` rounds. The floor program
 * (commander + better-sqlite3 alone) runs for the checkout only: it loads the checkout's native module.
 */
export async function benchStartUp(dir: string, runs: number, runtime: AgentRuntime = CHECKOUT, targetRatio = 2.0): Promise<Row[]> {
  await agent(['sandbox', 'init', join(dir, 'sandbox')]);
  const config = join(dir, 'sandbox', 'agent.json');
  const store = join(dir, 'sandbox', 'agent.db');
  const withFloor = runtime === CHECKOUT;
  const bare: number[] = [];
  const status: number[] = [];
  const floor: number[] = [];
  const bareCpu: number[] = [];
  const statusCpu: number[] = [];
  for (let i = -2; i < runs; i++) {
    const b = await timeProcess(runtime.node, ['-e', '0']);
    const s = await runAgent(runtime, ['status', '--config', config]);
    const f = withFloor ? await timeProcess(process.execPath, [FLOOR, 'status', '--store', store]) : null;
    if (s.code !== 0 || (f && f.code !== 0)) throw new Error(`status exited ${s.code} (${s.stderr}), the floor program ${f?.code} (${f?.stderr})`);
    if (i < 0) continue;
    bare.push(b.ms);
    status.push(s.ms);
    bareCpu.push(b.cpuMs);
    statusCpu.push(s.cpuMs);
    if (f) floor.push(f.ms);
  }
  const ratio = median(status) / median(bare);
  progress(`${runtime.tag}status ${formatMs(median(status))}, node -e 0 ${formatMs(median(bare))}${withFloor ? `, commander + better-sqlite3 alone ${formatMs(median(floor))}` : ''} (medians of ${runs})`);
  const rows: Row[] = [
    {
      measure: `${runtime.tag}status cold start / node -e 0 (${formatMs(median(status))} / ${formatMs(median(bare))}, medians of ${runs})`,
      value: `${ratio.toFixed(2)}x`,
      target: `<= ${targetRatio.toFixed(1)}x`,
      met: ratio <= targetRatio,
    },
    {
      // On a loaded machine wall time includes waiting for a core; CPU time does not.
      measure: `${runtime.tag}status CPU time / node -e 0's (${formatMs(mean(statusCpu))} / ${formatMs(mean(bareCpu))}, means of ${runs})`,
      value: `${(mean(statusCpu) / Math.max(mean(bareCpu), 1)).toFixed(2)}x`,
      target: 'reference',
      met: null,
    },
  ];
  if (withFloor) {
    rows.push({
      measure: `floor: one file with commander + better-sqlite3 reading the same store, / node -e 0 (${formatMs(median(floor))})`,
      value: `${(median(floor) / median(bare)).toFixed(2)}x`,
      target: 'reference',
      met: null,
    });
  }
  return rows;
}
