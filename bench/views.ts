import { statSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './big-store.js';
import { bigStoreConfig, SHAPE } from './lib/big-store.js';
import { CHECKOUT, formatMs, median, progress, type AgentRuntime, type Row } from './lib/measure.js';

const TARGET_MS = 1000;

/**
 * What operators look at (issue 12) on the 10-year, 1,000-deployment store: the renewal list, the
 * calendar feed of every dated item and the timeline page, each a cold CLI run (a new process), the
 * output read through a pipe or written to a file. Medians of `runs`. On the checkout's Node, or on the packaged
 * agent's own runtime (`runtime`, from the packaged benchmark).
 */
export async function benchViews(dir: string, runs: number, runtime: AgentRuntime = CHECKOUT): Promise<Row[]> {
  const { config, counts } = bigStoreConfig(dir);
  progress(`store: ${SHAPE.deployments} deployments x ${SHAPE.items} items, ${counts.changes} expiry changes`);
  const page = join(dir, 'timeline.html');
  const feed = join(dir, 'expiries.ics');
  const commands: Array<[string, string[], string | null]> = [
    ['due (within 90 days, every deployment)', ['due'], null],
    ['due --csv', ['due', '--csv'], null],
    ['due --deployment ID', ['due', '--deployment', counts.deployment], null],
    ['calendar --output FILE (every dated item)', ['calendar', '--output', feed], feed],
    ['calendar --within 90d --output FILE', ['calendar', '--within', '90d', '--output', feed], feed],
    ['calendar --deployment ID', ['calendar', '--deployment', counts.deployment], null],
    ['report --html FILE (every deployment)', ['report', '--html', page], page],
    ['report --html FILE --deployment ID', ['report', '--html', page, '--deployment', counts.deployment], page],
    ['report (figures per deployment)', ['report'], null],
  ];
  const rows: Row[] = [];
  for (const [what, args, file] of commands) {
    const times: number[] = [];
    let size = 0;
    for (let i = -1; i < runs; i++) {
      const run = await cli([...args, '--config', config], runtime);
      size = file === null ? Buffer.byteLength(run.stdout) : statSync(file).size;
      if (i >= 0) times.push(run.ms);
    }
    const output = size >= 1 << 20 ? `${(size / (1 << 20)).toFixed(1)} MB` : `${Math.round(size / 1024)} kB`;
    progress(`${runtime.tag}${what}: ${times.map((t) => t.toFixed(0)).join(' ')} ms, ${output}`);
    rows.push({ measure: `${runtime.tag}10-year store: ${what}, ${output} out (median of ${runs})`, value: formatMs(median(times)), target: `< ${TARGET_MS} ms`, met: median(times) < TARGET_MS });
  }
  return rows;
}
