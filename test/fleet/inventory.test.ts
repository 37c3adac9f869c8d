import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { readCredentials } from '../../src/fleet/credentials.js';
import { loadInventory, parseInventory, selectHosts } from '../../src/fleet/inventory.js';
import { rsaPrivateKey } from '../helpers/keys.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const FP = 'SHA256:SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

function writeKey(dir: string, name: string, options: { passphrase?: string; mode?: number } = {}): string {
  const path = join(dir, name);
  writeFileSync(path, rsaPrivateKey(options.passphrase));
  chmodSync(path, options.mode ?? 0o600);
  return path;
}

describe('fleet inventory', () => {
  it('applies defaults to every host, resolves key paths next to the inventory and keeps per-host PBX settings', () => {
    const inventory = parseInventory(
      {
        defaults: { user: 'asterisk', privateKeyFile: 'keys/fleet', sudo: true, pbx: { readTimeout: '90s', tty: true } },
        hosts: [
          { name: 'pbx-rome', address: '10.0.0.5', hostKey: FP, deploymentId: '63198234567' },
          { name: 'pbx-milan', address: 'pbx-milan.example.net', port: 2222, user: 'root', sudo: false, pbx: { fwconsole: '/opt/fw/fwconsole', readTimeout: 30 } },
        ],
      },
      '/etc/pbx-activation-agent/fleet.json',
    );

    const [rome, milan] = inventory.hosts;
    expect(rome).toMatchObject({
      name: 'pbx-rome',
      address: '10.0.0.5',
      port: 22,
      user: 'asterisk',
      hostKey: FP,
      deploymentId: '63198234567',
      privateKeyFile: '/etc/pbx-activation-agent/keys/fleet',
      passphraseFile: null,
    });
    expect(rome!.pbx).toMatchObject({ fwconsole: '/usr/sbin/fwconsole', readTimeout: 90_000, tty: true, sudo: true, applyCommand: 'activate' });
    expect(milan).toMatchObject({ port: 2222, user: 'root', hostKey: null, deploymentId: null });
    expect(milan!.pbx).toMatchObject({ fwconsole: '/opt/fw/fwconsole', readTimeout: 30_000, sudo: false });
  });

  it('lists every problem at once, naming the host it belongs to', () => {
    const found = problems(() =>
      parseInventory(
        {
          defaults: { port: 0, pbx: { colour: true } },
          hosts: [
            { name: 'ok', address: '10.0.0.1', user: 'root', privateKeyFile: 'k' },
            { name: 'bad host', address: 'a b', hostKey: 'MD5:aa:bb', privateKeyFile: 'k', pbx: { fwconsole: 'fwconsole', readTimeout: 'soon' } },
            { name: 'ok', address: '10.0.0.2', user: 'root', privateKeyFile: 'k', deploymentId: '63 19', passphrase: 'x' },
            { address: '10.0.0.3', privateKeyFile: 'k' },
          ],
        },
        '/inv.json',
      ),
    );

    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^defaults\.port: /),
        'defaults.pbx.colour: unknown key (check the spelling against the README)',
        expect.stringMatching(/^hosts\.1 \(bad host\)\.name: must be letters, digits/),
        expect.stringMatching(/^hosts\.1 \(bad host\)\.address: must be a host name or an IP address/),
        expect.stringMatching(/^hosts\.1 \(bad host\)\.hostKey: must be a SHA256 fingerprint as `ssh-keygen -lf` prints it/),
        expect.stringMatching(/^hosts\.1 \(bad host\)\.pbx\.fwconsole: must be an absolute path on the PBX/),
        expect.stringMatching(/^hosts\.1 \(bad host\)\.pbx\.readTimeout: "soon" is not a duration/),
        'hosts.1 (bad host).user: missing (set it for this host or in "defaults")',
        expect.stringMatching(/^hosts\.2 \(ok\)\.deploymentId: must be letters, digits and dashes/),
        'hosts.2 (ok).passphrase: unknown key (check the spelling against the README)',
        'hosts.2 (ok).name: "ok" is already used by hosts.0; names must be unique',
        expect.stringMatching(/^hosts\.3\.name: /),
        'hosts.3.user: missing (set it for this host or in "defaults")',
      ]),
    );
    expect(found).toHaveLength(13);
  });

  it.each([
    ['not JSON', '{"hosts": [}', /^not valid JSON/],
    ['no hosts', '{"hosts": []}', /hosts: list at least one host/],
    ['not an object', '[]', /\(top level\)/],
  ])('refuses an inventory that is %s', (_, text, message) => {
    const path = join(tmp(), 'fleet.json');
    writeFileSync(path, text);

    expect(problems(() => loadInventory(path)).join('\n')).toMatch(message);
  });

  it('says how to create a missing inventory', () => {
    const err = (() => {
      try {
        loadInventory('/nonexistent/fleet.json');
      } catch (e) {
        return e as ConfigError;
      }
      return null;
    })();

    expect(err?.problems).toEqual(['the inventory file does not exist']);
    expect(err?.hint).toMatch(/--inventory FILE/);
  });

  it('selects hosts by name and names the unknown ones', () => {
    const inventory = parseInventory({ defaults: { user: 'root', privateKeyFile: '/k' }, hosts: [{ name: 'a', address: 'a' }, { name: 'b', address: 'b' }] }, '/inv.json');

    expect(selectHosts(inventory, undefined).map((h) => h.name)).toEqual(['a', 'b']);
    expect(selectHosts(inventory, ['b', 'b']).map((h) => h.name)).toEqual(['b']);
    expect(() => selectHosts(inventory, ['b', 'c', 'd'])).toThrow(UsageError);
    expect(() => selectHosts(inventory, ['c', 'd'])).toThrow('not in the inventory /inv.json: c, d');
  });
});

