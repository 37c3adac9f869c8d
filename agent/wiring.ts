import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { pbxReaderFor } from '../src/app/reader.js';
import type { CycleDeps, CycleSettings } from '../src/app/cycle.js';
import { systemClockSynchronized } from '../src/clock/clock-check.js';
import type { AgentConfig } from '../src/config/schema.js';
import { readSecret } from '../src/config/secrets.js';
import { systemClock } from '../src/core/clock.js';
import { parseWindow } from '../src/core/window.js';
import { ConfigError } from '../src/errors.js';
import type { Logger } from '../src/log/logger.js';
import { applyInvocation } from '../src/pbx/apply-invocation.js';
import { LocalShell } from '../src/pbx/local-shell.js';
import type { PbxShell } from '../src/pbx/shell.js';
import { PortalClient, type PortalCache } from '../src/portal/client.js';
import type { Store } from '../src/store/store.js';

export const USER_AGENT = 'pbx-activation-agent/0.1';

/* The composition root: turns a validated config into the cycle's dependencies. */

/** The portal client, or null when no portal is configured (monitor only). Secrets are read here, once. */
export function portalClient(config: AgentConfig, configPath: string, cache: PortalCache, log: Logger): PortalClient | null {
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
    cache,
    log,
  );
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
export function localCycle(config: AgentConfig, configPath: string, store: Store, log: Logger, shell: PbxShell = new LocalShell()): LocalCycle {
  const deps: CycleDeps = {
    store,
    reader: pbxReaderFor(config, shell, systemClock, log),
    portal: portalClient(config, configPath, store.portalCache, log),
    clock: systemClock,
    log,
    host: 'local',
    clockSynchronized: systemClockSynchronized,
    sleep: (ms, signal) => delay(ms, undefined, { signal }),
  };
  return { deps, settings: cycleSettings(config), close: () => shell.close() };
}
