import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/fleet/inventory.js';
import { pinHostKey, trustHost } from '../../src/fleet/trust.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const OLD = 'SHA256:SwKeDJ4fLfptlfOzXi7ecdbZiHizQxv6ggduPnS01To';
const NEW = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

function inventoryFile(): string {
  const path = join(tmp(), 'fleet.json');
  const text = JSON.stringify(
    { defaults: { user: 'root', privateKeyFile: '/k' }, hosts: [{ name: 'a', address: '10.0.0.1', hostKey: OLD }, { name: 'b', address: '10.0.0.2' }] },
    null,
    4,
  );
  writeFileSync(path, `${text}\n`);
  chmodSync(path, 0o640);
  return path;
}

describe('fleet trust', () => {
  it('pins the key in the host entry, keeping the indentation and mode, with nothing left behind', () => {
    const path = inventoryFile();

    pinHostKey(path, 'b', NEW);

    const text = readFileSync(path, 'utf8');
    expect(JSON.parse(text).hosts[1]).toEqual({ name: 'b', address: '10.0.0.2', hostKey: NEW });
    expect(text).toMatch(/^ {4}"defaults"/m);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(path, '..'))).toEqual(['fleet.json']);
  });

  it.each([
    ['records a key for a host that has none', 'b', true, 'recorded', NEW],
    ['replaces a changed key once confirmed', 'a', true, 'recorded', NEW],
    ['records nothing when the operator declines', 'b', false, 'declined', undefined],
  ])('%s', async (_, name, answer, status, pinned) => {
    const path = inventoryFile();
    const inventory = loadInventory(path);
    const host = inventory.hosts.find((h) => h.name === name)!;

    const result = await trustHost(inventory, host, { probe: async () => ({ fingerprint: NEW, type: 'ssh-ed25519' }), confirm: async () => answer });

    expect(result.status).toBe(status);
    expect(loadInventory(path).hosts.find((h) => h.name === name)!.hostKey ?? undefined).toBe(pinned ?? (name === 'a' ? OLD : undefined));
  });

  it('asks nothing when the host presents the key already pinned', async () => {
    const inventory = loadInventory(inventoryFile());
    let asked = false;

    const result = await trustHost(inventory, inventory.hosts[0]!, {
      probe: async () => ({ fingerprint: OLD, type: 'ssh-ed25519' }),
      confirm: async () => (asked = true),
    });

    expect(result.status).toBe('already-trusted');
    expect(asked).toBe(false);
  });
});
