import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agent, BIN, formatMs, median, progress, timeProcess, type Row } from './lib/measure.js';

const FLOOR = fileURLToPath(new URL('./lib/floor.js', import.meta.url));

const TARGET_RATIO = 2.0;

/**
 * `status` cold start against `node -e 0`: both started as fresh processes,
 * alternately (so a burst of load from elsewhere hits both alike), after two
 * warm-up rounds that fill the page cache. Medians of `runs` rounds.
 */
export async function benchStartUp(dir: string, runs: number): Promise<Row[]> {
  await agent(['sandbox', 'init', join(dir, 'sandbox')]);
  const config = join(dir, 'sandbox', 'agent.json');
  const store = join(dir, 'sandbox', 'agent.db');
  const bare: number[] = [];
  const status: number[] = [];
  const floor: number[] = [];
  for (let i = -2; i < runs; i++) {
    const b = await timeProcess(process.execPath, ['-e', '0']);
    const s = await timeProcess(process.execPath, [BIN, 'status', '--config', config]);
    const f = await timeProcess(process.execPath, [FLOOR, 'status', '--store', store]);
    if (s.code !== 0 || f.code !== 0) throw new Error(`status exited ${s.code} (${s.stderr}), the floor program ${f.code} (${f.stderr})`);
    if (i < 0) continue;
    bare.push(b.ms);
    status.push(s.ms);
    floor.push(f.ms);
  }
  const ratio = median(status) / median(bare);
  progress(`status ${formatMs(median(status))}, node -e 0 ${formatMs(median(bare))}, commander + better-sqlite3 alone ${formatMs(median(floor))} (medians of ${runs})`);
  return [
    {
      measure: `status cold start / node -e 0 (${formatMs(median(status))} / ${formatMs(median(bare))}, medians of ${runs})`,
      value: `${ratio.toFixed(2)}x`,
      target: `<= ${TARGET_RATIO.toFixed(1)}x`,
      met: ratio <= TARGET_RATIO,
    },
    {
      measure: `floor: one file with commander + better-sqlite3 reading the same store, / node -e 0 (${formatMs(median(floor))})`,
      value: `${(median(floor) / median(bare)).toFixed(2)}x`,
      target: 'reference',
      met: null,
    },
  ];
}
