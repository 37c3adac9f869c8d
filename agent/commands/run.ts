import { runCheck } from '../../src/app/check.js';
import { pbxReaderFor } from '../../src/app/reader.js';
import type { AgentConfig } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/log/logger.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { ObservedShell } from '../../src/pbx/observed-shell.js';
import { AgentService, assertServiceConfig, type JobContext } from '../../src/service/agent-service.js';
import type { DaemonJobs } from '../../src/service/daemon.js';
import { serviceNotifier } from '../../src/service/sd-notify.js';
import { Store } from '../../src/store/store.js';
import { EXIT } from '../exit-codes.js';
import { startRuntime, type GlobalOptions } from '../runtime.js';

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
  const service = new AgentService({
    loaded,
    store,
    clock: systemClock,
    log,
    version,
    notifier: serviceNotifier(process.env, log),
    jobs: (context) => checkJobs(context, store, log),
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
 * Today's cycle: read the PBX and record it (runCheck). The renewal cycle and
 * the alert service replace these callbacks; the daemon does not change.
 */
function checkJobs(context: JobContext, store: Store, log: Logger): DaemonJobs {
  return {
    cycle: async (trigger, signal) => {
      const config: AgentConfig = context.config();
      let fwconsoleMs = 0;
      const shell = new ObservedShell(new LocalShell(), {
        signal,
        onExec: (command, ms) => {
          fwconsoleMs += ms;
          context.metrics.observeFwconsole(command, ms);
        },
      });
      try {
        const reader = pbxReaderFor(config, shell, systemClock, log);
        const result = await runCheck({ store, reader, clock: systemClock, log, host: 'local' }, { trigger, command: 'run', dryRun: false });
        return { outcome: result.outcome, durations: { fwconsoleMs } };
      } finally {
        await shell.close();
      }
    },
  };
}
