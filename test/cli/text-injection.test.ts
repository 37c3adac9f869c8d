import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { Store } from '../../src/store/store.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { fakePbx, maListJson, saInfo, type FakePbx } from '../helpers/fake-pbx.js';
import { FORBIDDEN, HOSTILE } from '../helpers/hostile-text.js';
import { httpServer } from '../helpers/http-server.js';
import { useReceivers } from '../helpers/receiver.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const receiver = useReceivers();

/** Every class at once, each between two letters: what is left must read `x` between them. */
const ALL = HOSTILE.map(([, bad]) => bad).join('x');
const KEPT = 'Société 株式会社 שלום';

/** Everything a person or a program reads back: human and JSON output of status, history and alerts list. */
async function readBack(pbx: FakePbx): Promise<CliResult[]> {
  const commands = [['status'], ['status', '--json'], ['history'], ['history', '--json'], ['alerts', 'list'], ['alerts', 'list', '--json']];
  return Promise.all(commands.map((c) => runCli([...c, '--config', pbx.config])));
}

/** Every text the store holds about deployments, modules, runs and alerts. */
function storedText(pbx: FakePbx): string {
  const store = Store.open(pbx.store, { readonly: true });
  try {
    const rows = [store.expiries.deployments(), store.expiries.modules('63198234567'), store.runs.list(), store.outbox.channelStates(), store.outbox.events({ limit: 100 }).map((e) => [e, store.outbox.deliveries(e.id)])];
    return strings(rows).join('\n');
  } finally {
    store.close();
  }
}

/** Every string in a parsed JSON value (JSON text itself escapes C0 controls, which would hide them). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(strings);
}

/** The bytes printed, and for JSON output the strings it carries (JSON writes an ESC as the six characters \u001b). */
function expectClean(results: readonly CliResult[]): void {
  for (const r of results) {
    expect(r.stdout).not.toMatch(FORBIDDEN);
    expect(r.stderr).not.toMatch(FORBIDDEN);
    if (r.stdout.startsWith('{')) for (const text of strings(JSON.parse(r.stdout))) expect(text).not.toMatch(FORBIDDEN);
  }
}

// Several CLI runs per test: on a loaded machine they take longer than the default 20 s together.
describe('control and bidi characters from outside never reach the terminal, the store or an alert', { timeout: 60_000 }, () => {
  it('from fwconsole (product name, module names and states) and from receivers (a hook and a webhook that fail)', async () => {
    const dir = tmp();
    const pbx = fakePbx(dir);
    const soon = addDays(calendarDate(new Date()), 3);
    pbx.saInfo(saInfo({ 'Deployment ID': '63198234567', 'Product-Name': `${KEPT} ${ALL}`, 'Activation Expiry': '2030-09-04', cos_exp: soon }));
    pbx.maList(maListJson([['framework', '17.0.1', 'Enabled', 'GPLv2+'], [`cos${ALL}`, `17${ALL}`, `Disabled${ALL}`, `Commercial${ALL}`]]));
    const hook = join(dir, 'hook.sh');
    // Every byte as an octal escape: the script file itself stays plain text.
    const octal = [...Buffer.from(`${ALL} relay down`)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    writeFileSync(hook, `#!/bin/sh\nprintf '${octal}' >&2\nexit 3\n`);
    chmodSync(hook, 0o755);
    const webhook = await httpServer((_req, res) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`proxy ${ALL} error`));
    const ok = await receiver();
    pbx.configure((c) => {
      c.alerts = { channels: [{ type: 'command', name: 'hook', command: [hook] }, { type: 'webhook', name: 'web', url: `${webhook.url}/hook` }, { type: 'webhook', name: 'ok', url: ok.url }] };
    });

    const check = await runCli(['check', '--config', pbx.config]);
    const results = [check, ...(await readBack(pbx))];

    expect(check.code, check.stderr).toBe(0);
    expectClean(results);
    expect(storedText(pbx)).not.toMatch(FORBIDDEN);
    const [, status, , , , list] = results;
    expect(status!.stdout).toContain(`Deployment 63198234567 (${KEPT} ${'x'.repeat(HOSTILE.length - 1)})`);
    expect(status!.stdout).toMatch(/^cos\s+licence/m);
    const sent = ok.accepted();
    expect(sent.map((b) => b.title)).toContainEqual(expect.stringContaining('cos licence expires in 3 days'));
    for (const text of sent.flatMap(strings)) expect(text).not.toMatch(FORBIDDEN);
    expect(sent.map((b) => b.text).join('\n')).toContain(KEPT);
    expect(list!.stdout).toMatch(/hook: pending, 1 attempt, last error: command \S+hook\.sh: exited with status 3: x+ relay down/);
    expect(list!.stdout).toMatch(/web: pending, 1 attempt, last error: webhook http:\/\/127\.0\.0\.1:\d+: HTTP 500: proxy x+ error/);
  });

  it('from a fwconsole failure message: the run error as status and history show it', async () => {
    const pbx = fakePbx(tmp());
    await runCli(['check', '--config', pbx.config]);
    pbx.saInfo(`Cant Reach Online Server ${ALL} ${KEPT}\n`);

    const check = await runCli(['check', '--config', pbx.config]);
    const results = [check, ...(await readBack(pbx))];

    expect(check.code).toBe(5);
    expectClean(results);
    expect(storedText(pbx)).not.toMatch(FORBIDDEN);
    expect(check.stdout).toContain(`Problem: fwconsole sa info failed: Cant Reach Online Server ${'x'.repeat(HOSTILE.length - 1)} ${KEPT}`);
    expect(results[3]!.stdout).toContain(`Cant Reach Online Server ${'x'.repeat(HOSTILE.length - 1)} ${KEPT}`);
  });

  it("from the portal's error message", async () => {
    const pbx = fakePbx(tmp());
    const portal = await httpServer((_req, res) =>
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'forbidden', message: `token ${ALL} not allowed ${KEPT}` } })),
    );
    writeFileSync(join(pbx.dir, 'token'), 'tok-SECRET-1234\n');
    chmodSync(join(pbx.dir, 'token'), 0o600);
    pbx.configure((c) => void (c.portal = { url: portal.url, tokenFile: join(pbx.dir, 'token'), retries: 0 }));

    const check = await runCli(['check', '--config', pbx.config]);
    const results = [check, ...(await readBack(pbx))];

    expect(check.code).toBe(4);
    expectClean(results);
    expect(storedText(pbx)).not.toMatch(FORBIDDEN);
    expect(results[1]!.stdout).toContain(`token ${'x'.repeat(HOSTILE.length - 1)} not allowed ${KEPT}`);
  });

  it('the configuration may not carry them: refused with 78, the key named', async () => {
    const pbx = fakePbx(tmp());
    pbx.configure((c) => {
      c.alerts = { channels: [{ type: 'command', command: [`/usr/local/bin/page${'\u202e'}`, `--team${'\u009b'}2J`] }] };
    });

    const check = await runCli(['check', '--config', pbx.config]);

    expect(check.code).toBe(78);
    expect(check.stderr).toContain('alerts.channels.0.command.0: contains a control or bidirectional-override character');
    expect(check.stderr).toContain('alerts.channels.0.command.1: contains a control or bidirectional-override character');
    expect(check.stderr).not.toMatch(FORBIDDEN);
  });
});
