import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MODULE_KEY } from '../src/core/items.js';
import { EXIT } from './exit-codes.js';
import { reportError } from './output.js';

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
    .addOption(new Option('--config-stdin', 'read the configuration text from stdin (the daemon passes the one in force to its checks)').hideHelp())
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
    .description('one full cycle now: read the PBX, ask the renewal source (portal, or the activation probe), apply renewals if due and allowed, verify, record')
    .option('--dry-run', 'plan and report, change nothing on the PBX and send no alerts')
    .option('--json', 'machine-readable output')
    // The daemon starts its checks as `check --trigger schedule|startup`: recorded as such, logs to the journal.
    .addOption(new Option('--trigger <trigger>').choices(['schedule', 'startup']).hideHelp())
    .action((opts, cmd: Command) => run(async () => (await import('./commands/check.js')).checkCommand(cmd.optsWithGlobals()))());

  program
    .command('renew')
    .description('after a purchase: run Update Activation now (whatever the maintenance window; with a portal, once it shows the renewal) and show before/after')
    .option('--wait <duration>', 'keep trying this long until the renewal shows (e.g. 30m): the portal is polled, or Update Activation repeated every renewals.retryEvery (each run restarts Apache)')
    .addOption(new Option('--module <key>', 'the licence key you bought (e.g. broadcast): success means its date moved').argParser(licenceKey))
    .option('--force', 'portal source: run Update Activation even if the portal shows nothing new')
    .option('--yes', 'do not ask before restarting Apache')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/renew.js')).renewCommand(cmd.optsWithGlobals()))());

  program
    .command('history')
    .description('expiry changes and runs, newest first (from the local store)')
    .option('--json', 'machine-readable output')
    .option('--module <key>', 'only changes of this licence key (e.g. broadcast)')
    .option('--since <date>', 'only events on or after this date (YYYY-MM-DD)')
    .option('--deployment <id>', 'only this deployment')
    .option('--limit <n>', 'the newest this many events (default 200)')
    .option('--all', 'every event, however many')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/history.js')).historyCommand(cmd.optsWithGlobals()))());

  program
    .command('due')
    .description('the renewal list: what expires (or has expired) within the period, per deployment, with days left and renewals seen (from the local store)')
    .option('--within <duration>', 'the period (e.g. 30d, 365d)', '90d')
    .option('--deployment <id>', 'only this deployment')
    .option('--csv', 'CSV (RFC 4180, with a header row) for a spreadsheet')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/due.js')).dueCommand(cmd.optsWithGlobals()))());

  program
    .command('calendar')
    .description('an iCalendar (.ics) feed: one all-day event per expiring item, reminders at the alert thresholds (from the local store)')
    .option('--output <file>', 'write the feed to this file instead of stdout')
    .option('--within <duration>', 'only items expiring within this period (and expired ones), e.g. 120d; default: every item with a date')
    .option('--deployment <id>', 'only this deployment')
    .option('--json', 'the events as JSON instead of iCalendar')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/calendar.js')).calendarCommand(cmd.optsWithGlobals()))());

  program
    .command('report')
    .description('summary figures per host; --html FILE writes the timeline page (24 months per deployment, one self-contained file)')
    .option('--html <file>', 'write the timeline page to this file ("-" for stdout)')
    .option('--deployment <id>', 'only this deployment')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/report.js')).reportCommand(cmd.optsWithGlobals()))());

  program
    .command('capture')
    .description('for a bug report: run the read-only fwconsole commands and pack their output, and what the agent made of it, into one tar.gz')
    .option('--output <file>', 'where to write the bundle (default: ./pbx-activation-agent-capture-<time>.tar.gz)')
    .option('--redact', 'replace deployment ids and company names by stand-ins (everything else is kept byte for byte)')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/capture.js')).captureCommand(cmd.optsWithGlobals()))());

  const alerts = program.command('alerts').description('alert channels and the alert outbox');
  alerts
    .command('test')
    .description('send a test message to every channel; one result line per channel, non-zero exit if any failed')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/alerts.js')).alertsTestCommand(cmd.optsWithGlobals()))());
  alerts
    .command('list')
    .description('alerts recorded: pending, delivered, failed (with the last error), newest first')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'at most this many alerts', '50')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/alerts.js')).alertsListCommand(cmd.optsWithGlobals()))());
  alerts
    .command('run')
    .description('decide and send due alerts now (check does this at its end); for a watchdog timer')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/alerts.js')).alertsRunCommand(cmd.optsWithGlobals()))());

  program
    .command('run')
    .description('the daemon (what systemd starts): scheduled checks, housekeeping, metrics; SIGHUP reloads the config')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/run.js')).runCommand(cmd.optsWithGlobals(), version))());

  program
    .command('config')
    .description('the configuration file')
    .command('check')
    .description('validate the configuration as the daemon would (schema, schedule, alert channels and their files); exit 78 listing every problem')
    .option('--json', 'machine-readable output (the validated configuration, or the problems)')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/config.js')).configCheckCommand(cmd.optsWithGlobals()))());

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
    .option('--from-capture <file>', 'a bundle written by `capture`: the simulated fwconsole prints exactly what that PBX printed')
    .action((dir: string, opts: { force?: boolean; deploymentId?: string; fromCapture?: string }) =>
      run(async () => (await import('./commands/sandbox.js')).sandboxInitCommand(dir, opts))(),
    );
  sandbox
    .command('portal')
    .description('serve the simulated portal on 127.0.0.1 until stopped, and point DIR/agent.json at it')
    .argument('<dir>', 'the sandbox directory')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .action((dir: string, opts: { port?: string }) => run(async () => (await import('./commands/sandbox.js')).sandboxPortalCommand(dir, opts))());
  sandbox
    .command('purchase')
    .description("record a renewal as a checkout in Sangoma's portal would (no portal server needed; the PBX sees it after Update Activation)")
    .argument('<dir>', 'the sandbox directory')
    .requiredOption('--module <key>', 'licence key, e.g. broadcast')
    .requiredOption('--until <date>', 'new expiry, YYYY-MM-DD')
    .option('--deployment <id>', 'deployment (default: the simulated PBX)')
    .action((dir: string, opts: { module: string; until: string; deployment?: string }) =>
      run(async () => (await import('./commands/sandbox.js')).sandboxPurchaseCommand(dir, opts))(),
    );
  sandbox
    .command('fault')
    .description('make the portal (or, with --fwconsole, one fwconsole command) misbehave until "none"')
    .argument('<dir>', 'the sandbox directory')
    .argument('<kind>', 'portal: none, slow, 5xx, 429, bad-json, bad-schema, hang, trickle, reset, unauthorized, redirect-loop, huge; fwconsole: none, hang, garbage, empty, exit-1, network, no-change, slow')
    .option('--fwconsole <command>', 'apply to this fwconsole command instead: "sa info", "sa update", "sa activate" or "ma list"')
    .action((dir: string, kind: string, opts: { fwconsole?: string }) =>
      run(async () => (await import('./commands/sandbox.js')).sandboxFaultCommand(dir, kind, opts))(),
    );

  const fleet = program
    .command('fleet')
    .description('the same cycle over SSH for many PBXs, listed in the fleet inventory')
    .option('--inventory <file>', 'fleet inventory (default: fleet.inventory in the config, else /etc/pbx-activation-agent/fleet.json)');
  fleet
    .command('check')
    .description('run the cycle on every host, a few at a time; exits with the code of the worst host outcome')
    .option('--hosts <names>', 'only these hosts (comma-separated inventory names)')
    .addOption(new Option('--concurrency <n>', 'hosts worked on at the same time (default: fleet.concurrency)').argParser(positiveInt))
    .option('--dry-run', 'change nothing on any PBX and send no alerts')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/fleet.js')).fleetCheckCommand(cmd.optsWithGlobals()))());
  fleet
    .command('renew')
    .description('run the cycle now for one host, e.g. right after buying its renewal')
    .argument('<host>', 'inventory name of the host')
    .option('--wait <duration>', 'keep trying this long until the renewal shows (e.g. 10m): the portal is polled, or Update Activation repeated every renewals.retryEvery')
    .addOption(new Option('--module <key>', 'the licence key you bought for that host: success means its date moved').argParser(licenceKey))
    .option('--json', 'machine-readable output')
    .action((host: string, opts, cmd: Command) => run(async () => (await import('./commands/fleet.js')).fleetRenewCommand(host, cmd.optsWithGlobals()))());
  fleet
    .command('status')
    .description('one line per host: deployment, soonest expiry, last check, outcome (from the local store; contacts no host)')
    .option('--json', 'machine-readable output')
    .action((opts, cmd: Command) => run(async () => (await import('./commands/fleet-status.js')).fleetStatusCommand(cmd.optsWithGlobals()))());
  fleet
    .command('trust')
    .description("show a host's SSH host key fingerprint and, once confirmed, pin it in the inventory")
    .argument('<host>', 'inventory name of the host')
    .option('--yes', 'record it without asking (only after comparing the fingerprint out of band)')
    .action((host: string, opts, cmd: Command) => run(async () => (await import('./commands/fleet-trust.js')).fleetTrustCommand(host, cmd.optsWithGlobals()))());

  return program;
}

function licenceKey(value: string): string {
  if (!MODULE_KEY.test(value)) throw new InvalidArgumentError('must be a licence key such as broadcast or cdrpro (shown by `status`, ITEM column)');
  return value;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
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
