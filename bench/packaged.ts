import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchBigStore } from './big-store.js';
import { benchDaemon } from './daemon.js';
import { agent, formatMs, mean, median, progress, ROOT, runAgent, timeProcess, type AgentRuntime, type Row, type Timed } from './lib/measure.js';
import { benchStartUp } from './start-up.js';
import { benchViews } from './views.js';

const PREFIX = '/opt/pbx-activation-agent';
/** The targets for the shipped agent: tighter than the checkout's, since the compile cache is warm. */
const TARGET_STATUS_RATIO = 1.5;

/**
 * The agent as shipped: the release tarball (built by `npm run package` first if release/ has none)
 * unpacked into `dir`, started through its own /usr/bin wrapper (paths pointed at the unpacked tree, the
 * compile cache in `dir`) on its private runtime, against that runtime's `node -e 0` and idle process.
 */
export async function packagedRuntime(dir: string): Promise<AgentRuntime> {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const tarball = join(ROOT, 'release', `pbx-activation-agent-${version}-linux-x64.tar.gz`);
  if (!existsSync(tarball)) {
    progress(`no ${tarball}: building it (npm run package)`);
    run('bash', [join(ROOT, 'packaging', 'build.sh')]);
  }
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', dir]);
  const tree = join(dir, `pbx-activation-agent-${version}`, 'tree');
  const cache = join(dir, 'compile-cache');
  const wrapper = join(dir, 'pbx-activation-agent');
  writeFileSync(wrapper, readFileSync(join(tree, 'usr/bin/pbx-activation-agent'), 'utf8').replaceAll(PREFIX, `${tree}${PREFIX}`));
  chmodSync(wrapper, 0o755);
  const node = join(tree, PREFIX, 'runtime/bin/node');
  const runtime: AgentRuntime = {
    tag: `packaged (Node ${run(node, ['--version']).trim()}): `,
    node,
    command: [wrapper],
    env: { ...process.env, PBX_AGENT_COMPILE_CACHE: cache },
  };
  return runtime;
}

/**
 * `npm run bench -- --only packaged`: the start-up with the compile cache cold and warm, then the
 * start-up, 10-year store, views and daemon benchmarks on the packaged agent.
 */
export async function benchPackaged(dir: string, runs: number, idleSeconds: number): Promise<Row[]> {
  const runtime = await packagedRuntime(join(dir, 'release'));
  return [
    ...(await compileCache(join(dir, 'cache'), runs, runtime)),
    ...(await benchStartUp(join(dir, 'startup'), runs, runtime, TARGET_STATUS_RATIO)),
    ...(await benchBigStore(join(dir, 'store'), Math.max(5, Math.round(runs / 2)), runtime)),
    ...(await benchViews(join(dir, 'views'), Math.max(3, Math.round(runs / 3)), runtime)),
    ...(await benchDaemon(join(dir, 'daemon'), idleSeconds, runtime)),
  ];
}

/** `status` with an empty compile cache (emptied before every run) against a warm one, alternately. */
async function compileCache(dir: string, runs: number, runtime: AgentRuntime): Promise<Row[]> {
  await agent(['sandbox', 'init', join(dir, 'sandbox')]);
  const config = join(dir, 'sandbox', 'agent.json');
  const cache = runtime.env.PBX_AGENT_COMPILE_CACHE!;
  const cold: Timed[] = [];
  const warm: Timed[] = [];
  const bare: Timed[] = [];
  for (let i = -2; i < runs; i++) {
    rmSync(cache, { recursive: true, force: true });
    const c = await runAgent(runtime, ['status', '--config', config]);
    const w = await runAgent(runtime, ['status', '--config', config]);
    const b = await timeProcess(runtime.node, ['-e', '0']);
    if (c.code !== 0 || w.code !== 0) throw new Error(`status exited ${c.code} / ${w.code}: ${c.stderr}${w.stderr}`);
    if (i < 0) continue;
    cold.push(c);
    warm.push(w);
    bare.push(b);
  }
  const wall = (runs: Timed[]) => formatMs(median(runs.map((r) => r.ms)));
  const cpu = (runs: Timed[]) => formatMs(mean(runs.map((r) => r.cpuMs)));
  progress(`${runtime.tag}status with the compile cache cold ${wall(cold)} (CPU ${cpu(cold)}), warm ${wall(warm)} (CPU ${cpu(warm)}); node -e 0 ${wall(bare)} (CPU ${cpu(bare)})`);
  return [
    {
      measure: `${runtime.tag}status wall time, compile cache cold / warm / node -e 0 (medians of ${runs})`,
      value: `${wall(cold)} / ${wall(warm)} / ${wall(bare)}`,
      target: 'reference',
      met: null,
    },
    {
      measure: `${runtime.tag}status CPU time, compile cache cold / warm / node -e 0 (means of ${runs})`,
      value: `${cpu(cold)} / ${cpu(warm)} / ${cpu(bare)}`,
      target: 'reference',
      met: null,
    },
  ];
}

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return result.stdout;
}
