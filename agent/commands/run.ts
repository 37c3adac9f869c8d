import { systemClock } from '../../src/core/clock.js';
import type { Logger, LogLevel } from '../../src/log/logger.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { AgentService } from '../../src/service/agent-service.js';
import type { DaemonJobs } from '../../src/service/daemon.js';
import { serviceNotifier } from '../../src/service/sd-notify.js';
import { CHILD_KILL_GRACE_MS, HARD_EXIT_MS } from '../../src/service/stop-budget.js';
import { takeDaemonLease } from '../../src/app/lease.js';
import { Store } from '../../src/store/store.js';
import { agentChild } from '../agent-child.js';
import { configCycleBoundMs } from '../../src/app/cycle-bound.js';
import { EXIT } from '../exit-codes.js';
import { resolveConfigPath } from '../../src/config/config-file.js';
import { commandLogger } from '../logging.js';
import type { GlobalOptions } from '../runtime.js';
import { loadServiceConfig } from '../service-config.js';

/** An alerts run that outlives this is stopped: far beyond its channels' own timeouts. */
const ALERTS_LIMIT_MS = 2 * 3_600_000;
/** A check process gets its cycle's own limit plus this: it stops itself first and records why. */
const CHECK_MARGIN_MS = 60_000;

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
  // One daemon per store, taken before anything else (metrics port, closing old runs): a second `run` exits 1 naming the first.
  let lost = false;
  let lease: { release(): void };
  try {
    lease = takeDaemonLease(store, systemClock, () => {
      lost = true;
      log.error({}, 'another daemon took over this store (this one did not renew its claim in time); stopping');
      process.kill(process.pid, 'SIGTERM');
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const service = new AgentService({
    loaded,
    store,
    clock: systemClock,
    log,
    version,
    notifier: serviceNotifier(process.env, log),
    reloadConfig: loadServiceConfig,
    jobs: (current) => jobs(current, store, log, options.logLevel),
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
    lease.release();
    store.close();
    throw err;
  }
  await stopped;
  lease.release();
  store.close();
  log.info({ signal: stopSignal }, 'stopped');
  return lost ? EXIT.internal : EXIT.ok;
}

/**
 * What the daemon runs, each in a child process of the agent (`check` and
 * `alerts run`, the commands an operator would type): the daemon itself stays
 * small over years of uptime, a crash or a leak in a cycle cannot take it
 * down, and what a cycle used is given back when it ends.
 */
function jobs(loaded: () => LoadedConfig, store: Store, log: Logger, logLevel: LogLevel | undefined): Pick<DaemonJobs, 'cycle' | 'alerts'> {
  const agent = (args: string[], signal: AbortSignal, timeoutMs: number) =>
    agentChild(args, loaded(), {
      logLevel,
      timeoutMs,
      signal,
      inheritOutput: true,
      killGraceMs: CHILD_KILL_GRACE_MS,
      // If the daemon dies (kill -9), the child hears of it and stops, recording its run as interrupted.
      ipc: true,
    });
  return {
    cycle: async (trigger, signal) => {
      const before = store.runs.lastId();
      const child = await agent(['check', '--trigger', trigger], signal, configCycleBoundMs(loaded().config) + CHECK_MARGIN_MS);
      if (child.exitCode === EXIT.locked) return { outcome: 'locked' };
      const run = child.pid ? store.runs.startedBy(child.pid, before) : null;
      if (!run?.outcome) {
        log.error({ exitCode: child.exitCode, signal: child.signal }, 'the check process ended without recording its run');
        return { outcome: 'failed' };
      }
      const details = (run.details ?? {}) as { durations?: { portalMs?: number }; fwconsole?: Array<{ command: string; ms: number }> };
      return { outcome: run.outcome, fwconsole: details.fwconsole ?? [], ...(details.durations?.portalMs !== undefined ? { portalMs: details.durations.portalMs } : {}) };
    },
    alerts: async (signal) => {
      const child = await agent(['alerts', 'run'], signal, ALERTS_LIMIT_MS);
      if (child.exitCode !== EXIT.ok) log.warn({ exitCode: child.exitCode }, 'alerts run did not deliver everything; the outbox keeps the rest');
    },
  };
}
