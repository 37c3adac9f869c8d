import { initSandbox, sandboxPaths } from '../../src/sandbox/init.js';
import { connectAgentConfig, recordPurchase, setFwconsoleFault, setPortalFault } from '../../src/sandbox/portal-side.js';
import { startPortalServer } from '../../src/sandbox/portal-server.js';
import { FwconsoleFault } from '../../src/sandbox/state.js';
import { UsageError } from '../../src/errors.js';
import { EXIT } from '../exit-codes.js';
import { print } from '../output.js';
import { checkCommand } from './check.js';

export async function sandboxInitCommand(dir: string, options: { force?: boolean; deploymentId?: string; fromCapture?: string }): Promise<number> {
  if (options.fromCapture !== undefined && options.deploymentId !== undefined) {
    throw new UsageError('--deployment-id and --from-capture cannot be combined', 'A sandbox built from a capture uses the deployment id of the captured PBX.');
  }
  const paths = initSandbox(dir, options);
  print(
    [
      `Sandbox created in ${paths.dir}${options.fromCapture ? `, replaying ${options.fromCapture}: fwconsole prints what that PBX printed` : ''}`,
      `  simulated fwconsole: ${paths.fwconsole}`,
      `  state (edit it to set up any situation): ${paths.state}`,
      `  agent config: ${paths.config}`,
      '',
      'Reading the simulated PBX once (check --dry-run) so `status` has something to show:',
    ].join('\n'),
  );
  const code = await checkCommand({ config: paths.config, dryRun: true, logLevel: 'warn' });
  print(
    [
      '',
      'Next, as on a real Sangoma PBX (no portal API: renewals come from Update Activation itself):',
      `  pbx-activation-agent status --config ${paths.config}`,
      `  pbx-activation-agent sandbox purchase ${paths.dir} --module broadcast --until 2027-12-31`,
      `  pbx-activation-agent renew --yes --module broadcast --config ${paths.config}`,
      'With a portal speaking docs/portal-api.md (resellers, licence services):',
      `  pbx-activation-agent sandbox portal ${paths.dir} &     # the simulated portal; the agent then asks it`,
      `  pbx-activation-agent renew --wait 1m --yes --config ${paths.config}`,
    ].join('\n'),
  );
  return code;
}

/** Serves the simulated portal until SIGINT/SIGTERM. */
export async function sandboxPortalCommand(dir: string, options: { port?: string }): Promise<number> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not "${options.port}"`, 'Use --port 0 to pick a free port.');
  const portal = await startPortalServer(sandboxPaths(dir).dir, port);
  connectAgentConfig(dir, portal.url);
  print(`Simulated portal listening on ${portal.url} (agent config updated: ${sandboxPaths(dir).config}). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await portal.close();
  return EXIT.ok;
}

export async function sandboxPurchaseCommand(dir: string, options: { module: string; until: string; deployment?: string }): Promise<number> {
  const done = recordPurchase(sandboxPaths(dir).dir, { module: options.module, until: options.until, deploymentId: options.deployment });
  print(
    `Purchased: ${options.module} until ${options.until} for deployment ${done.deploymentId} (was ${done.previous ?? 'not licensed'}). ` +
      "The PBX sees it only after Update Activation: `renew`, or the agent's next probe.",
  );
  return EXIT.ok;
}

export async function sandboxFaultCommand(dir: string, kind: string, options: { fwconsole?: string }): Promise<number> {
  const target = sandboxPaths(dir).dir;
  if (options.fwconsole) {
    const fault = FwconsoleFault.safeParse(kind);
    if (!fault.success) throw new UsageError(`unknown fwconsole fault "${kind}"`, `One of: ${FwconsoleFault.options.join(', ')}.`);
    setFwconsoleFault(target, options.fwconsole, fault.data);
    print(`fwconsole ${options.fwconsole}: ${kind === 'none' ? 'behaving normally' : kind}`);
  } else {
    setPortalFault(target, kind);
    print(`portal: ${kind === 'none' ? 'behaving normally' : kind}`);
  }
  return EXIT.ok;
}
