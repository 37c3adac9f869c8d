import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { sandboxPaths, type SandboxPaths } from '../../src/sandbox/init.js';
import { updateState, type SandboxState } from '../../src/sandbox/state.js';
import { agent, BIN } from './measure.js';

export interface BenchSandbox extends SandboxPaths {
  /** The simulated portal, a process of its own (`sandbox portal`), as an operator would run it. */
  readonly portal: ChildProcess;
  edit(change: (state: SandboxState) => void): void;
  editConfig(change: (config: Record<string, any>) => void): void;
  stop(): Promise<void>;
}

/** `sandbox init DIR` (which reads the simulated PBX once), then `sandbox portal DIR` until stop(). */
export async function startSandbox(dir: string): Promise<BenchSandbox> {
  await agent(['sandbox', 'init', dir]);
  const paths = sandboxPaths(dir);
  const portal = spawn(process.execPath, [BIN, 'sandbox', 'portal', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the portal simulator did not start within 20 s: ${output}`)), 20_000);
    const seen = (d: Buffer) => {
      output += d.toString();
      if (!output.includes('listening on')) return;
      clearTimeout(timer);
      resolve();
    };
    portal.stdout!.on('data', seen);
    portal.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    portal.once('exit', (code) => reject(new Error(`the portal simulator exited ${code}: ${output}`)));
  });
  return {
    ...paths,
    portal,
    edit: (change) => updateState(paths.dir, change),
    editConfig(change) {
      const config = JSON.parse(readFileSync(paths.config, 'utf8')) as Record<string, any>;
      change(config);
      writeFileSync(paths.config, `${JSON.stringify(config, null, 2)}\n`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (portal.exitCode !== null) return resolve();
        portal.once('exit', () => resolve());
        portal.kill('SIGTERM');
      }),
  };
}

/**
 * Every simulated fwconsole command takes `seconds` (plus the simulator's own
 * Node start), and "Apache" comes back at once after `sa activate`.
 */
export function slowFwconsole(sandbox: BenchSandbox, seconds: number): void {
  sandbox.edit((state) => {
    state.pbx.slowSeconds = seconds;
    state.pbx.apacheRestartSeconds = 0;
    for (const command of ['sa info', 'ma list', 'sa activate', 'sa update']) state.pbx.faults[command] = 'slow';
  });
}
