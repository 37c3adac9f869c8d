import { createInterface } from 'node:readline/promises';
import { UsageError } from '../../src/errors.js';
import { loadInventory, selectHosts, type FleetHost } from '../../src/fleet/inventory.js';
import { trustHost } from '../../src/fleet/trust.js';
import { hostKeyFile } from '../../src/pbx/host-key.js';
import { probeHostKey } from '../../src/pbx/ssh-shell.js';
import { where, type PresentedKey } from '../../src/pbx/ssh-target.js';
import { EXIT } from '../exit-codes.js';
import { print, startRuntime } from '../runtime.js';
import { inventoryPath, type FleetOptions } from './fleet.js';

export interface FleetTrustOptions extends FleetOptions {
  readonly yes?: boolean;
}

/** Shows the host key a PBX presents and, once the operator confirms it, pins it in the inventory. */
export async function fleetTrustCommand(name: string, options: FleetTrustOptions): Promise<number> {
  const { loaded } = startRuntime(options);
  const inventory = loadInventory(inventoryPath(options, loaded.config.fleet.inventory));
  const [host] = selectHosts(inventory, [name]);
  const result = await trustHost(inventory, host!, {
    probe: (h) => probeHostKey(h, loaded.config.fleet.connectTimeout),
    confirm: async (h, key) => {
      print(describeKey(h, key));
      if (options.yes) return true;
      if (!process.stdin.isTTY) {
        throw new UsageError('nothing recorded: there is no terminal to confirm on', 'Compare the fingerprint on the PBX console, then run again on a terminal or with --yes.');
      }
      const prompt = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await prompt.question(`Record this key for ${h.name} in ${inventory.path}? [y/N] `)).trim());
      } finally {
        prompt.close();
      }
    },
  });
  switch (result.status) {
    case 'already-trusted':
      print(`${where(host!)} presents ${result.key.fingerprint} (${result.key.type}), the key the inventory already pins. Nothing to do.`);
      return EXIT.ok;
    case 'recorded':
      print(`Recorded ${result.key.fingerprint} for ${host!.name} in ${inventory.path}.`);
      return EXIT.ok;
    case 'declined':
      print('Nothing recorded.');
      return EXIT.usage;
  }
}

function describeKey(host: FleetHost, key: PresentedKey): string {
  return [
    `${where(host)} presents this ${key.type} host key:`,
    `  ${key.fingerprint}`,
    host.hostKey === null ? 'The inventory pins no key for it yet.' : `The inventory pins ${host.hostKey}: THE KEY HAS CHANGED. Be sure the PBX was reinstalled or re-keyed.`,
    `Compare it with what the PBX's own console prints for: ssh-keygen -lf ${hostKeyFile(key.type)}`,
  ].join('\n');
}
