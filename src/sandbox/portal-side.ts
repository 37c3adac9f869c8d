import { readFileSync, writeFileSync } from 'node:fs';
import { formatExpiry, parseExpiry } from '../core/expiry.js';
import { MODULE_KEY } from '../core/items.js';
import { UsageError } from '../errors.js';
import { sandboxPaths } from './init.js';
import { PortalFault, updateState, type FwconsoleFault } from './state.js';

/**
 * What happens on the portal's side of the sandbox: a checkout recording a
 * renewal, faults, and pointing the agent's config at the running simulator.
 */
export interface Purchase {
  readonly module: string;
  readonly until: string;
  readonly deploymentId?: string | undefined;
}

export function recordPurchase(dir: string, purchase: Purchase, now: Date = new Date()): { deploymentId: string; previous: string | null } {
  const until = parseExpiry(purchase.until);
  if (!until || !/^\d{4}-\d{2}-\d{2}$|^never$/i.test(purchase.until.trim())) throw new UsageError(`--until must be a date YYYY-MM-DD (or never), not "${purchase.until}"`, 'For example: --until 2027-12-31.');
  if (!MODULE_KEY.test(purchase.module)) throw new UsageError(`--module must be a licence key such as broadcast or cdrpro, not "${purchase.module}"`, 'Licence keys are shown by `status` (ITEM column).');
  return updateState(dir, (state) => {
    const deploymentId = purchase.deploymentId ?? state.pbx.deploymentId;
    const deployment = state.portal.deployments[deploymentId];
    if (!deployment) throw new UsageError(`the portal has no deployment ${deploymentId}`, `Deployments on this portal: ${Object.keys(state.portal.deployments).join(', ')}.`);
    const existing = deployment.modules[purchase.module];
    const date = formatExpiry(until);
    // A checkout renews licence and maintenance together; the PBX only sees it after `sa activate`.
    deployment.modules[purchase.module] = {
      name: existing?.name ?? purchase.module,
      licenseExpires: date,
      maintenanceExpires: date,
      visibleToUpdate: false,
    };
    deployment.revision += 1;
    deployment.updatedAt = now.toISOString();
    state.portal.cursor += 1;
    state.portal.changes.push({ cursor: state.portal.cursor, deploymentId, at: now.toISOString() });
    return { deploymentId, previous: existing?.licenseExpires ?? null };
  });
}

export function setPortalFault(dir: string, kind: string): void {
  const parsed = PortalFault.safeParse(kind);
  if (!parsed.success) throw new UsageError(`unknown portal fault "${kind}"`, `One of: ${PortalFault.options.join(', ')}.`);
  updateState(dir, (state) => void (state.portal.fault = parsed.data));
}

export const FWCONSOLE_COMMANDS = ['sa info', 'sa update', 'sa activate', 'ma list'] as const;

export function setFwconsoleFault(dir: string, command: string, fault: FwconsoleFault): void {
  if (!(FWCONSOLE_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown fwconsole command "${command}"`, `One of: ${FWCONSOLE_COMMANDS.map((c) => `"${c}"`).join(', ')}.`);
  }
  updateState(dir, (state) => {
    if (fault === 'none') delete state.pbx.faults[command];
    else state.pbx.faults[command] = fault;
  });
}

/** Points DIR/agent.json at the running simulator (and its token file). */
export function connectAgentConfig(dir: string, url: string): void {
  const paths = sandboxPaths(dir);
  const config = JSON.parse(readFileSync(paths.config, 'utf8')) as Record<string, unknown>;
  config.portal = { url, tokenFile: paths.tokenFile, timeout: '10s', retries: 2, retryBase: '500ms', retryMax: '5s', pollInterval: '2s' };
  writeFileSync(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  updateState(dir, (state) => void (state.portal.url = url));
}
