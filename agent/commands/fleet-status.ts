import { existsSync } from 'node:fs';
import { calendarDate } from '../../src/core/expiry.js';
import { systemClock } from '../../src/core/clock.js';
import { loadInventory } from '../../src/fleet/inventory.js';
import { buildFleetStatus } from '../../src/fleet/status.js';
import { Store } from '../../src/store/store.js';
import { renderFleetStatus } from '../../src/ui/fleet-view.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson, startRuntime } from '../runtime.js';
import { inventoryPath, type FleetOptions } from './fleet.js';

/** One row per host from the local store (and the inventory's host list); contacts no host. */
export async function fleetStatusCommand(options: FleetOptions): Promise<number> {
  const { loaded, tty } = startRuntime(options);
  const { config } = loaded;
  const path = inventoryPath(options, config.fleet.inventory);
  // Without an inventory (yet), the store still says what was recorded.
  const names = options.inventory !== undefined || existsSync(path) ? loadInventory(path).hosts.map((h) => h.name) : [];
  const today = calendarDate(systemClock.now(), config.timeZone);
  const store = existsSync(config.store.path) ? Store.open(config.store.path, { readonly: true }) : null;
  try {
    const report = buildFleetStatus(store, today, names);
    if (options.json) printJson(report);
    else print(renderFleetStatus(report, tty));
    return EXIT.ok;
  } finally {
    store?.close();
  }
}
