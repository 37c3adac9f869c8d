import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, calendarDate } from '../src/core/expiry.js';
import { runProcess } from '../src/process/run-process.js';
import { connectAgentConfig } from '../src/sandbox/portal-side.js';
import { startPortalServer } from '../src/sandbox/portal-server.js';
import { AGENT_BIN } from './agent-child.js';

/**
 * `npm run demo`: the whole story on a simulated PBX, using the real CLI for
 * every step, in a temporary directory that is kept for a look: first as a
 * Sangoma customer has it (no portal: Update Activation is the renewal
 * source), then with a portal speaking our contract.
 */
const bold = (t: string) => (process.stdout.isTTY ? `\x1b[1m${t}\x1b[0m` : t);

async function step(title: string, args: string[], okCodes: readonly number[] = [0]): Promise<void> {
  process.stdout.write(`\n${bold(`== ${title}`)}\n${bold(`$ pbx-activation-agent ${args.join(' ')}`)}\n`);
  const result = await runProcess([process.execPath, AGENT_BIN, ...args, ...(args[0] === 'sandbox' && args[1] !== 'init' ? [] : ['--log-level', 'warn'])], { timeoutMs: 180_000, env: { ...process.env, NO_COLOR: process.stdout.isTTY ? '' : '1' } });
  process.stdout.write(result.stdout);
  if (result.stderr.trim()) process.stdout.write(result.stderr);
  if (!okCodes.includes(result.exitCode ?? -1)) throw new Error(`step "${title}" exited with ${result.exitCode ?? result.signal}`);
}

/** An alert channel the demo can show: a command hook that appends each alert's subject to a file. */
function addAlertHook(dir: string, config: string): string {
  const log = join(dir, 'alerts.log');
  const hook = join(dir, 'alert-hook.sh');
  writeFileSync(log, '');
  writeFileSync(hook, `#!/bin/sh\nprintf '  %s\\n' "$ALERT_SUBJECT" >> ${JSON.stringify(log)}\n`, { mode: 0o755 });
  const agent = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  agent.alerts = { channels: [{ type: 'command', name: 'demo-hook', command: [hook] }] };
  writeFileSync(config, `${JSON.stringify(agent, null, 2)}\n`);
  return log;
}

async function main(): Promise<void> {
  const dir = join(mkdtempSync(join(tmpdir(), 'pbx-agent-demo-')), 'sandbox');
  const config = join(dir, 'agent.json');
  const until = addDays(calendarDate(new Date()), 365);

  process.stdout.write(`${bold('Part 1: a Sangoma PBX as every customer has it, no portal API. Renewals come from Update Activation itself.')}\n`);
  await step('A simulated FreePBX, read once', ['sandbox', 'init', dir]);
  const alertLog = addAlertHook(dir, config);
  await step('What expires when, and when the agent will run Update Activation (from the local store: fast, offline)', ['status', '--config', config]);
  await step('Checkout in the Sangoma portal: Broadcast renewed for a year', ['sandbox', 'purchase', dir, '--module', 'broadcast', '--until', until]);
  await step('Right after buying: Update Activation now (the daily check would pick it up by itself), before/after', ['renew', '--yes', '--module', 'broadcast', '--config', config]);
  process.stdout.write(`\n${bold('== Alerts the operator received (a command channel writing to a file)')}\n${readFileSync(alertLog, 'utf8')}`);
  await step('Status after the renewal', ['status', '--config', config]);

  process.stdout.write(`\n${bold('Part 2: a reseller or licence service that speaks the portal contract (docs/portal-api.md).')}\n`);
  const portal = await startPortalServer(dir, 0);
  try {
    connectAgentConfig(dir, portal.url);
    process.stdout.write(`\n${bold(`== The simulated portal is serving on ${portal.url}; the agent now asks it (renewals.source "portal")`)}\n`);
    await step('Checkout in the portal: Sangoma Connect renewed for a year', ['sandbox', 'purchase', dir, '--module', 'zulu', '--until', until]);
    await step('Right after buying: wait for the portal, apply like Update Activation, verify', ['renew', '--wait', '1m', '--yes', '--config', config]);
    await step('History: every expiry change and run', ['history', '--limit', '12', '--config', config]);
  } finally {
    await portal.close();
  }
  process.stdout.write(`\n${bold('Demo finished.')} The sandbox is kept in ${dir} (edit state.json there and run check again).\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
