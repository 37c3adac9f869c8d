import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { reportError } from './runtime.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The command line. Each action imports its command module only when it
 * runs, so `status` does not pay for what `check` or `sandbox` load.
 */
export function buildProgram(setExit: (code: number) => void, version: string): Command {
  const program = new Command('pbx-activation-agent')
    .description('Keeps FreePBX commercial module licences activated, recorded and watched.')
    .version(version)
    .option('-c, --config <file>', 'configuration file (default: $PBX_AGENT_CONFIG or /etc/pbx-activation-agent/config.json)')
    .addOption(new Option('--log-level <level>', 'log level (overrides log.level)').choices(LOG_LEVELS))
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run = (load: () => Promise<number>) => async () => setExit(await load().catch(reportError));

  program
    .command('status')
    .description('modules, expiry dates, days left, last and next check (from the local store; no network)')
    .option('--json', 'machine-readable output')
    .option('--deployment <id>', 'only this deployment')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/status.js')).statusCommand(cmd.optsWithGlobals()))());

  program
    .command('check')
    .description('one full cycle now: read the PBX, record what it shows')
    .option('--dry-run', 'change nothing on the PBX and send no alerts')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/check.js')).checkCommand(cmd.optsWithGlobals()))());

  program
    .command('run')
    .description('the daemon (what systemd starts): scheduled checks, housekeeping, metrics; SIGHUP reloads the config')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/run.js')).runCommand(cmd.optsWithGlobals(), version))());

  program
    .command('doctor')
    .description('checks this host: fwconsole, privileges, deployment, store, clock, service, schedule')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/doctor.js')).doctorCommand(cmd.optsWithGlobals()))());

  const sandbox = program.command('sandbox').description('a simulated FreePBX (and portal) to try the agent without a PBX');
  sandbox
    .command('init')
    .description('create a simulated FreePBX in DIR, with an agent config (DIR/agent.json) pointing at it')
    .argument('<dir>', 'directory to create the sandbox in')
    .option('--force', 'replace an existing sandbox state in DIR')
    .option('--deployment-id <id>', 'deployment id of the simulated PBX')
    .action((dir: string, opts: { force?: boolean; deploymentId?: string }) =>
      run(async () => (await import('./commands/sandbox.js')).sandboxInitCommand(dir, opts))(),
    );

  return program;
}

export async function main(argv: readonly string[], version: string): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c), version);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      // commander has already printed the problem
      return err.code === 'commander.executeSubCommandAsync' ? EXIT.internal : EXIT.usage;
    }
    return reportError(err);
  }
  return code;
}
