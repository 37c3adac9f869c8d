import type { AlertService } from '../../src/alerts/service.js';
import { runCycle } from '../../src/app/cycle.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { LeaseHeldError } from '../../src/errors.js';
import { systemClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/log/logger.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { ObservedShell } from '../../src/pbx/observed-shell.js';
import { AgentService, assertServiceConfig, type JobContext } from '../../src/service/agent-service.js';
import type { DaemonJobs } from '../../src/service/daemon.js';
import { serviceNotifier } from '../../src/service/sd-notify.js';
import { Store } from '../../src/store/store.js';
import { startAlerts } from '../alerting.js';
import { rememberConfig } from '../remembered-config.js';
import { EXIT } from '../exit-codes.js';
import { startRuntime, type GlobalOptions } from '../runtime.js';
import { localCycle } from '../wiring.js';

/** After SIGTERM the process is gone within this, whatever a job does (systemd's TimeoutStopSec is 20 s). */
const HARD_EXIT_MS = 14_500;

/**
 * The daemon systemd starts. Logs go to stdout (journald). Exit 78 on an
 * invalid configuration before anything else happens; 1 when the store or the
 * metrics port cannot be had; 0 after SIGTERM/SIGINT.
 */
export async function runCommand(options: GlobalOptions, version: string): Promise<number> {
  const { loaded, log } = startRuntime(options, 'stdout');
  assertServiceConfig(loaded);
  const store = Store.open(loaded.config.store.path);
  // Alert channels are read and checked now: a broken one is exit 78 before the daemon starts.
  await startAlerts(loaded, store, log).catch((err: unknown) => {
    store.close();
    throw err;
  });
  const service = new AgentService({
    loaded,
    store,
    clock: systemClock,
    log,
    version,
    notifier: serviceNotifier(process.env, log),
    jobs: (context) => jobs(context, store, log),
  });

  let stopSignal: NodeJS.Signals | null = null;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopSignal) return;
      stopSignal = signal;
      log.info({ signal }, 'stopping');
      setTimeout(() => {
        log.error({ signal, ms: HARD_EXIT_MS }, 'did not stop in time; exiting now (open runs are marked interrupted at the next start)');
        process.exit(EXIT.internal);
      }, HARD_EXIT_MS).unref();
      void service.stop().finally(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.on('SIGHUP', () => {
    log.info({}, 'SIGHUP: reloading the configuration');
    void service.reload();
  });

  try {
    await service.start();
  } catch (err) {
    await service.stop();
    store.close();
    throw err;
  }
  await stopped;
  store.close();
  log.info({ signal: stopSignal }, 'stopped');
  return EXIT.ok;
}

/**
 * What the daemon runs: the renewal cycle (as `check` does, trigger schedule
 * or startup) and the alert service. The config is read at each run, so a
 * SIGHUP reload applies from the next one.
 */
function jobs(context: JobContext, store: Store, log: Logger): DaemonJobs {
  let alerts: { service: AlertService; for: LoadedConfig } | null = null;
  const alertService = async () => {
    // Built again after a reload, which may have changed the channels.
    if (alerts?.for !== context.loaded()) alerts = { service: await startAlerts(context.loaded(), store, log), for: context.loaded() };
    return alerts.service;
  };
  return {
    cycle: async (trigger, signal) => {
      const loaded = context.loaded();
      rememberConfig(store, loaded);
      let fwconsoleMs = 0;
      const shell = new ObservedShell(new LocalShell(), {
        signal,
        onExec: (command, ms) => {
          fwconsoleMs += ms;
          context.metrics.observeFwconsole(command, ms);
        },
      });
      const cycle = localCycle(loaded.config, loaded.path, store, log, shell);
      try {
        const result = await runCycle(cycle.deps, cycle.settings, { trigger, command: 'run', dryRun: false, signal });
        const portalMs = (store.runs.get(result.runId)?.details?.durations as { portalMs?: number } | undefined)?.portalMs;
        return { outcome: result.outcome, durations: { fwconsoleMs, ...(portalMs !== undefined ? { portalMs } : {}) } };
      } catch (err) {
        if (err instanceof LeaseHeldError) {
          log.warn({ holder: err.holder }, 'another cycle holds the lease; checking again later');
          return { outcome: 'locked' };
        }
        throw err;
      } finally {
        await cycle.close();
      }
    },
    alerts: async () => {
      await (await alertService()).run(systemClock.now());
    },
  };
}
