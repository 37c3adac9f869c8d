import { join } from 'node:path';
import { addDays } from '../src/core/expiry.js';
import { DEFAULT_DEPLOYMENT_ID } from '../src/sandbox/scenario.js';
import { bigStoreConfig, SHAPE } from './lib/big-store.js';
import { agent, CHECKOUT, formatMs, median, progress, runAgent, type AgentRuntime, type Row, type Timed } from './lib/measure.js';

const TARGET_MS = 100;

/**
 * `status` and `history` on a fleet agent's store after 10 years (1,000
 * deployments, 50 items each), each a cold CLI run (a new process, as a person
 * or a script runs them), output read through a pipe. Medians of `runs`.
 */
export async function benchBigStore(dir: string, runs: number, runtime: AgentRuntime = CHECKOUT): Promise<Row[]> {
  const { config, counts } = bigStoreConfig(dir);
  progress(`store: ${SHAPE.deployments} deployments x ${SHAPE.items} items, ${counts.changes} expiry changes, ${counts.runs} runs`);
  // The same commands on a store of one deployment checked once: what start-up alone costs.
  const small = join(dir, 'small');
  await agent(['sandbox', 'init', small]);
  const smallId = DEFAULT_DEPLOYMENT_ID;
  const since = addDays(new Date().toISOString().slice(0, 10), -30);
  const commands: Array<[string, string[], string[]]> = [
    ['status (all 1,000 deployments)', ['status'], ['status']],
    ['status --deployment ID', ['status', '--deployment', counts.deployment], ['status', '--deployment', smallId]],
    ['history (default: newest 200)', ['history'], ['history']],
    ['history --module zulu', ['history', '--module', counts.module], ['history', '--module', counts.module]],
    ['history --deployment ID', ['history', '--deployment', counts.deployment], ['history', '--deployment', smallId]],
    ['history --since (30 days ago)', ['history', '--since', since], ['history', '--since', since]],
  ];
  const rows: Row[] = [];
  for (const [what, args, smallArgs] of commands) {
    const times: number[] = [];
    const baseline: number[] = [];
    let lines = 0;
    for (let i = -1; i < runs; i++) {
      const run = await cli([...args, '--config', config], runtime);
      const base = await cli([...smallArgs, '--config', join(small, 'agent.json')], runtime);
      lines = run.stdout.split('\n').length;
      if (i < 0) continue;
      times.push(run.ms);
      baseline.push(base.ms);
    }
    progress(`${runtime.tag}${what}: ${times.map((t) => t.toFixed(0)).join(' ')} ms (one-deployment store: ${formatMs(median(baseline))}), ${lines} lines of output`);
    rows.push({
      measure: `${runtime.tag}10-year store: ${what}, ${lines} lines out (1-deployment store: ${formatMs(median(baseline))}; median of ${runs})`,
      value: formatMs(median(times)),
      target: `< ${TARGET_MS} ms`,
      met: median(times) < TARGET_MS,
    });
  }
  return rows;
}

export async function cli(args: readonly string[], runtime: AgentRuntime = CHECKOUT): Promise<Timed> {
  const run = await runAgent(runtime, args);
  if (run.code !== 0) throw new Error(`${args.join(' ')} exited ${run.code}: ${run.stderr.slice(-2000)}`);
  return run;
}
