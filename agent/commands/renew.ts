import { runCycle } from '../../src/app/cycle.js';
import { waitForPurchase } from '../../src/app/wait-for-renewal.js';
import { formatDuration } from '../../src/core/duration.js';
import { waitOption } from '../wait-option.js';
import { ConfigError } from '../../src/errors.js';
import { renderRenew } from '../../src/ui/renew-view.js';
import { exitForOutcome } from '../exit-codes.js';
import { confirm } from '../prompt.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { withLocalCycle } from '../wiring.js';

export interface RenewOptions extends GlobalOptions {
  readonly wait?: string;
  readonly force?: boolean;
  readonly yes?: boolean;
}

/** The manual trigger after a purchase: wait for the portal, apply whatever the window, show before/after. */
export async function renewCommand(options: RenewOptions): Promise<number> {
  const waitMs = options.wait === undefined ? 0 : waitOption(options.wait);
  const runtime = startRuntime(options);
  const { loaded, log, tty } = runtime;
  const { config } = loaded;
  if (!config.portal) {
    throw new ConfigError(loaded.path, ['portal: not configured; renew needs the portal to know what was bought'], 'Add a "portal" section (see README, Configuration), or use `check` to only record expiry dates.');
  }
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return withLocalCycle(runtime, { alerts: true }, async ({ cycle, signal }) => {
    if (waitMs > 0 && cycle.deps.portal) {
      const found = await waitForPurchase(
        { reader: cycle.deps.reader, portal: cycle.deps.portal, clock: cycle.deps.clock, log, sleep: cycle.deps.sleep },
        {
          fallbackDeploymentId: config.deploymentId ?? null,
          waitMs,
          pollEveryMs: config.portal!.pollInterval,
          signal,
          onPoll: ({ attempt, remainingMs, error }) => {
            const line = `waiting for the portal to show the renewal: poll ${attempt}, ${formatDuration(remainingMs)} left${error ? ` (last poll failed: ${error})` : ''}`;
            if (interactive) process.stderr.write(`\r\x1b[K${line}`);
            else log.info({ attempt, remainingMs, error }, 'renewal not on the portal yet');
          },
        },
      );
      if (interactive) process.stderr.write('\r\x1b[K');
      // null: the PBX cannot be read; the cycle below records why (unreachable).
      if (found === null) print('The PBX cannot be read, so there is nothing to wait for; running the cycle to record why.');
      else if (found.length === 0) print(`Nothing new appeared on the portal within ${formatDuration(waitMs)}.`);
      else print(`The portal shows ${found.length} renewal(s): ${found.map((f) => f.label).join(', ')}.`);
    }
    const askFirst = interactive && !options.yes;
    const result = await runCycle(cycle.deps, cycle.settings, {
      trigger: 'manual',
      command: options.force ? 'renew --force' : 'renew',
      dryRun: false,
      force: options.force ?? false,
      ignoreWindow: true,
      signal,
      fwconsoleCalls: cycle.fwconsoleCalls,
      ...(askFirst
        ? {
            confirm: (plan) =>
              confirm(
                `Apply ${plan.renewals.length > 0 ? plan.renewals.map((r) => r.label).join(', ') : 'Update Activation'} now? ` +
                  `fwconsole sa ${config.pbx.applyCommand} restarts Apache (the GUI is gone for ~15 s; calls are not affected).`,
              ),
          }
        : {}),
    });
    if (options.json) printJson(result);
    else print(renderRenew(result, tty));
    return exitForOutcome(result.outcome);
  });
}
