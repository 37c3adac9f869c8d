import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { makeRawSaver } from '../src/app/raw-capture.js';
import type { CycleDeps, CycleSettings } from '../src/app/cycle.js';
import { systemClockSynchronized } from '../src/clock/clock-check.js';
import type { AgentConfig } from '../src/config/schema.js';
import { readSecret } from '../src/config/secrets.js';
import { systemClock, type Clock } from '../src/core/clock.js';
import { parseWindow } from '../src/core/window.js';
import { ConfigError } from '../src/errors.js';
import type { Logger } from '../src/log/logger.js';
import { LocalShell } from '../src/pbx/local-shell.js';
import { PbxReader } from '../src/pbx/pbx-reader.js';
import type { PbxShell } from '../src/pbx/shell.js';
import { PortalClient } from '../src/portal/client.js';
import type { Store } from '../src/store/store.js';

export const USER_AGENT = 'pbx-activation-agent/0.1';

/** The composition root: turns a validated config into the cycle's dependencies. */
export function pbxReader(config: AgentConfig, shell: PbxShell, log: Logger, clock: Clock = systemClock): PbxReader {
  return new PbxReader(
    shell,
    {
      fwconsole: config.pbx.fwconsole,
      schmoozeDir: config.pbx.schmoozeDir,
      tty: config.pbx.tty,
      readTimeoutMs: config.pbx.readTimeout,
      saveRaw: makeRawSaver(config.store.path, () => clock.now()),
    },
    log,
  );
}

/** The portal client, or null when no portal is configured (monitor only). Secrets are read here, once. */
export function portalClient(config: AgentConfig, configPath: string, store: Store, log: Logger): PortalClient | null {
  const portal = config.portal;
  if (!portal) return null;
  const token = readSecret({ what: 'portal token', key: 'portal.tokenFile', file: portal.tokenFile, credential: portal.tokenCredential }, configPath);
  let ca: Buffer | undefined;
  if (portal.caFile) {
    try {
      ca = readFileSync(portal.caFile);
    } catch (err) {
      throw new ConfigError(configPath, [`portal.caFile: cannot read ${portal.caFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
    }
  }
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
      userAgent: USER_AGENT,
    },
    store.portalCache,
    log,
  );
}

export function cycleSettings(config: AgentConfig): CycleSettings {
  return {
    expectedDeploymentId: config.deploymentId,
    apply: {
      command: config.pbx.applyCommand,
      sudo: config.pbx.sudo,
      applyTimeoutMs: config.pbx.applyTimeout,
      settleDelayMs: config.pbx.settleDelay,
      settleTimeoutMs: config.pbx.settleTimeout,
    },
    window: config.schedule.maintenanceWindow ? parseWindow(config.schedule.maintenanceWindow) : null,
    timeZone: config.timeZone,
    maxSkewMs: config.clock.maxSkew,
  };
}

export interface LocalCycle {
  readonly deps: CycleDeps;
  readonly settings: CycleSettings;
  close(): Promise<void>;
}

/** Everything a cycle on this host needs. */
export function localCycle(config: AgentConfig, configPath: string, store: Store, log: Logger): LocalCycle {
  const shell = new LocalShell();
  const deps: CycleDeps = {
    store,
    reader: pbxReader(config, shell, log),
    portal: portalClient(config, configPath, store, log),
    clock: systemClock,
    log,
    host: 'local',
    clockSynchronized: systemClockSynchronized,
    sleep: (ms, signal) => delay(ms, undefined, { signal }),
  };
  return { deps, settings: cycleSettings(config), close: () => shell.close() };
}
