import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { schmoozeDir } from '../../src/sandbox/licence-file.js';
import type { RunningPortal } from '../../src/sandbox/portal-server.js';
import type { Outcome } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { fleetConfig, fleetPortal, purchase, purchaseOn } from '../helpers/fleet-portal.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { keygenFingerprint, startSshd, type TestSshd } from '../helpers/sshd.js';
import { deadPort, startSilentServer, type TestServer } from '../helpers/tcp.js';

/**
 * The done-when of the fleet issue, as an operator runs it: several sandbox
 * PBXs behind a real sshd on 127.0.0.1, plus hosts that are wrong in every way
 * a real fleet is (changed host key, refused key, dead port, silent sshd,
 * stuck fwconsole, a PBX that is not the deployment the inventory says).
 */
let dir: string;
let sshd: TestSshd;
let silent: TestServer;
let sandboxes: Record<string, TestSandbox>;
let config: string;
let portal: RunningPortal;
let inventory: string;
const today = calendarDate(new Date());
const RENEWED = addDays(today, 565);

/** The PBX whose renewal was bought in the portal: the fleet's renewal cycle applies it over SSH. */
const PURCHASED_OUTCOME: Outcome = 'applied';
const PURCHASED_PBX_DATE_AFTER = RENEWED;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-agent-fleet-'));
  sshd = await startSshd(join(dir, 'sshd'));
  silent = await startSilentServer();
  sandboxes = Object.fromEntries(
    ['rome', 'milan', 'turin', 'como', 'siena', 'fresh'].map((name, i) => [name, makeSandbox(join(dir, name), { deploymentId: `6319823000${i}` })]),
  );
  purchase(sandboxes.milan!, 'sysadmin', RENEWED);
  sandboxes.como!.edit((s) => (s.pbx.faults['sa info'] = 'hang'));
  const pbx = (name: string, extra: object = {}) => ({ fwconsole: sandboxes[name]!.fwconsole, schmoozeDir: schmoozeDir(sandboxes[name]!.dir), ...extra });
  const local = { address: '127.0.0.1', port: sshd.port, hostKey: sshd.hostKeyFingerprint };
  inventory = join(dir, 'fleet.json');
  writeFileSync(
    inventory,
    JSON.stringify(
      {
        defaults: { user: sshd.user, privateKeyFile: sshd.userKey, pbx: { settleDelay: '500ms', settleTimeout: '20s' } },
        hosts: [
          { name: 'rome', ...local, pbx: pbx('rome') },
          { name: 'milan', ...local, pbx: pbx('milan') },
          { name: 'turin', ...local, deploymentId: '63198230002', pbx: pbx('turin') },
          { name: 'naples', ...local, hostKey: keygenFingerprint(`${sshd.strangerKey}.pub`), pbx: pbx('rome') },
          { name: 'genoa', ...local, port: await deadPort(), pbx: pbx('rome') },
          { name: 'bari', ...local, port: silent.port, pbx: pbx('rome') },
          { name: 'pisa', ...local, privateKeyFile: sshd.strangerKey, pbx: pbx('rome') },
          { name: 'como', ...local, pbx: pbx('como', { readTimeout: '2s' }) },
          { name: 'siena', ...local, deploymentId: '99999999999', pbx: pbx('siena') },
          { name: 'fresh', address: '127.0.0.1', port: sshd.port, pbx: pbx('fresh') },
        ],
      },
      null,
      2,
    ),
  );
  portal = await fleetPortal(join(dir, 'portal'), Object.values(sandboxes));
  config = fleetConfig(dir, portal, { portal: { pollInterval: '500ms' }, fleet: { concurrency: 4 } });
});

