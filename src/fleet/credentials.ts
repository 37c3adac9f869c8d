import { readSecret } from '../config/secrets.js';
import { ConfigError, errorMessage } from '../errors.js';
import { privateKeyFingerprint } from '../pbx/ssh-shell.js';
import type { SshCredentials } from '../pbx/ssh-target.js';
import { DEFAULT_INVENTORY_HINT, hostLabel, type FleetHost, type Inventory } from './inventory.js';

/**
 * Reads the private key (and passphrase) of every host about to be contacted,
 * with the same rule as every secret: a file group or others can read is
 * refused. Each key is parsed once, so a wrong passphrase is a configuration
 * problem listed with the others (exit 78), not a surprise halfway through a run.
 */
export function readCredentials(inventory: Inventory, hosts: readonly FleetHost[]): Map<string, SshCredentials> {
  const problems: string[] = [];
  const hints = new Set<string>();
  const files = new Map<string, string | null>();
  const usable = new Map<string, string | null>();
  const read = (file: string, what: string, key: string, format: 'pem' | 'password'): string | null => {
    if (!files.has(file)) {
      try {
        files.set(file, readSecret({ what, key, file, credential: 'fleet', format }, inventory.path));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
        hints.add(err.hint);
        files.set(file, null);
      }
    }
    return files.get(file) ?? null;
  };

  const result = new Map<string, SshCredentials>();
  hosts.forEach((host) => {
    const label = hostLabel(inventory.hosts.indexOf(host), host.name);
    const privateKey = read(host.privateKeyFile, 'SSH private key', `${label}.privateKeyFile`, 'pem');
    const passphrase = host.passphraseFile === null ? undefined : read(host.passphraseFile, 'SSH key passphrase', `${label}.passphraseFile`, 'password');
    if (privateKey === null || passphrase === null) return;
    const pair = `${host.privateKeyFile}\0${host.passphraseFile ?? ''}`;
    if (!usable.has(pair)) {
      try {
        privateKeyFingerprint(privateKey, passphrase);
        usable.set(pair, null);
      } catch (err) {
        usable.set(pair, errorMessage(err));
      }
    }
    const problem = usable.get(pair);
    if (problem) problems.push(`${label}.privateKeyFile: the key in ${host.privateKeyFile} cannot be used: ${problem}`);
    else result.set(host.name, { privateKey, passphrase });
  });
  if (problems.length > 0) throw new ConfigError(inventory.path, [...new Set(problems)], [...hints, DEFAULT_INVENTORY_HINT].join('\n'));
  return result;
}
