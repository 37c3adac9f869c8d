import type { AgentConfig } from '../config/schema.js';
import type { Portal } from '../portal/client.js';
import { ActivationSource } from './activation-source.js';
import { OffSource } from './off-source.js';
import { PortalSource } from './portal-source.js';
import { maintenanceWindow, probeSettings, renewalSource } from './settings.js';
import type { RenewalSource } from './source.js';

export type SourceConfig = Pick<AgentConfig, 'portal' | 'renewals' | 'schedule' | 'timeZone' | 'clock'>;

/**
 * The renewal source the configuration asks for (`renewals.source`; by
 * default the portal when one is configured, else the activation probe).
 * `portal` is only called for the portal source: it reads the token.
 */
export function buildRenewalSource(config: SourceConfig, portal: () => Portal): RenewalSource {
  const activation = () => new ActivationSource({ probe: probeSettings(config), retryEveryMs: config.renewals.retryEvery });
  switch (renewalSource(config)) {
    case 'portal':
      return new PortalSource(portal(), { window: maintenanceWindow(config), timeZone: config.timeZone, pollEveryMs: config.portal?.pollInterval ?? 30_000 });
    case 'activation':
      return activation();
    case 'off':
      return new OffSource(activation());
  }
}
