import { setTimeout as sleep } from 'node:timers/promises';
import { simulate, type SimResult } from './fwconsole-sim.js';
import { writeSchmoozeFiles } from './licence-file.js';
import { updateState } from './state.js';

/** Entry point of the sandbox's `DIR/bin/fwconsole`. */
export async function main(dir: string, args: readonly string[]): Promise<void> {
  let result: SimResult | undefined;
  try {
    updateState(dir, (state) => {
      result = simulate(state, args, { isTTY: Boolean(process.stdout.isTTY), uid: process.getuid?.() ?? 0, now: Date.now() });
      writeSchmoozeFiles(dir, state.pbx);
    });
  } catch (err) {
    process.stderr.write(`sandbox fwconsole: ${(err as Error).message}\n`);
    process.exitCode = 255;
    return;
  }
  const r = result!;
  if (r.delayMs > 0) await sleep(r.delayMs);
  process.stdout.write(r.stdout);
  if (r.hang) {
    // Like a fwconsole stuck on a lock: nothing more, until someone kills it.
    setInterval(() => {}, 60_000);
    return;
  }
  process.exitCode = r.exitCode;
}
