import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { cycleSettings, localCycle } from '../../agent/wiring.js';
import type { CycleDeps, CycleSettings } from '../../src/app/cycle.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { connectAgentConfig } from '../../src/sandbox/portal-side.js';
import { startPortalServer, type RunningPortal } from '../../src/sandbox/portal-server.js';
import { Store } from '../../src/store/store.js';
import { makeSandbox, type TestSandbox } from './sandbox.js';

export interface CycleWorld {
  readonly sandbox: TestSandbox;
  readonly portal: RunningPortal;
  readonly store: Store;
  readonly deps: CycleDeps;
  readonly settings: CycleSettings;
  /** Rewrites agent.json (as an operator would) and rebuilds deps and settings from it. */
  reconfigure(change: (config: Record<string, any>) => void): CycleWorld;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/**
 * A sandbox PBX, the portal simulator on 127.0.0.1 and a store, wired exactly
 * as the CLI wires them from DIR/agent.json. Timings are shortened for tests.
 */
export async function cycleWorld(dir: string): Promise<CycleWorld> {
  const sandbox = makeSandbox(dir);
  sandbox.edit((s) => void (s.pbx.apacheRestartSeconds = 0.3));
  const portal = await startPortalServer(sandbox.dir);
  connectAgentConfig(sandbox.dir, portal.url);
  editConfig(sandbox.config, (c) => {
    c.pbx.settleDelay = '100ms';
    c.pbx.settleTimeout = '10s';
    c.portal.retries = 1;
    c.portal.retryBase = '50ms';
  });
  const store = Store.open(sandbox.store);
  cleanups.push(async () => {
    store.close();
    await portal.close();
  });
  return build(sandbox, portal, store);
}

function build(sandbox: TestSandbox, portal: RunningPortal, store: Store): CycleWorld {
  const config = parseConfig(readFileSync(sandbox.config, 'utf8'), sandbox.config);
  const deps = { ...localCycle(config, sandbox.config, store, silentLogger).deps, clockSynchronized: async () => null };
  return {
    sandbox,
    portal,
    store,
    deps,
    settings: cycleSettings(config),
    reconfigure(change) {
      editConfig(sandbox.config, change);
      return build(sandbox, portal, store);
    },
  };
}

export function editConfig(path: string, change: (config: Record<string, any>) => void): void {
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  change(config);
  writeFileSync(path, JSON.stringify(config, null, 2));
}
