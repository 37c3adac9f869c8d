import { AlertService } from '../src/alerts/service.js';
import type { LoadedConfig } from '../src/config/load.js';
import type { Logger } from '../src/log/logger.js';
import { buildChannels } from '../src/notify/build.js';
import type { Store } from '../src/store/store.js';

/** The alert service of a command: channels built (secrets read, ConfigError on problems) before anything runs. */
export async function startAlerts(loaded: LoadedConfig, store: Store, log: Logger): Promise<AlertService> {
  const { config } = loaded;
  const channels = await buildChannels(config.alerts, loaded.path, process.env, log.child({ component: 'alerts' }));
  return new AlertService(
    { store, channels, log: log.child({ component: 'alerts' }) },
    { settings: config.alerts, timeZone: config.timeZone, moduleAliases: config.pbx.moduleAliases, maxClockSkewMs: config.clock.maxSkew },
  );
}
