import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/sandbox/fwconsole-sim.js';
import { initSandbox } from '../../src/sandbox/init.js';
import { schmoozeDir } from '../../src/sandbox/licence-file.js';
import { updateState, type SandboxState } from '../../src/sandbox/state.js';

/** The two fwconsole calls of a check: `sa info` under a terminal, `ma list` without. */
export const CALLS_PER_HOST = 2;

export type FwconsoleKind = 'replay' | 'sandbox';

export interface SimulatedHost {
  readonly name: string;
  readonly fwconsole: string;
  readonly schmoozeDir: string;
}

/**
 * One sandbox PBX per host, each with its own deployment id and a fixed
 * delay on every fwconsole call (state: `slowSeconds`, faults `slow`).
 *
 * `sandbox` runs the sandbox's own fwconsole (a Node process per call);
 * `replay` runs a small sh script that sleeps the same delay and prints what
 * the simulator answers for that host's state, computed once here. Replay keeps
 * Node's start-up (about 0.1 s of CPU per call, on two shared cores) out of a
 * measurement that is about the fleet's own overhead.
 */
export function createHosts(dir: string, count: number, delaySeconds: number, kind: FwconsoleKind): SimulatedHost[] {
  const hosts: SimulatedHost[] = [];
  for (let i = 0; i < count; i++) {
    const name = `pbx-${String(i).padStart(4, '0')}`;
    const sandbox = initSandbox(join(dir, name), { deploymentId: `7${String(i).padStart(10, '0')}` });
    const state = updateState(sandbox.dir, (s) => {
      s.pbx.slowSeconds = delaySeconds;
      s.pbx.faults = { 'sa info': 'slow', 'ma list': 'slow' };
      return structuredClone(s);
    });
    const fwconsole = kind === 'sandbox' ? sandbox.fwconsole : writeReplay(sandbox.dir, state);
    hosts.push({ name, fwconsole, schmoozeDir: schmoozeDir(sandbox.dir) });
  }
  return hosts;
}

function writeReplay(dir: string, state: SandboxState): string {
  const out = join(dir, 'replay');
  mkdirSync(out, { recursive: true });
  const answer = (args: string[], isTTY: boolean) => simulate(structuredClone(state), args, { isTTY, uid: state.pbx.rootUid, now: Date.now() });
  const saInfo = answer(['sa', 'info', '--no-ansi'], true);
  const maList = answer(['ma', 'list', '--format=json'], false);
  writeFileSync(join(out, 'sa-info.txt'), saInfo.stdout);
  writeFileSync(join(out, 'ma-list.txt'), maList.stdout);
  const script = join(dir, 'bin', 'fwconsole-replay');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      '# Benchmark stand-in for fwconsole: the sandbox simulator\'s answer for this host, then its delay.',
      '# Shell builtins print it, so the call costs one process (sleep) besides the shell.',
      'case "$1 $2" in',
      `  "sa info") out=${join(out, 'sa-info.txt')}; delay=${saInfo.delayMs / 1000} ;;`,
      `  "ma list") out=${join(out, 'ma-list.txt')}; delay=${maList.delayMs / 1000} ;;`,
      '  *) echo "Command \\"$1 $2\\" is not defined."; exit 1 ;;',
      'esac',
      'while IFS= read -r line; do printf \'%s\\n\' "$line"; done < "$out"',
      'exec sleep "$delay"',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return script;
}
