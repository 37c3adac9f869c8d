import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { MODULE_KEY } from '../../src/core/items.js';
import { connectAgentConfig } from '../../src/sandbox/portal-side.js';
import { startPortalServer } from '../../src/sandbox/portal-server.js';
import { runCli } from '../helpers/cli.js';
import { editConfig } from '../helpers/cycle.js';
import { fakePbx, maListJson, saInfo } from '../helpers/fake-pbx.js';
import { rsaPrivateKey } from '../helpers/keys.js';
import { useReceivers } from '../helpers/receiver.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { deadPort } from '../helpers/tcp.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * Every name Object.prototype answers for, used as data: a plain object
 * keyed by data would answer `constructor` with a function (and `__proto__`
 * with the prototype), which once made every alert run fail.
 */
const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
/** fwconsole's keys are read lowercased (`toString_exp` is the licence `tostring`); those that are licence keys. */
const LICENCE_KEYS = [...new Set(NAMES.map((n) => n.toLowerCase()))].filter((k) => MODULE_KEY.test(k));
const NOT_KEYS = NAMES.filter((n) => !MODULE_KEY.test(n));

const tmp = useTmpDirs();
const receiver = useReceivers();
const today = () => calendarDate(new Date());
const FORBIDDEN_OUTPUT = /\[native code\]|function |\[object Object\]|undefined/;

