import type { AgentConfig, RenewalSettings, RenewalSourceKind } from '../config/schema.js';
import { parseWindow, type DailyWindow } from '../core/window.js';
import type { ProbeSettings } from './probe-policy.js';

/* Settings of the renewal sources from the validated configuration. No zod here: the daemon reads them too. */

/** The renewal source in force: the configured one, else the portal when one is configured, else the activation probe. */
export function renewalSource(config: Pick<AgentConfig, 'portal' | 'renewals'>): RenewalSourceKind {
  return config.renewals.source ?? (config.portal ? 'portal' : 'activation');
}

/** The probe policy's settings; per-module horizons as a Map (licence keys are data, never looked up as object keys). */
export function probeSettings(config: Pick<AgentConfig, 'renewals' | 'schedule' | 'timeZone' | 'clock'>): ProbeSettings {
  const renewals: RenewalSettings = config.renewals;
  return {
    horizonMs: renewals.horizon,
    graceMs: renewals.grace,
    perModule: renewals.perModule,
    intervalMs: renewals.probeInterval,
    window: maintenanceWindow(config),
    timeZone: config.timeZone,
    maxSkewMs: config.clock.maxSkew,
  };
}

export function maintenanceWindow(config: Pick<AgentConfig, 'schedule'>): DailyWindow | null {
  return config.schedule.maintenanceWindow ? parseWindow(config.schedule.maintenanceWindow) : null;
}

