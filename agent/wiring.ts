import { setTimeout as delay } from 'node:timers/promises';
import { pbxReaderFor } from '../src/app/reader.js';
import type { CycleDeps, CycleSettings } from '../src/app/cycle.js';
import { configCycleBoundMs } from '../src/app/cycle-bound.js';
import { deadline } from '../src/clock/deadline.js';
import { systemClockSynchronized } from '../src/clock/clock-check.js';
import type { AgentConfig } from '../src/config/schema.js';
import { readPortalFiles } from '../src/config/portal-files.js';
import { systemClock } from '../src/core/clock.js';
import type { Logger } from '../src/log/logger.js';
import { applyInvocation } from '../src/pbx/apply-invocation.js';
import { LocalShell } from '../src/pbx/local-shell.js';
import { ObservedShell } from '../src/pbx/observed-shell.js';
import { PortalClient, type PortalCache } from '../src/portal/client.js';
import { buildRenewalSource } from '../src/renewals/build.js';
import type { RenewalSource } from '../src/renewals/source.js';
import { Store } from '../src/store/store.js';
import { agentVersion } from '../src/version.js';
import { EXIT } from './exit-codes.js';
import { rememberConfig } from './remembered-config.js';
import type { Runtime } from './runtime.js';
import { timerDelay } from '../src/core/timer-delay.js';

/* The composition root: turns a validated config into the cycle's dependencies. */

/** The portal client, or null when no portal is configured (monitor only). Secrets are read here, once. */
export function portalClient(config: AgentConfig, configPath: string, cache: PortalCache, log: Logger): PortalClient | null {
  const portal = config.portal;
  if (!portal) return null;
  const { token, ca } = readPortalFiles(portal, configPath);
  return new PortalClient(
    {
      url: portal.url,
      token,
      ca,
      connectTimeoutMs: portal.connectTimeout,
      timeoutMs: portal.timeout,
      retries: portal.retries,
      retryBaseMs: portal.retryBase,
      retryMaxMs: portal.retryMax,
      userAgent: `pbx-activation-agent/${agentVersion()}`,
    },
    cache,
    log,
  );
}

/** The renewal source in force; the portal client (and its token) only for the portal source. */
export function renewalSourceFor(config: AgentConfig, configPath: string, store: Store, log: Logger): RenewalSource {
  return buildRenewalSource(config, () => portalClient(config, configPath, store.portalCache, log)!);
}

export function cycleSettings(config: AgentConfig): CycleSettings {
  return {
    expectedDeploymentId: config.deploymentId,
    apply: {
      invocation: (deploymentId) => applyInvocation(config.pbx, config.pbx.applyCommand, deploymentId),
      applyTimeoutMs: config.pbx.applyTimeout,
      settleDelayMs: config.pbx.settleDelay,
      settleTimeoutMs: config.pbx.settleTimeout,
    },
    maxSkewMs: config.clock.maxSkew,
  };
}

export interface LocalCycle {
  readonly deps: CycleDeps;
  readonly settings: CycleSettings;
  /** Every fwconsole call of the cycle and how long it took, for the run's record (metrics). */
  readonly fwconsoleCalls: ReadonlyArray<{ readonly command: string; readonly ms: number }>;
  close(): Promise<void>;
}

/** Everything a cycle on this host needs. */
export function localCycle(config: AgentConfig, configPath: string, store: Store, log: Logger): LocalCycle {
  const fwconsoleCalls: Array<{ command: string; ms: number }> = [];
  const shell = new ObservedShell(new LocalShell(), { onExec: (command, ms) => fwconsoleCalls.push({ command, ms }) });
  const deps: CycleDeps = {
    store,
    reader: pbxReaderFor(config, shell, systemClock, log),
    source: renewalSourceFor(config, configPath, store, log),
    clock: systemClock,
    log,
    host: 'local',
    clockSynchronized: systemClockSynchronized,
    sleep: (ms, signal) => delay(timerDelay(ms), undefined, { signal }),
  };
  return { deps, settings: cycleSettings(config), fwconsoleCalls, close: () => shell.close() };
}

export interface LocalRun {
  readonly cycle: LocalCycle;
  /** Fires on SIGTERM (systemd, the daemon stopping or gone) or Ctrl-C, or past the cycle's time limit: the cycle stops its step and records the run interrupted. */
  readonly signal: AbortSignal;
}

/**
 * What `check` and `renew` share: the store (and the config validation kept
 * in it for `status`), the alert channels built before anything runs (a broken
 * one is exit 78), the local cycle, stop signals; after `work`, the alerts.
 */
export async function withLocalCycle(
  runtime: Runtime,
  options: { readonly alerts: boolean; readonly waitMs?: number },
  work: (run: LocalRun) => Promise<number>,
): Promise<number> {
  const { loaded, log } = runtime;
  const store = Store.open(loaded.config.store.path);
  const stop = new AbortController();
  // Armed when the cycle is stopped (SIGTERM, Ctrl-C, the daemon gone) or runs out of time.
  let hardExit: NodeJS.Timeout | null = null;
  const exitIfStuck = (why: string) => {
    hardExit ??= hardExitAfter(STOPPED_EXIT_MS, log, `${why}; exiting now (the next cycle marks the run interrupted and takes over the lease)`);
  };
  const onSignal = () => {
    stop.abort();
    exitIfStuck('the cycle did not stop in time after SIGTERM');
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // Every step ends by its own limit; the cycle as a whole is held to their sum as well.
  const boundMs = configCycleBoundMs(loaded.config, options.waitMs);
  const limit = deadline(boundMs, stop.signal);
  limit.signal.addEventListener('abort', () => limit.expired && exitIfStuck('the cycle did not stop after its time limit'), { once: true });
  try {
    rememberConfig(store, loaded);
    const alerts = options.alerts ? await (await import('./alerting.js')).startAlerts(loaded, store, log) : null;
    const cycle = localCycle(loaded.config, loaded.path, store, log);
    try {
      const code = await work({ cycle, signal: limit.signal });
      // The cycle ended: its alerts are bounded by their channels' timeouts, and a stop still ends them.
      limit.dispose();
      if (!stop.signal.aborted && hardExit) clearTimeout(hardExit);
      // Alerts come from what was recorded; delivery problems are logged and kept in the outbox, not an exit code.
      await alerts?.run(cycle.deps.clock.now());
      return code;
    } finally {
      await cycle.close();
    }
  } finally {
    limit.dispose();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    store.close();
  }
}

/** After a stop, how long the cycle gets to record its run and give the lease back before the process goes. */
const STOPPED_EXIT_MS = 10_000;

/**
 * The last resort when a stopped step does not end (a read blocked in the
 * kernel): exit, leaving the run open and the lease to a dead pid, both of
 * which the next cycle recovers. Does not keep the process alive by itself.
 */
function hardExitAfter(ms: number, log: Logger, message: string): NodeJS.Timeout {
  const timer = setTimeout(() => {
    log.error({ ms }, message);
    process.exit(EXIT.internal);
  }, ms);
  return timer.unref();
}
