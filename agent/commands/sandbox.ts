import { initSandbox } from '../../src/sandbox/init.js';
import { EXIT } from '../exit-codes.js';
import { print } from '../runtime.js';
import { checkCommand } from './check.js';

export async function sandboxInitCommand(dir: string, options: { force?: boolean; deploymentId?: string }): Promise<number> {
  const paths = initSandbox(dir, options);
  print(
    [
      `Sandbox created in ${paths.dir}`,
      `  simulated fwconsole: ${paths.fwconsole}`,
      `  state (edit it to set up any situation): ${paths.state}`,
      `  agent config: ${paths.config}`,
      '',
      'Reading the simulated PBX once (check --dry-run) so `status` has something to show:',
    ].join('\n'),
  );
  const code = await checkCommand({ config: paths.config, dryRun: true, logLevel: 'warn' });
  print(['', 'Next:', `  pbx-activation-agent status --config ${paths.config}`].join('\n'));
  return code === EXIT.ok ? EXIT.ok : code;
}
