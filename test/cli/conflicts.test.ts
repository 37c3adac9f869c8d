import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fakePbx, maListJson, saInfo } from '../helpers/fake-pbx.js';
import { httpServer } from '../helpers/http-server.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

type StatusJson = { deployments: Array<{ items: Array<{ item: string; expiry: string }> }> };
const itemsOf = (stdout: string) => (JSON.parse(stdout) as StatusJson).deployments[0]!.items.map((i) => [i.item, i.expiry]);

// Several CLI runs per test: on a loaded machine they take longer than the default 20 s together.
describe('conflicting duplicates, through the CLI', { timeout: 60_000 }, () => {
  it.each([
    ['a module _exp twice', [['areminder_exp', '2031-12-01']], /conflicting expiry of licence "areminder"/],
    ['keys equal once normalised', [['AREMINDER_exp', '2031-12-01']], /conflicting expiry of licence "areminder": "areminder_exp: 2026-12-01" and "AREMINDER_exp: 2031-12-01"/],
    ['Deployment ID twice', [['Deployment ID', '99999999999']], /conflicting deployment id/],
    ['Activation Expiry twice', [['Activation Expiry', '2035-01-01']], /conflicting activation expiry/],
  ])('sa info with %s: unreachable, the conflict named, raw output saved, nothing recorded changes', async (_what, extra, message) => {
    const pbx = fakePbx(tmp());
    const fields: Array<[string, string]> = [['Deployment ID', '63198234567'], ['Activation Expiry', '2030-09-04'], ['areminder_exp', '2026-12-01'], ['sysadmin_exp', '2027-06-18']];
    pbx.saInfo(saInfo(fields));
    const first = await runCli(['check', '--config', pbx.config]);
    const before = await runCli(['status', '--json', '--config', pbx.config]);
    pbx.saInfo(saInfo([...fields, ...(extra as Array<[string, string]>)]));

    const check = await runCli(['check', '--json', '--config', pbx.config]);
    const after = await runCli(['status', '--json', '--config', pbx.config]);

    expect(first.code, first.stderr).toBe(0);
    expect(check.code).toBe(5);
    const result = JSON.parse(check.stdout) as { outcome: string; error: { message: string; hint: string } };
    expect(result.outcome).toBe('unreachable');
    expect(result.error.message).toMatch(message);
    expect(result.error.message).toMatch(/^unrecognised output from fwconsole sa info/);
    const saved = /saved in (\S+);/.exec(result.error.hint)?.[1];
    expect(saved && readFileSync(saved, 'utf8')).toContain(`${extra[0]![0]}: ${extra[0]![1]}`);
    expect(itemsOf(after.stdout)).toEqual(itemsOf(before.stdout));
  });

  it('ma list with a module twice, differently: unreachable, naming it; the module states stay as recorded', async () => {
    const dir = tmp();
    const pbx = fakePbx(dir);
    const rows = [['framework', '17.0.1', 'Enabled', 'GPLv2+'], ['sysadmin', '17.0.1', 'Enabled', 'Commercial']];
    pbx.maList(maListJson(rows));
    await runCli(['check', '--config', pbx.config]);
    pbx.maList(maListJson([...rows, ['sysadmin', '17.0.1', 'Disabled', 'Commercial']]));

    const check = await runCli(['check', '--json', '--config', pbx.config]);
    const status = await runCli(['status', '--config', pbx.config]);

    expect(check.code).toBe(5);
    expect((JSON.parse(check.stdout) as { error: { message: string } }).error.message).toMatch(/module "sysadmin" is listed twice, differently/);
    expect(status.stdout).toMatch(/^sysadmin\s+licence\s+2027-06-18\s+\d+\s+enabled$/m);
    expect(readdirSync(join(dir, 'unrecognised'))).toEqual([expect.stringMatching(/-ma-list\.txt$/)]);
  });

  it('a portal body with a member twice: unreachable, naming it; what the portal said before stays recorded', async () => {
    const pbx = fakePbx(tmp());
    const good = JSON.stringify({
      apiVersion: 1,
      deployment: { id: '63198234567', name: 'Main', revision: 1, updatedAt: '2026-11-26T09:00:00Z' },
      activation: null,
      supportContract: null,
      modules: [{ key: 'sysadmin', name: 'System Admin', licenseExpires: '2027-06-18', maintenanceExpires: '2027-01-01' }],
    });
    let body = good;
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    writeFileSync(join(pbx.dir, 'token'), 'tok-SECRET-1234\n');
    chmodSync(join(pbx.dir, 'token'), 0o600);
    pbx.configure((c) => void (c.portal = { url: server.url, tokenFile: join(pbx.dir, 'token'), retries: 0 }));
    const first = await runCli(['check', '--config', pbx.config]);
    body = good.replace('"maintenanceExpires":"2027-01-01"', '"maintenanceExpires":"2027-01-01","maintenanceExpires":"2031-01-01"');

    const check = await runCli(['check', '--json', '--config', pbx.config]);
    const status = await runCli(['status', '--json', '--config', pbx.config]);

    expect(first.code, first.stderr).toBe(0);
    expect(check.code).toBe(5);
    expect((JSON.parse(check.stdout) as { error: { message: string } }).error.message).toMatch(/contradicts itself: member "maintenanceExpires" of modules\.0 appears twice with different values/);
    expect(itemsOf(status.stdout)).toContainEqual(['maintenance:sysadmin', '2027-01-01']);
  });
});
