import { resolve } from 'node:path';
import { makeRawSaver } from '../../src/app/raw-capture.js';
import { systemClock } from '../../src/core/clock.js';
import { renewalSource } from '../../src/renewals/settings.js';
import { waitOption } from '../wait-option.js';
import { readCredentials } from '../../src/fleet/credentials.js';
import { loadInventory, selectHosts } from '../../src/fleet/inventory.js';
import { portalChangeFeed } from '../../src/fleet/change-feed.js';
import { renewalCycle, type FleetCycleRequest } from '../../src/fleet/renewal-cycle.js';
import { runFleet } from '../../src/fleet/run-fleet.js';
import { SshShell } from '../../src/pbx/ssh-shell.js';
import { Store } from '../../src/store/store.js';
import { progressLine, renderFleetReport } from '../../src/ui/fleet-view.js';
import { EXIT, exitForOutcome } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { startAlerts } from '../alerting.js';
import { cycleSettings, portalClient } from '../wiring.js';
import { systemClockSynchronized } from '../../src/clock/clock-check.js';

export interface FleetOptions extends GlobalOptions {
  /** `fleet --inventory FILE`; default: fleet.inventory from the config. */
  readonly inventory?: string;
}

export interface FleetCheckOptions extends FleetOptions {
  readonly hosts?: string;
  readonly concurrency?: number;
  readonly dryRun?: boolean;
}

export interface FleetRenewOptions extends FleetOptions {
  readonly wait?: string;
  readonly module?: string;
}

interface FleetPlan {
  readonly names: readonly string[] | undefined;
  readonly concurrency?: number | undefined;
  readonly jitterMs?: number;
  readonly request: FleetCycleRequest;
}

export function inventoryPath(options: FleetOptions, configured: string): string {
  return options.inventory === undefined ? configured : resolve(options.inventory);
}

export async function fleetCheckCommand(options: FleetCheckOptions): Promise<number> {
  const names = options.hosts?.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const dryRun = options.dryRun ?? false;
  return runFleetCommand(options, {
    names,
    concurrency: options.concurrency,
    request: { trigger: 'fleet', command: dryRun ? 'fleet check --dry-run' : 'fleet check', dryRun, renew: false, waitMs: null, module: null, ignoreWindow: false },
  });
}

/** The cycle for one host, started by hand after a purchase; `--wait` is handed to the cycle. */
export async function fleetRenewCommand(host: string, options: FleetRenewOptions): Promise<number> {
  const waitMs = options.wait === undefined ? null : waitOption(options.wait);
  const module = options.module ?? null;
  return runFleetCommand(options, {
    names: [host],
    concurrency: 1,
    jitterMs: 0,
    request: { trigger: 'manual', command: module ? `fleet renew --module ${module}` : 'fleet renew', dryRun: false, renew: true, waitMs, module, ignoreWindow: true },
  });
}

async function runFleetCommand(options: FleetOptions, plan: FleetPlan): Promise<number> {
  const { loaded, log, tty } = startRuntime(options);
  const { config } = loaded;
  const inventory = loadInventory(inventoryPath(options, config.fleet.inventory));
  const hosts = selectHosts(inventory, plan.names);
  const credentials = readCredentials(inventory, hosts);
  const store = Store.open(config.store.path);
  // The portal (and its token) only for the portal source; with the activation probe each host is probed.
  const portal = renewalSource(config) === 'portal' ? portalClient(config, loaded.path, store.portalCache, log) : null;
  // Built first: a broken alert channel is a configuration error (78) before any host is contacted.
  const alerts = plan.request.dryRun ? null : await startAlerts(loaded, store, log);
  // The feed's cursor stands for the whole fleet: a run over some hosts, or `fleet renew` (which polls
  // regardless), would move it past changes of hosts it never polled, and they would look unchanged next time.
  const changes = portal && hosts.length === inventory.hosts.length && plan.request.trigger !== 'manual' ? portalChangeFeed(portal, store, log) : undefined;
  // The deployment each host showed last, to match against the change feed where the inventory names none.
  const lastSeen = changes ? store.expiries.newestPerHost() : null;
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ssh = {
    connectTimeoutMs: config.fleet.connectTimeout,
    keepaliveIntervalMs: config.fleet.keepaliveInterval,
    keepaliveCountMax: config.fleet.keepaliveCountMax,
  };
  try {
    const report = await runFleet({
      hosts,
      concurrency: plan.concurrency ?? config.fleet.concurrency,
      jitterMs: plan.jitterMs ?? config.fleet.jitter,
      hostTimeoutMs: config.fleet.hostTimeout,
      openShell: (host) => new SshShell(host, credentials.get(host.name)!, ssh, log),
      cycle: renewalCycle(
        {
          store,
          clock: systemClock,
          log,
          saveRaw: makeRawSaver(config.store.path, () => systemClock.now()),
          portal,
          sourceConfig: config,
          settings: cycleSettings(config),
          clockSynchronized: systemClockSynchronized,
        },
        plan.request,
      ),
      changes,
      lastKnownDeployment: lastSeen ? (host) => lastSeen.get(host.name) ?? null : undefined,
      signal: interrupt.signal,
      log,
      onHostDone: !options.json && process.stderr.isTTY ? (r, done, total) => process.stderr.write(`${progressLine(r, done, total)}\n`) : undefined,
    });
    if (options.json) printJson(report);
    else print(renderFleetReport(report, tty));
    // Alerts come from what was recorded, per host; delivery problems stay in the outbox, not in the exit code.
    await alerts?.run(systemClock.now());
    return report.worst === null ? EXIT.ok : exitForOutcome(report.worst);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
}
