import type { LoadedConfig } from '../config/load.js';
import { parseListen } from '../config/listen.js';
import type { AgentConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import type { MetricsServer } from '../metrics/server.js';
import { nextLocalProbe } from '../renewals/outlook.js';
import { probeSettings, renewalSource } from '../renewals/settings.js';
import type { Store } from '../store/store.js';
import { Daemon, type CycleResult, type DaemonJobs, type DaemonSettings } from './daemon.js';
import { loadSlot } from './daemon-state.js';
import { housekeeping } from './housekeeping.js';
import { staleAfterMs } from './plan.js';
import { resolveSchedule } from './schedule.js';
import { STOP_GRACE_MS } from './stop-budget.js';
import type { ServiceNotifier } from './sd-notify.js';

/** What the service needs from the command that starts it. */
export interface ServiceDeps {
  readonly loaded: LoadedConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly version: string;
  readonly notifier: ServiceNotifier;
  /** Reads and validates the configuration again (SIGHUP); throws ConfigError listing every problem. */
  readonly reloadConfig: (path: string) => Promise<LoadedConfig>;
  /** Builds the check and alert jobs once; they ask for the config in force at each run, so a reload applies. */
  readonly jobs: (loaded: () => LoadedConfig) => Pick<DaemonJobs, 'cycle' | 'alerts'>;
}

const HOUR = 3_600_000;

/**
 * The daemon, its housekeeping and the metrics listener, put together and
 * reconfigurable on SIGHUP. Started by `pbx-activation-agent run`.
 */
export class AgentService {
  private loaded: LoadedConfig;
  private daemon: Daemon | null = null;
  private server: MetricsServer | null = null;
  /** Built with the first listener: prom-client is not loaded while metrics are off. */
  private metrics: AgentMetrics | null = null;
  private readonly startedAt: Date;

  constructor(private readonly deps: ServiceDeps) {
    this.loaded = deps.loaded;
    this.startedAt = deps.clock.now();
  }

  /** Starts the metrics listener (failing fast when its port is taken), then the daemon. */
  async start(): Promise<void> {
    await this.startServer(this.loaded.config);
    const jobs = this.deps.jobs(() => this.loaded);
    const { store, clock, log } = this.deps;
    this.daemon = new Daemon(
      {
        ...jobs,
        housekeeping: housekeeping(store, clock, log, () => ({ runsRetentionMs: this.loaded.config.retention.runs })),
        store,
        clock,
        log,
        notifier: this.deps.notifier,
        onCycle: (result: CycleResult | null, ms: number) => {
          this.metrics?.observeCheck(result?.outcome ?? 'error', ms);
          for (const call of result?.fwconsole ?? []) this.metrics?.observeFwconsole(call.command, call.ms);
          if (result?.portalMs !== undefined) this.metrics?.observePortal(result.portalMs);
        },
      },
      this.settings(this.loaded.config),
    );
    await this.daemon.start();
  }

  /**
   * Reads the configuration again. An invalid one is refused with every
   * problem logged, and the service goes on with the one it has.
   */
  async reload(): Promise<boolean> {
    const { log } = this.deps;
    let next: LoadedConfig;
    try {
      next = await this.deps.reloadConfig(this.loaded.path);
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [errorMessage(err)];
      for (const problem of problems) log.error({ file: this.loaded.path, problem }, 'configuration problem');
      log.error({ file: this.loaded.path, problems }, 'configuration not reloaded: keeping the one in use');
      return false;
    }
    if (next.config.store.path !== this.loaded.config.store.path) {
      // The checks get the config text itself: they would write to the new store while the daemon reads the
      // old one. A new store needs a restart; until then the whole configuration in force stays.
      log.error({ in_use: this.loaded.config.store.path, configured: next.config.store.path }, 'configuration not reloaded: store.path changed; restart the service to use the new store');
      return false;
    }
    const previous = this.loaded.config;
    this.loaded = next;
    if (next.config.metrics.listen !== previous.metrics.listen) await this.moveServer(previous);
    this.daemon?.reload(this.settings(next.config));
    return true;
  }

  /** Stops the daemon (bounded, see Daemon.stop), then the listener. The caller closes the store. */
  async stop(): Promise<void> {
    await this.daemon?.stop();
    await this.server?.stop();
  }

  private settings(config: AgentConfig): DaemonSettings {
    const spec = config.schedule.check;
    const kept = this.deps.store.guard((s) => loadSlot(s, spec));
    return {
      schedule: resolveSchedule(spec, config.timeZone, kept),
      retry: { minMs: config.schedule.retryMin, maxMs: config.schedule.retryMax },
      alertsEveryMs: HOUR,
      housekeepingEveryMs: 24 * HOUR,
      stopGraceMs: STOP_GRACE_MS,
      maxSkewMs: config.clock.maxSkew,
    };
  }

  private async startServer(config: AgentConfig): Promise<void> {
    const address = config.metrics.listen === undefined ? null : parseListen(config.metrics.listen);
    if (address === null) return;
    const [{ AgentMetrics }, { MetricsServer }, { viewPages }] = await Promise.all([import('../metrics/metrics.js'), import('../metrics/server.js'), import('./view-pages.js')]);
    this.metrics ??= new AgentMetrics({
      store: this.deps.store,
      clock: this.deps.clock,
      version: this.deps.version,
      startedAt: this.startedAt,
      staleAfterMs: () => staleAfterMs(this.daemon?.schedule ?? this.settings(this.loaded.config).schedule, this.loaded.config.metrics.staleAfter),
      nextProbe: () => {
        const config = this.loaded.config;
        return renewalSource(config) === 'activation' ? nextLocalProbe(this.deps.store, probeSettings(config), this.deps.clock.now()) : null;
      },
      maxSkewMs: () => this.loaded.config.clock.maxSkew,
    });
    const pages = viewPages(this.deps.store, this.deps.clock, () => this.loaded.config);
    const server = new MetricsServer(address, this.metrics, this.deps.log, pages);
    await server.start();
    this.server = server;
  }

  private async moveServer(previous: AgentConfig): Promise<void> {
    await this.server?.stop();
    this.server = null;
    try {
      await this.startServer(this.loaded.config);
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, 'new metrics.listen refused; keeping the previous listener');
      await this.startServer(previous).catch((again: unknown) => this.deps.log.error({ err: errorMessage(again) }, 'metrics listener lost'));
    }
  }
}

