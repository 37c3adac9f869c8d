import { runCycle } from '../../src/app/cycle.js';
import { formatDuration } from '../../src/core/duration.js';
import type { WaitProgress } from '../../src/renewals/source.js';
import { waitOption } from '../wait-option.js';
import { renderRenew } from '../../src/ui/renew-view.js';
import { exitForOutcome } from '../exit-codes.js';
import { confirm } from '../prompt.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { withLocalCycle } from '../wiring.js';

export interface RenewOptions extends GlobalOptions {
  readonly wait?: string;
  readonly force?: boolean;
  readonly yes?: boolean;
  readonly module?: string;
}

/**
 * The manual trigger after a purchase, with every renewal source: Update
 * Activation now (the portal source waits for the portal to show the renewal
 * first), whatever the maintenance window; before/after table at the end.
 */
export async function renewCommand(options: RenewOptions): Promise<number> {
  const waitMs = options.wait === undefined ? 0 : waitOption(options.wait);
  const module = options.module ?? null;
  const runtime = startRuntime(options);
  const { loaded, log, tty } = runtime;
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const onWait = (progress: WaitProgress) => {
    if (!interactive) return log.info({ attempt: progress.attempt, remainingMs: progress.remainingMs, error: progress.error }, progress.message);
    const failed = progress.error ? ` (last attempt failed: ${progress.error})` : '';
    process.stderr.write(`\r\x1b[K${progress.message}: attempt ${progress.attempt}, ${formatDuration(progress.remainingMs)} left${failed}`);
  };
  const apache = (runs: number) =>
    `${runs > 1 ? 'Each run of ' : ''}fwconsole sa ${loaded.config.pbx.applyCommand} restarts Apache (the GUI is gone for ~15 s; calls are not affected).`;
  return withLocalCycle(runtime, { alerts: true, waitMs }, async ({ cycle, signal }) => {
    const askFirst = interactive && !options.yes;
    const result = await runCycle(cycle.deps, cycle.settings, {
      trigger: 'manual',
      command: ['renew', ...(options.force ? ['--force'] : []), ...(module ? [`--module ${module}`] : [])].join(' '),
      dryRun: false,
      renew: true,
      force: options.force ?? false,
      ignoreWindow: true,
      module,
      waitMs,
      onWait,
      signal,
      fwconsoleCalls: cycle.fwconsoleCalls,
      ...(askFirst ? { confirm: (look) => confirm(`${look.question} ${apache(look.activations)}`) } : {}),
    });
    if (interactive) process.stderr.write('\r\x1b[K');
    if (options.json) printJson(result);
    else print(renderRenew(result, tty));
    return exitForOutcome(result.outcome);
  });
}
