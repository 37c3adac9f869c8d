import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSshd } from '../../test/helpers/sshd.js';
import { CALLS_PER_HOST, createHosts, type FwconsoleKind } from './hosts.js';

/**
 * `npm run bench:fleet -- [--hosts 200] [--concurrency 20] [--delay 0.5] [--fwconsole replay|sandbox]`
 *
 * N simulated PBXs behind one real sshd on 127.0.0.1, each fwconsole call
 * taking `delay` seconds; runs the real CLI (`fleet check`) once and prints its
 * wall time against the ideal N x calls x delay / concurrency, and its peak RSS.
 * Target (issue 6): 200 hosts, concurrency 20, 0.5 s: within 1.25x, under 200 MB.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TARGET = { hosts: 200, concurrency: 20, delay: 0.5, ratio: 1.25, rssMb: 200 };

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: String(TARGET.hosts) },
    concurrency: { type: 'string', default: String(TARGET.concurrency) },
    delay: { type: 'string', default: String(TARGET.delay) },
    fwconsole: { type: 'string', default: 'replay' },
    keep: { type: 'boolean', default: false },
    user: { type: 'string' },
  },
});
const hosts = Number(values.hosts);
const concurrency = Number(values.concurrency);
const delay = Number(values.delay);
const kind = values.fwconsole as FwconsoleKind;
if (!(hosts > 0 && concurrency > 0 && delay >= 0) || !['replay', 'sandbox'].includes(kind)) {
  process.stderr.write('usage: bench:fleet [--hosts N] [--concurrency N] [--delay SECONDS] [--fwconsole replay|sandbox] [--keep]\n');
  process.exit(2);
}

const user = values.user ?? benchUser();
const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-fleet-'));
// The login user reads the simulated PBXs' files over SSH.
chmodSync(dir, 0o755);
const sshd = await startSshd(join(dir, 'sshd'), { maxStartups: concurrency * 4 });
try {
  const setupStarted = performance.now();
  const simulated = createHosts(join(dir, 'hosts'), hosts, delay, kind);
  // The sandbox's own fwconsole records every call in its state: the login user must own it.
  if (kind === 'sandbox' && user !== userInfo().username) execFileSync('chown', ['-R', user, join(dir, 'hosts')]);
  writeFileSync(
    join(dir, 'fleet.json'),
    JSON.stringify({
      defaults: { user, privateKeyFile: sshd.userKey, port: sshd.port },
      hosts: simulated.map((h) => ({ name: h.name, address: '127.0.0.1', hostKey: sshd.hostKeyFingerprint, pbx: { fwconsole: h.fwconsole, schmoozeDir: h.schmoozeDir } })),
    }),
  );
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ store: { path: 'agent.db' }, log: { level: 'warn' }, fleet: { inventory: 'fleet.json', jitter: 0, concurrency } }));
  process.stdout.write(`set up ${hosts} hosts (${kind} fwconsole) in ${((performance.now() - setupStarted) / 1000).toFixed(1)}s\n`);

  const rssFile = join(dir, 'usage.json');
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  const started = performance.now();
  const run = await runAgent(['--import', join(ROOT, 'dist/bench/fleet/rss-probe.js'), join(ROOT, 'bin/pbx-activation-agent.js'), 'fleet', 'check', '--json', '--config', config], rssFile);
  const wall = (performance.now() - started) / 1000;
  const report = JSON.parse(run.stdout) as { counts: Record<string, number>; durationMs: number; hosts: Array<{ durationMs: number }> };
  const perHost = report.hosts.map((h) => h.durationMs).sort((a, b) => a - b);
  const quantile = (q: number) => ((perHost[Math.min(perHost.length - 1, Math.floor(q * perHost.length))] ?? 0) / 1000).toFixed(2);
  const ideal = (hosts * CALLS_PER_HOST * delay) / concurrency;
  const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number; userMs: number; systemMs: number };
  const rssMb = usage.maxRssKb / 1024;
  const ratio = wall / ideal;

  const lines = [
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    `hosts ${hosts}, concurrency ${concurrency}, ${CALLS_PER_HOST} fwconsole calls per host of ${delay}s (${kind}), ssh login ${user}`,
    `outcomes: ${JSON.stringify(report.counts)} (exit ${run.code})`,
    `ideal   ${ideal.toFixed(2)}s  (hosts x calls x delay / concurrency)`,
    `wall    ${wall.toFixed(2)}s  (whole CLI process; fleet run itself ${(report.durationMs / 1000).toFixed(2)}s)`,
    `ratio   ${ratio.toFixed(3)}x ideal`,
    `one host's cycle: median ${quantile(0.5)}s, p90 ${quantile(0.9)}s, max ${quantile(1)}s (its fwconsole calls: ${(CALLS_PER_HOST * delay).toFixed(2)}s)`,
    `peak RSS ${rssMb.toFixed(1)} MB`,
    `agent CPU ${((usage.userMs + usage.systemMs) / 1000).toFixed(2)}s (user ${(usage.userMs / 1000).toFixed(2)}s, system ${(usage.systemMs / 1000).toFixed(2)}s); machine load before: ${loadBefore}`,
  ];
  const atTarget = hosts === TARGET.hosts && concurrency === TARGET.concurrency && delay === TARGET.delay;
  const allUp = report.counts['up-to-date'] === hosts;
  if (atTarget) lines.push(`target (<= ${TARGET.ratio}x ideal, < ${TARGET.rssMb} MB, every host up to date): ${ratio <= TARGET.ratio && rssMb < TARGET.rssMb && allUp ? 'MET' : 'NOT MET'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!allUp) process.stderr.write(run.stderr.slice(-4000));
  process.exitCode = allUp && (!atTarget || (ratio <= TARGET.ratio && rssMb < TARGET.rssMb)) ? 0 : 1;
} finally {
  await sshd.stop();
  if (values.keep) process.stdout.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

/**
 * Every remote command starts the login user's shell, and Debian's bash reads
 * ~/.bashrc for SSH commands: a heavy one (root's pyenv init here, ~0.25 s)
 * would be measured as fleet overhead. As root, the benchmark logs in as a
 * system user with /bin/sh instead (created once, password field '*', no home).
 */
function benchUser(): string {
  if (process.getuid?.() !== 0) return userInfo().username;
  const name = 'pbx-bench';
  try {
    execFileSync('id', [name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', name]);
    // sshd without PAM refuses a locked ('!') account; '*' only means "no password".
    execFileSync('usermod', ['-p', '*', name]);
  }
  return name;
}

function runAgent(args: string[], rssFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
