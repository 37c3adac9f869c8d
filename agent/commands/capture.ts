import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { captureBundle } from '../../src/app/capture.js';
import { systemClock } from '../../src/core/clock.js';
import { AgentError, UsageError } from '../../src/errors.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { EXIT } from '../exit-codes.js';
import { print, startRuntime, type GlobalOptions } from '../runtime.js';

export interface CaptureCommandOptions extends GlobalOptions {
  readonly output?: string;
  readonly redact?: boolean;
}

/** Runs the read-only fwconsole commands and writes what they printed, and what the agent made of it, to one tar.gz. */
export async function captureCommand(options: CaptureCommandOptions): Promise<number> {
  const { loaded } = startRuntime(options);
  const now = systemClock.now();
  const output = resolve(options.output ?? `pbx-activation-agent-capture-${now.toISOString().replace(/[-:]|\.\d+/g, '')}.tar.gz`);
  const shell = new LocalShell();
  try {
    const result = await captureBundle(loaded.config, shell, systemClock, { redact: options.redact === true });
    let fd: number;
    try {
      fd = openSync(output, 'wx', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot write ${output}: ${code === 'EEXIST' ? 'it already exists' : (err as Error).message}`, 'Choose another file with --output.');
    }
    try {
      // writeSync may write less than asked (a full disk shows as ENOSPC on the next call).
      for (let written = 0; written < result.bundle.length; ) written += writeSync(fd, result.bundle, written);
    } catch (err) {
      // Half a bundle is no bundle: nothing is left behind to be sent by mistake.
      rmSync(output, { force: true });
      throw new AgentError(`cannot write ${output}: ${(err as Error).message}`, 'Free some space (or choose another place with --output) and run capture again.', { cause: err });
    } finally {
      closeSync(fd);
    }
    print(
      [
        ...result.summary.map((line) => `  ${line}`),
        '',
        `Capture written to ${output} (${result.bundle.length} bytes)${result.manifest.redacted ? ', deployment ids and names redacted' : ''}.`,
        result.manifest.redacted
          ? 'Send it with your bug report; `tar -tzvf` shows what is inside.'
          : 'It holds your deployment id and company name: run with --redact before sending it to anyone.',
      ].join('\n'),
    );
    return EXIT.ok;
  } finally {
    await shell.close();
  }
}