// Several CLI runs per test: on a loaded machine they take longer than the default 20 s together.
describe('Object.prototype names as data keys, through the CLI', { timeout: 60_000 }, () => {
  it('licence keys and module names from fwconsole: check records them, status prints them, the alerts are delivered', async () => {
    const r = await receiver();
    const pbx = fakePbx(tmp());
    const soon = addDays(today(), 3);
    pbx.saInfo(saInfo([['Deployment ID', '63198234567'], ['Activation Expiry', '2030-09-04'], ...NAMES.map((n): [string, string] => [`${n}_exp`, soon])]));
    const modules = [...new Set([...NAMES, ...LICENCE_KEYS])];
    pbx.maList(maListJson([['framework', '17.0.1', 'Enabled', 'GPLv2+'], ...modules.map((m) => [m, '17.0.1', 'Disabled', 'Commercial'])]));
    pbx.configure((c) => void (c.alerts = { channels: [{ type: 'webhook', url: r.url }] }));

    const check = await runCli(['check', '--json', '--config', pbx.config]);
    const status = await runCli(['status', '--config', pbx.config]);
    const statusJson = await runCli(['status', '--json', '--config', pbx.config]);
    const alertsRun = await runCli(['alerts', 'run', '--config', pbx.config]);
    const list = await runCli(['alerts', 'list', '--config', pbx.config]);

    expect(check.code, check.stderr).toBe(0);
    expect(alertsRun.code, alertsRun.stderr).toBe(0);
    const items = (JSON.parse(statusJson.stdout) as { deployments: Array<{ items: Array<{ item: string; module: string | null; enabled: string | null }> }> }).deployments[0]!.items;
    for (const key of LICENCE_KEYS) {
      expect(items).toContainEqual(expect.objectContaining({ item: `license:${key}`, module: key, enabled: 'disabled' }));
      expect(status.stdout).toMatch(new RegExp(`^${key}\\s+licence\\s+${soon}\\s+3\\s+disabled$`, 'm'));
    }
    // Names that are no licence keys (`__proto__`, `__defineGetter__`) are not licence fields: ignored, like `zulu_users`.
    for (const name of NOT_KEYS.filter((n) => n.startsWith('_'))) expect(items.map((i) => i.item)).not.toContain(`license:${name.toLowerCase()}`);
    expect(`${status.stdout}${check.stdout}${list.stdout}`).not.toMatch(FORBIDDEN_OUTPUT);
    const bodies = r.accepted();
    const expiry = bodies.find((b) => b.kind === 'expiry')!;
    expect(expiry.title).toContain(`${LICENCE_KEYS.length} items expire in 3 days`);
    for (const key of LICENCE_KEYS) expect(expiry.text).toContain(`(license:${key})`);
    const disabled = bodies.find((b) => b.kind === 'module-disabled')!;
    for (const key of LICENCE_KEYS) expect(disabled.text).toContain(`  - ${key}: ${key} licence valid until ${soon}`);
  });

  it('alerts.perModule and pbx.moduleAliases: a licence key works as an ordinary key, every other name is refused (78)', async () => {
    const r = await receiver();
    const pbx = fakePbx(tmp());
    const soon = addDays(today(), 3);
    pbx.saInfo(saInfo({ 'Deployment ID': '63198234567', 'Activation Expiry': '2030-09-04', constructor_exp: soon, valueOf_exp: soon, toString_exp: addDays(today(), 200) }));
    pbx.maList(maListJson([['framework', '17.0.1', 'Enabled', 'GPLv2+'], ['toString', '17.0.1', 'Disabled', 'Commercial']]));
    const everyName = Object.fromEntries(NAMES.map((n) => [n, [5]]));
    // JSON.stringify drops nothing: `__proto__` from fromEntries is an own member and is written out.
    pbx.configure((c) => {
      c.alerts = { perModule: everyName, channels: [{ type: 'webhook', url: r.url }] };
      c.pbx.moduleAliases = Object.fromEntries(NAMES.map((n) => [n, 'cdrreports']));
    });

    const refused = await runCli(['check', '--config', pbx.config]);
    pbx.configure((c) => {
      c.alerts.perModule = { constructor: [5], valueof: [] };
      c.pbx.moduleAliases = { tostring: 'toString' };
    });
    const check = await runCli(['check', '--config', pbx.config]);
    const status = await runCli(['status', '--json', '--config', pbx.config]);

    expect(refused.code).toBe(78);
    for (const name of NOT_KEYS) {
      expect(refused.stderr).toContain(`alerts.perModule.${name}: must be a licence key`);
      expect(refused.stderr).toContain(`pbx.moduleAliases.${name}: must be a licence key`);
    }
    expect(refused.stderr).not.toMatch(/perModule\.constructor|moduleAliases\.constructor/);
    expect(check.code, check.stderr).toBe(0);
    const titles = r.accepted().map((b) => String(b.title));
    // constructor: its own thresholds (5 days); valueof: silenced ([]); tostring, aliased to the module toString, is disabled.
    expect(titles).toContainEqual(expect.stringMatching(/constructor licence expires in 3 days/));
    expect(titles.join('\n')).not.toMatch(/valueof/);
    expect(titles).toContainEqual(expect.stringMatching(/licensed commercial module disabled: toString$/));
    const items = (JSON.parse(status.stdout) as { deployments: Array<{ items: Array<{ item: string; module: string | null; enabled: string | null }> }> }).deployments[0]!.items;
    expect(items).toContainEqual(expect.objectContaining({ item: 'license:tostring', module: 'toString', enabled: 'disabled' }));
    expect(items).toContainEqual(expect.objectContaining({ item: 'license:constructor', module: 'constructor', enabled: 'not-installed' }));
  });

  it('module keys from the portal: renewals applied and verified, maintenance recorded and alerted', async () => {
    const r = await receiver();
    const box = makeSandbox(join(tmp(), 's'));
    const soon = addDays(today(), 3);
    box.edit((s) => {
      s.pbx.apacheRestartSeconds = 0.2;
      const deployment = s.portal.deployments[s.pbx.deploymentId]!;
      for (const key of LICENCE_KEYS) {
        s.pbx.licence[key] = soon;
        deployment.modules[key] = { name: key, licenseExpires: addDays(today(), 400), maintenanceExpires: addDays(today(), 2), visibleToUpdate: false };
      }
    });
    const portal = await startPortalServer(box.dir);
    try {
      connectAgentConfig(box.dir, portal.url);
      editConfig(box.config, (c) => {
        c.pbx.settleDelay = '100ms';
        c.alerts = { channels: [{ type: 'webhook', url: r.url }] };
      });

      const check = await runCli(['check', '--json', '--config', box.config]);
      const status = await runCli(['status', '--config', box.config]);

      expect(check.code, check.stderr).toBe(0);
      const result = JSON.parse(check.stdout) as { outcome: string; verified: Array<{ item: string }> };
      expect(result.outcome).toBe('applied');
      expect(result.verified.map((v) => v.item)).toEqual(expect.arrayContaining(LICENCE_KEYS.map((k) => `license:${k}`)));
      for (const key of LICENCE_KEYS) expect(status.stdout).toMatch(new RegExp(`^${key}\\s+licence\\s+${addDays(today(), 400)}\\s+400\\s+${addDays(today(), 2)}`, 'm'));
      expect(status.stdout).not.toMatch(FORBIDDEN_OUTPUT);
      const maintenance = r.accepted().find((b) => String(b.title).includes('expire in 2 days'))!;
      for (const key of LICENCE_KEYS) expect(maintenance.text).toContain(`(maintenance:${key})`);
    } finally {
      await portal.close();
    }
  });

  it('fleet host names: each is an ordinary host; names the inventory cannot hold are refused (78)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'id_fleet'), rsaPrivateKey());
    chmodSync(join(dir, 'id_fleet'), 0o600);
    const port = await deadPort();
    const valid = NAMES.filter((n) => /^[A-Za-z0-9]/.test(n));
    const inventory = (names: readonly string[]) =>
      writeFileSync(join(dir, 'fleet.json'), JSON.stringify({ defaults: { user: 'root', privateKeyFile: 'id_fleet' }, hosts: names.map((name) => ({ name, address: '127.0.0.1', port, hostKey: 'SHA256:SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To' })) }));
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ store: { path: 'agent.db' }, fleet: { inventory: 'fleet.json', jitter: 0, connectTimeout: '1s' } }));

    inventory(NAMES);
    const refused = await runCli(['fleet', 'status', '--config', config]);
    inventory(valid);
    const check = await runCli(['fleet', 'check', '--json', '--config', config]);
    const one = await runCli(['fleet', 'check', '--hosts', 'toString', '--json', '--config', config]);
    const status = await runCli(['fleet', 'status', '--json', '--config', config]);

    expect(refused.code).toBe(78);
    for (const name of NAMES.filter((n) => !valid.includes(n))) expect(refused.stderr).toContain(`(${name}).name: must be letters, digits`);
    expect(check.code, check.stderr).toBe(5);
    expect((JSON.parse(check.stdout) as { hosts: Array<{ host: string; outcome: string }> }).hosts.map((h) => [h.host, h.outcome])).toEqual(valid.map((n) => [n, 'unreachable']));
    expect((JSON.parse(one.stdout) as { hosts: Array<{ host: string }> }).hosts.map((h) => h.host)).toEqual(['toString']);
    const rows = (JSON.parse(status.stdout) as { hosts: Array<{ host: string; outcome: string; inInventory: boolean }> }).hosts;
    expect(rows.map((h) => [h.host, h.outcome, h.inInventory])).toEqual(valid.map((n) => [n, 'unreachable', true]));
  });

  it('channel names: each named channel takes its alerts and is listed; names that cannot name a channel are refused (78)', async () => {
    const valid = NAMES.filter((n) => /^[A-Za-z0-9]/.test(n));
    const receivers = await Promise.all(valid.map(() => receiver()));
    const pbx = fakePbx(tmp());
    pbx.saInfo(saInfo({ 'Deployment ID': '63198234567', 'Activation Expiry': '2030-09-04', areminder_exp: addDays(today(), 3) }));

    pbx.configure((c) => void (c.alerts = { channels: NAMES.map((name, i) => ({ type: 'webhook', name, url: receivers[i % receivers.length]!.url })) }));
    const refused = await runCli(['check', '--config', pbx.config]);
    pbx.configure((c) => void (c.alerts = { channels: valid.map((name, i) => ({ type: 'webhook', name, url: receivers[i]!.url })) }));
    const check = await runCli(['check', '--config', pbx.config]);
    const list = await runCli(['alerts', 'list', '--json', '--config', pbx.config]);
    const listText = await runCli(['alerts', 'list', '--config', pbx.config]);

    expect(refused.code).toBe(78);
    expect(refused.stderr.match(/alerts\.channels\.\d+\.name: must be letters, digits/g)).toHaveLength(NAMES.length - valid.length);
    expect(check.code, check.stderr).toBe(0);
    for (const r of receivers) expect(r.accepted().map((b) => b.title)).toContainEqual(expect.stringContaining('areminder licence expires in 3 days'));
    const report = JSON.parse(list.stdout) as { channels: Array<{ channel: string; failures: number; lastOkAt: string | null }> };
    expect(report.channels.map((c) => [c.channel, c.failures, c.lastOkAt !== null])).toEqual(valid.map((n) => [n, 0, true]));
    for (const name of valid) expect(listText.stdout).toContain(`  ${name} (webhook): ok, last delivery`);
  });
});