describe('fleet credentials', () => {
  it('reads each key (and passphrase) once and parses it, so every host that uses it is ready', () => {
    const dir = tmp();
    writeKey(dir, 'plain');
    writeKey(dir, 'locked', { passphrase: 'correct horse' });
    writeFileSync(join(dir, 'locked.pass'), 'correct horse\n', { mode: 0o600 });
    const inventory = parseInventory(
      {
        defaults: { user: 'root', privateKeyFile: 'plain' },
        hosts: [
          { name: 'a', address: 'a' },
          { name: 'b', address: 'b' },
          { name: 'c', address: 'c', privateKeyFile: 'locked', passphraseFile: 'locked.pass' },
        ],
      },
      join(dir, 'fleet.json'),
    );

    const credentials = readCredentials(inventory, inventory.hosts);

    expect([...credentials.keys()]).toEqual(['a', 'b', 'c']);
    expect(credentials.get('c')?.passphrase).toBe('correct horse');
    expect(credentials.get('a')?.privateKey).toMatch(/BEGIN RSA PRIVATE KEY/);
  });

  it('refuses keys others can read, missing files and wrong passphrases, all in one list and without key material', () => {
    const dir = tmp();
    writeKey(dir, 'shared', { mode: 0o644 });
    writeKey(dir, 'locked', { passphrase: 'right' });
    writeFileSync(join(dir, 'wrong.pass'), 'wrong\n', { mode: 0o600 });
    const inventory = parseInventory(
      {
        defaults: { user: 'root' },
        hosts: [
          { name: 'a', address: 'a', privateKeyFile: 'shared' },
          { name: 'b', address: 'b', privateKeyFile: 'missing' },
          { name: 'c', address: 'c', privateKeyFile: 'locked', passphraseFile: 'wrong.pass' },
          { name: 'd', address: 'd', privateKeyFile: 'locked' },
        ],
      },
      join(dir, 'fleet.json'),
    );

    const found = problems(() => readCredentials(inventory, inventory.hosts));

    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/^hosts\.0 \(a\)\.privateKeyFile: the SSH private key file .*shared is readable by group or others \(mode 0644\)/);
    expect(found[1]).toMatch(/^hosts\.1 \(b\)\.privateKeyFile: the SSH private key file .*missing does not exist/);
    expect(found[2]).toMatch(/^hosts\.2 \(c\)\.privateKeyFile: the key in .*locked cannot be used: /);
    expect(found[3]).toMatch(/^hosts\.3 \(d\)\.privateKeyFile: the key in .*locked cannot be used: .*passphrase/i);
    expect(found.join('\n')).not.toMatch(/PRIVATE KEY|wrong|right/);
  });

  it('only reads the keys of the hosts about to be contacted', () => {
    const dir = tmp();
    writeKey(dir, 'good');
    const inventory = parseInventory(
      { defaults: { user: 'root' }, hosts: [{ name: 'a', address: 'a', privateKeyFile: 'good' }, { name: 'b', address: 'b', privateKeyFile: 'missing' }] },
      join(dir, 'fleet.json'),
    );

    expect([...readCredentials(inventory, selectHosts(inventory, ['a'])).keys()]).toEqual(['a']);
  });
});
