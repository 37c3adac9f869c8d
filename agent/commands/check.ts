import { runCycle } from '../../src/app/cycle.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { ObservedShell } from '../../src/pbx/observed-shell.js';
import { Store } from '../../src/store/store.js';
import { renderCycle } from '../../src/ui/cycle-view.js';
import { exitForOutcome } from '../exit-codes.js';
import { rememberConfig } from '../remembered-config.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { localCycle } from '../wiring.js';

export interface CheckCommandOptions extends GlobalOptions {
  readonly dryRun?: boolean;
  /** Set by the daemon for the checks it starts: logs go to the journal (stdout), no report is printed. */
  readonly trigger?: 'schedule' | 'startup';
}

export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const scheduled = options.trigger !== undefined;
  const { loaded, log, tty } = startRuntime(options, scheduled ? 'stdout' : 'stderr');
  const { config } = loaded;
  const store = Store.open(config.store.path);
  // SIGTERM (the daemon stopping, systemd) or Ctrl-C: the running step is stopped and the run recorded as interrupted.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    rememberConfig(store, loaded);
    // Built first: a broken channel is a configuration error (78) before anything runs. A dry run sends
    // nothing; the daemon runs alerts as a job of its own after each check.
    const alerts = options.dryRun || scheduled ? null : await (await import('../alerting.js')).startAlerts(loaded, store, log);
    const fwconsoleCalls: Array<{ command: string; ms: number }> = [];
    const shell = new ObservedShell(new LocalShell(), { onExec: (command, ms) => fwconsoleCalls.push({ command, ms }) });
    const cycle = localCycle(config, loaded.path, store, log, shell);
    try {
      const result = await runCycle(cycle.deps, cycle.settings, {
        trigger: options.trigger ?? 'manual',
        command: scheduled ? 'run' : options.dryRun ? 'check --dry-run' : 'check',
        dryRun: options.dryRun ?? false,
        signal: stop.signal,
        fwconsoleCalls,
      });
      if (scheduled) log.info({ runId: result.runId, outcome: result.outcome, planned: result.planned.length, error: result.error?.message }, 'scheduled check finished');
      else if (options.json) printJson(result);
      else print(renderCycle(result, tty));
      // Alerts come from what was recorded; delivery problems are logged and kept in the outbox, not an exit code.
      await alerts?.run(cycle.deps.clock.now());
      return exitForOutcome(result.outcome);
    } finally {
      await cycle.close();
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    store.close();
  }
}
