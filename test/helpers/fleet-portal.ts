import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPortalServer, type RunningPortal } from '../../src/sandbox/portal-server.js';
import { updateState, writeState } from '../../src/sandbox/state.js';
import type { TestSandbox } from './sandbox.js';

/** What the portal simulator's "purchase" does: a later date, which only a full `sa activate` picks up. */
export function purchase(sandbox: TestSandbox, key: string, expiry: string): void {
  sandbox.edit((s) => {
    const deployment = s.portal.deployments[s.pbx.deploymentId]!;
    deployment.modules[key] = { ...deployment.modules[key]!, licenseExpires: expiry, maintenanceExpires: expiry, visibleToUpdate: false };
    deployment.revision += 1;
    deployment.updatedAt = new Date().toISOString();
    s.portal.cursor += 1;
    s.portal.changes.push({ cursor: s.portal.cursor, deploymentId: s.pbx.deploymentId, at: deployment.updatedAt });
  });
}

/**
 * One portal for the whole fleet, as a reseller's account is: the simulator
 * serving every sandbox's deployments (each sandbox keeps its own copy, which
 * its simulated `sa activate` reads, like Sangoma's activation servers would).
 */
export async function fleetPortal(portalDir: string, boxes: readonly TestSandbox[]): Promise<RunningPortal> {
  mkdirSync(portalDir, { recursive: true });
  const state = boxes[0]!.read();
  for (const box of boxes) Object.assign(state.portal.deployments, box.read().portal.deployments);
  state.portal.changes = boxes.flatMap((b) => b.read().portal.changes);
  state.portal.cursor = Math.max(...state.portal.changes.map((c) => c.cursor));
  writeState(portalDir, state);
  writeFileSync(join(portalDir, 'portal-token'), `${state.portal.token}\n`, { mode: 0o600 });
  return startPortalServer(portalDir);
}

/** The same purchase on the fleet portal's copy. */
export function purchaseOn(portalDir: string, deploymentId: string, key: string, expiry: string): void {
  updateState(portalDir, (s) => {
    const deployment = s.portal.deployments[deploymentId]!;
    deployment.modules[key] = { ...deployment.modules[key]!, licenseExpires: expiry, maintenanceExpires: expiry, visibleToUpdate: false };
    deployment.revision += 1;
    s.portal.cursor += 1;
    s.portal.changes.push({ cursor: s.portal.cursor, deploymentId, at: new Date().toISOString() });
  });
}

/** An agent config in `dir` (store agent.db, inventory fleet.json) that asks the fleet portal; returns its path. */
export function fleetConfig(dir: string, portal: RunningPortal, extra: { portal?: object; fleet?: object } = {}): string {
  const config = join(dir, 'agent.json');
  writeFileSync(
    config,
    JSON.stringify({
      store: { path: 'agent.db' },
      portal: { url: portal.url, tokenFile: join(dir, 'portal', 'portal-token'), retries: 1, retryBase: '100ms', ...extra.portal },
      fleet: { inventory: 'fleet.json', jitter: 0, connectTimeout: '3s', ...extra.fleet },
    }),
  );
  return config;
}
