import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { parseInventory, type FleetHost } from '../../src/fleet/inventory.js';
import { renewalCycle, type FleetCycleRequest } from '../../src/fleet/renewal-cycle.js';
import { runFleet } from '../../src/fleet/run-fleet.js';
import { silentLogger } from '../../src/log/logger.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { schmoozeDir } from '../../src/sandbox/licence-file.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { Store } from '../../src/store/store.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

/*
 * The fleet's cycle with the activation probe as its renewal source: each host
 * probed by the same policy, each with its own probe state. The hosts are
 * sandboxes run through local shells (the SSH transport has its own tests).
 */
const tmp = useTmpDirs();
const CHECK: FleetCycleRequest = { trigger: 'fleet', command: 'fleet check', dryRun: false, renew: false, waitMs: null, module: null, ignoreWindow: false };

function world() {
  const dir = tmp();
  const boxes = new Map<string, TestSandbox>(
    ['rome', 'milan'].map((name, i) => {
      const sb = makeSandbox(join(dir, name), { deploymentId: `6319823000${i}` });
      sb.edit((s) => void (s.pbx.apacheRestartSeconds = 0.3));
      return [name, sb];
    }),
  );
  const inventory = parseInventory(
    {
      defaults: { user: 'asterisk', privateKeyFile: 'key', pbx: { settleDelay: '100ms', settleTimeout: '10s' } },
      hosts: [...boxes].map(([name, sb]) => ({ name, address: '127.0.0.1', pbx: { fwconsole: sb.fwconsole, schmoozeDir: schmoozeDir(sb.dir) } })),
    },
    join(dir, 'fleet.json'),
  );
  const store = Store.open(join(dir, 'fleet.db'));
  const config = parseConfig('{"timeZone": "UTC"}', join(dir, 'agent.json'));
  const run = (request: FleetCycleRequest, hosts: readonly FleetHost[] = inventory.hosts) =>
    runFleet({
      hosts,
      concurrency: 2,
      jitterMs: 0,
      hostTimeoutMs: 60_000,
      openShell: () => new LocalShell(),
      cycle: renewalCycle(
        { store, clock: { now: () => new Date() }, log: silentLogger, saveRaw: () => null, portal: null, sourceConfig: config, settings: { maxSkewMs: 300_000 }, clockSynchronized: async () => null },
        request,
      ),
      log: silentLogger,
    });
  const activations = (name: string) => boxes.get(name)!.read().pbx.calls['sa activate'] ?? 0;
  return { boxes, inventory, store, run, activations };
}

describe('fleet with the activation probe', () => {
  it('probes each host by the same policy, each with its own state: once, then not again the same day', async () => {
    const w = world();

    const first = await w.run(CHECK);
    const second = await w.run(CHECK);

    expect(first.hosts.map((h) => [h.host, h.outcome])).toEqual([['rome', 'up-to-date'], ['milan', 'up-to-date']]);
    expect(second.worst).toBe('up-to-date');
    expect([w.activations('rome'), w.activations('milan')]).toEqual([1, 1]);
    expect([...w.store.probes.all()].map(([host, s]) => [host, s.deploymentId, s.result])).toEqual([
      ['milan', '63198230001', 'nothing-new'],
      ['rome', '63198230000', 'nothing-new'],
    ]);
    w.store.close();
  });

  it('fleet renew HOST --module: Update Activation on that host only, at once; success means the module moved', async () => {
    const w = world();
    await w.run(CHECK);
    recordPurchase(w.boxes.get('milan')!.dir, { module: 'zulu', until: '2028-03-31' });

    const renew = await w.run(
      { trigger: 'manual', command: 'fleet renew --module zulu', dryRun: false, renew: true, waitMs: null, module: 'zulu', ignoreWindow: true },
      w.inventory.hosts.filter((h) => h.name === 'milan'),
    );

    expect(renew.hosts).toMatchObject([{ host: 'milan', outcome: 'applied' }]);
    expect([w.activations('rome'), w.activations('milan')]).toEqual([1, 2]);
    const change = w.store.expiries.changes({ moduleKey: 'zulu' }).find((c) => c.newExpiry === '2028-03-31');
    expect(change).toMatchObject({ deploymentId: '63198230001', source: 'activation' });
    w.store.close();
  });
});