afterAll(async () => {
  await portal?.close();
  await silent?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface HostJson {
  host: string;
  outcome: Outcome;
  deploymentId: string | null;
  error: { message: string; hint: string } | null;
}

async function fleetCheck(...args: string[]): Promise<{ code: number; hosts: Record<string, HostJson>; stdout: string; stderr: string }> {
  const result = await runCli(['fleet', 'check', '--json', '--config', config, ...args], { timeoutMs: 120_000 });
  const report = JSON.parse(result.stdout) as { hosts: HostJson[] };
  return { ...result, hosts: Object.fromEntries(report.hosts.map((h) => [h.host, h])) };
}

describe('fleet check over a real sshd', () => {
  it('gives every host its outcome, records them under the host name and exits with the worst (failed: 4)', async () => {
    const started = Date.now();

    const run = await fleetCheck('--hosts', 'rome,milan,turin,naples,genoa,bari,pisa,como,siena');

    expect(run.code, run.stderr).toBe(4);
    expect(Object.fromEntries(Object.values(run.hosts).map((h) => [h.host, h.outcome]))).toEqual({
      rome: 'up-to-date',
      milan: PURCHASED_OUTCOME,
      turin: 'up-to-date',
      naples: 'unreachable',
      genoa: 'unreachable',
      bari: 'unreachable',
      pisa: 'unreachable',
      como: 'unreachable',
      siena: 'failed',
    });
    expect(run.hosts.naples!.error!.message).toMatch(/host key of naples .* has CHANGED/);
    expect(run.hosts.genoa!.error!.message).toMatch(/connection refused/);
    expect(run.hosts.bari!.error!.message).toMatch(/accepted the connection but did not complete the SSH handshake within 3s/);
    expect(run.hosts.pisa!.error!.message).toMatch(/refused our key/);
    expect(run.hosts.como!.error!.message).toMatch(/fwconsole sa info did not finish within 2s and was stopped/);
    expect(run.hosts.siena!.error!.message).toBe('refusing to apply: siena reports deployment 63198230004, the inventory says 99999999999');
    // The stuck and silent hosts held up nobody: the run is far shorter than their timeouts added up.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(`${run.stdout}${run.stderr}`).not.toContain(readFileSync(sshd.userKey, 'utf8').split('\n')[1]);

    const store = Store.open(join(dir, 'agent.db'), { readonly: true });
    const runs = Object.fromEntries(store.runs.list().map((r) => [r.host, r]));
    expect(runs.rome).toMatchObject({ outcome: 'up-to-date', deploymentId: '63198230000', command: 'fleet check', trigger: 'fleet' });
    expect(runs.naples).toMatchObject({ outcome: 'unreachable', deploymentId: null });
    expect(runs.siena).toMatchObject({ outcome: 'failed', deploymentId: '63198230004' });
    expect(store.expiries.deployments().map((d) => [d.id, d.host])).toEqual(
      expect.arrayContaining([
        ['63198230000', 'rome'],
        ['63198230001', 'milan'],
        ['63198230002', 'turin'],
      ]),
    );
    const milanSysadmin = store.expiries.items('63198230001').find((i) => i.item === 'license:sysadmin');
    store.close();
    expect(milanSysadmin?.expiry).toBe(PURCHASED_PBX_DATE_AFTER);
    expect(sandboxes.como!.read().pbx.calls['sa info']).toBe(1);
  });

  it('exits 5 when the worst is unreachable and 0 when every host is up to date', async () => {
    const unreachable = await fleetCheck('--hosts', 'rome,turin,genoa');
    const fine = await fleetCheck('--hosts', 'rome,turin', '--concurrency', '1');

    expect(unreachable.code).toBe(5);
    expect(fine.code).toBe(0);
    expect(Object.values(fine.hosts).map((h) => h.outcome)).toEqual(['up-to-date', 'up-to-date']);
  });

  it('fleet status shows one row per host from the store', async () => {
    const status = await runCli(['fleet', 'status', '--json', '--config', config]);

    expect(status.code).toBe(0);
    const rows = Object.fromEntries((JSON.parse(status.stdout).hosts as Array<{ host: string }>).map((r) => [r.host, r]));
    expect(rows.rome).toMatchObject({ deploymentId: '63198230000', soonest: { item: 'license:areminder', daysLeft: -12 }, outcome: 'up-to-date' });
    expect(rows.genoa).toMatchObject({ deploymentId: null, soonest: null, outcome: 'unreachable' });
    expect(rows.fresh).toMatchObject({ outcome: 'never', lastCheck: null });
  });

  it('fleet trust pins the key only when confirmed, then the host can be checked', async () => {
    const before = readFileSync(inventory, 'utf8');

    const refused = await runCli(['fleet', 'trust', 'fresh', '--config', config]);
    const unchanged = readFileSync(inventory, 'utf8');
    const trusted = await runCli(['fleet', 'trust', 'fresh', '--yes', '--config', config]);
    const check = await fleetCheck('--hosts', 'fresh');

    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain(sshd.hostKeyFingerprint);
    expect(refused.stderr).toMatch(/no terminal to confirm on/);
    expect(unchanged).toBe(before);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(JSON.parse(readFileSync(inventory, 'utf8')).hosts.find((h: { name: string }) => h.name === 'fresh').hostKey).toBe(sshd.hostKeyFingerprint);
    expect(check.hosts.fresh!.outcome).toBe('up-to-date');
  });

  it('fleet renew waits for a purchase to show on the portal, then applies it on that one host', async () => {
    const until = addDays(today, 400);
    setTimeout(() => {
      purchase(sandboxes.milan!, 'zulu', until);
      purchaseOn(join(dir, 'portal'), sandboxes.milan!.read().pbx.deploymentId, 'zulu', until);
    }, 1500);

    const renew = await runCli(['fleet', 'renew', 'milan', '--wait', '1m', '--json', '--config', config], { timeoutMs: 90_000 });

    expect(renew.code, renew.stderr).toBe(0);
    expect(JSON.parse(renew.stdout).hosts.map((h: HostJson) => [h.host, h.outcome])).toEqual([['milan', PURCHASED_OUTCOME]]);
    const store = Store.open(join(dir, 'agent.db'), { readonly: true });
    expect(store.runs.last('63198230001')).toMatchObject({ command: 'fleet renew', trigger: 'manual', host: 'milan' });
    expect(store.expiries.items('63198230001').find((i) => i.item === 'license:zulu')?.expiry).toBe(until);
    store.close();
  });
});
