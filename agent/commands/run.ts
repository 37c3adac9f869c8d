import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/log/logger.js';
import { runProcess } from '../../src/process/run-process.js';
import { AgentService, type JobContext } from '../../src/service/agent-service.js';
import type { DaemonJobs } from '../../src/service/daemon.js';
import { serviceNotifier } from '../../src/service/sd-notify.js';
import { Store } from '../../src/store/store.js';
import { rememberConfig } from '../remembered-config.js';
import { EXIT } from '../exit-codes.js';
import { resolveConfigPath } from '../../src/config/config-file.js';
import { commandLogger } from '../logging.js';
import type { GlobalOptions } from '../runtime.js';
import { loadServiceConfig } from '../service-config.js';

/** After SIGTERM the process is gone within this, whatever a job does (systemd's TimeoutStopSec is 20 s). */
const HARD_EXIT_MS = 14_500;
/** A child that outlives this is stopped: far beyond any cycle's own timeouts (read, apply, settle). */
const CHILD_LIMIT_MS = 2 * 3_600_000;
/** Within the service's stop budget: grace for the job (9 s) + this < the hard exit (14.5 s). */
const CHILD_STOP_GRACE_MS = 4000;
const AGENT_BIN = fileURLToPath(new URL('../../../bin/pbx-activation-agent.js', import.meta.url));

/**
 * The daemon systemd starts. Logs go to stdout (journald). Exit 78 on an
 * invalid configuration before anything else happens; 1 when the store or the
 * metrics port cannot be had; 0 after SIGTERM/SIGINT.
 */
export async function runCommand(options: GlobalOptions, version: string): Promise<number> {
  // Everything is checked before anything starts (exit 78): schema, schedule, alert channels and their files.
  const loaded = await loadServiceConfig(resolveConfigPath(options.config));
  const log = commandLogger(loaded, options.logLevel, 'stdout');
  const store = Store.open(loaded.config.store.path);
  const service = new AgentService({
    loaded,
    store,
    clock: systemClock,
    log,
    version,
    notifier: serviceNotifier(process.env, log),
    reloadConfig: loadServiceConfig,
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
 * What the daemon runs, each in a child process of the agent (`check` and
 * `alerts run`, the commands an operator would type): the daemon itself stays
 * small over years of uptime, a crash or a leak in a cycle cannot take it
 * down, and what a cycle used is given back when it ends. The child reads the
 * config file itself, so a SIGHUP reload applies from the next one.
 */
function jobs(context: JobContext, store: Store, log: Logger): DaemonJobs {
  // The config in force goes to the child on stdin: after a refused reload it is not what the file says.
  const agent = (args: string[], signal: AbortSignal) =>
    runProcess([process.execPath, AGENT_BIN, ...args, '--config', context.loaded().path, '--config-stdin'], {
      timeoutMs: CHILD_LIMIT_MS,
      signal,
      input: context.loaded().text,
      inheritOutput: true,
      // Stopping, the child records its run as interrupted before it goes: give it the time.
      killGraceMs: CHILD_STOP_GRACE_MS,
      // If the daemon dies (kill -9), the child hears of it and stops, recording its run as interrupted.
      ipc: true,
    });
  return {
    cycle: async (trigger, signal) => {
      rememberConfig(store, context.loaded());
      const child = await agent(['check', '--trigger', trigger], signal);
      if (child.exitCode === EXIT.locked) return { outcome: 'locked' };
      const run = store.runs.list({ limit: 50 }).find((r) => r.pid === child.pid);
      if (!run?.outcome) {
        log.error({ exitCode: child.exitCode, signal: child.signal }, 'the check process ended without recording its run');
        return { outcome: 'failed' };
      }
      const details = (run.details ?? {}) as { durations?: { fwconsoleMs?: number; portalMs?: number }; fwconsole?: Array<{ command: string; ms: number }> };
      for (const call of details.fwconsole ?? []) context.observe.fwconsole(call.command, call.ms);
      return { outcome: run.outcome, durations: details.durations ?? {} };
    },
    alerts: async (signal) => {
      const child = await agent(['alerts', 'run'], signal);
      if (child.exitCode !== EXIT.ok) log.warn({ exitCode: child.exitCode }, 'alerts run did not deliver everything; the outbox keeps the rest');
    },
  };
}
