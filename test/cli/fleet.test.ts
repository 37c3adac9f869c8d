import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { rsaPrivateKey } from '../helpers/keys.js';
import { deadPort, startSilentServer, type TestServer } from '../helpers/tcp.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const FP = 'SHA256:SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To';

/** An agent config and an inventory in a fresh directory; the key is real but no host will accept it. */
function setup(hosts: object[], keyMode = 0o600): { dir: string; config: string; key: string } {
  const dir = tmp();
  const privateKey = rsaPrivateKey();
  writeFileSync(join(dir, 'id_fleet'), privateKey);
  chmodSync(join(dir, 'id_fleet'), keyMode);
  writeFileSync(join(dir, 'fleet.json'), JSON.stringify({ defaults: { user: 'root', privateKeyFile: 'id_fleet' }, hosts }, null, 2));
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ store: { path: 'agent.db' }, fleet: { inventory: 'fleet.json', jitter: 0, connectTimeout: '1s' } }));
  return { dir, config, key: privateKey };
}

describe('fleet commands, as a user runs them', () => {
  it('fleet check reports dead and silent hosts as unreachable, records them and exits 5', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const { dir, config, key } = setup([
      { name: 'dead', address: '127.0.0.1', port: await deadPort(), hostKey: FP },
      { name: 'silent', address: '127.0.0.1', port: silent.port, hostKey: FP },
    ]);

    const check = await runCli(['fleet', 'check', '--json', '--config', config]);
    const status = await runCli(['fleet', 'status', '--json', '--config', config]);

    expect(check.code, check.stderr).toBe(5);
    const report = JSON.parse(check.stdout);
    expect(report.hosts.map((h: { host: string; outcome: string }) => [h.host, h.outcome])).toEqual([
      ['dead', 'unreachable'],
      ['silent', 'unreachable'],
    ]);
    expect(report.hosts[0].error.message).toMatch(/connection refused/);
    expect(report.hosts[1].error.message).toMatch(/accepted the connection but did not complete the SSH handshake within 1s/);
    expect(report.counts).toMatchObject({ unreachable: 2 });
    expect(`${check.stdout}${check.stderr}`).not.toContain(key.split('\n')[1]);
    const store = Store.open(join(dir, 'agent.db'), { readonly: true });
    expect(store.runs.list().map((r) => [r.host, r.outcome, r.command])).toEqual(
      expect.arrayContaining([
        ['dead', 'unreachable', 'fleet check'],
        ['silent', 'unreachable', 'fleet check'],
      ]),
    );
    store.close();
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).hosts.map((h: { host: string; outcome: string }) => [h.host, h.outcome])).toEqual([
      ['dead', 'unreachable'],
      ['silent', 'unreachable'],
    ]);
  });

  it('prints a table, the problems and a summary line for people', async () => {
    const { config } = setup([{ name: 'dead', address: '127.0.0.1', port: await deadPort(), hostKey: FP }]);

    const check = await runCli(['fleet', 'check', '--config', config]);

    expect(check.stdout).toMatch(/HOST\s+OUTCOME\s+DEPLOYMENT\s+TIME\n/);
    expect(check.stdout).toMatch(/dead: cannot connect to dead \(root@127\.0\.0\.1:\d+\): connection refused\n\s+What to do: /);
    expect(check.stdout).toMatch(/^1 host in \S+: 0 up to date, 0 applied, 0 pending, 0 failed, 1 unreachable$/m);
  });

  it('refuses an invalid inventory with every problem listed (exit 78), before contacting anything', async () => {
    const { config } = setup([
      { name: 'a', address: 'no spaces allowed', hostKey: 'MD5:00' },
      { name: 'a', address: '10.0.0.1', port: 70000 },
    ]);

    const check = await runCli(['fleet', 'check', '--config', config]);

    expect(check.code).toBe(78);
    expect(check.stderr).toMatch(/hosts\.0 \(a\)\.address: must be a host name or an IP address/);
    expect(check.stderr).toMatch(/hosts\.0 \(a\)\.hostKey: must be a SHA256 fingerprint/);
    expect(check.stderr).toMatch(/hosts\.1 \(a\)\.port: /);
    expect(check.stderr).toMatch(/hosts\.1 \(a\)\.name: "a" is already used by hosts\.0/);
  });

  it('refuses a private key that others can read (exit 78)', async () => {
    const { config } = setup([{ name: 'a', address: '127.0.0.1' }], 0o644);

    const check = await runCli(['fleet', 'check', '--config', config]);

    expect(check.code).toBe(78);
    expect(check.stderr).toMatch(/hosts\.0 \(a\)\.privateKeyFile: the SSH private key file .*id_fleet is readable by group or others \(mode 0644\)/);
    expect(check.stderr).toMatch(/chmod 600/);
  });

  it.each([
    [['fleet', 'check', '--hosts', 'a,nope'], /not in the inventory .*: nope/],
    [['fleet', 'renew', 'a', '--wait', 'soon'], /--wait "soon" is not a duration/],
    [['fleet', 'check', '--concurrency', '0'], /must be a whole number of at least 1/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const { config } = setup([{ name: 'a', address: '127.0.0.1' }]);

    const result = await runCli([...args, '--config', config]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('fleet status lists inventory hosts as never checked before the first run', async () => {
    const { config } = setup([{ name: 'a', address: '127.0.0.1' }]);

    const status = await runCli(['fleet', 'status', '--config', config]);

    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^a\s+-\s+-\s+-\s+-\s+never\s+never$/m);
  });
});
