import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { startSshd, type TestSshd } from '../helpers/sshd.js';

/**
 * The portal's change feed lets a fleet run skip the poll of every deployment
 * that did not change since the last cursor. That cursor stands for the whole
 * fleet: a run over some hosts (`fleet renew HOST`, `fleet check --hosts`) must
 * not move it, or a purchase for a host outside that run is never polled again.
 */
let dir: string;
let sshd: TestSshd;
let portal: RunningPortal;
let sandboxes: Record<string, TestSandbox>;
let config: string;
const RENEWED = addDays(calendarDate(new Date()), 565);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-agent-feed-'));
  sshd = await startSshd(join(dir, 'sshd'));
  sandboxes = Object.fromEntries(['alba', 'asti'].map((name, i) => [name, makeSandbox(join(dir, name), { deploymentId: `6319823100${i}` })]));
  const host = (name: string) => ({ name, address: '127.0.0.1', port: sshd.port, hostKey: sshd.hostKeyFingerprint, pbx: { fwconsole: sandboxes[name]!.fwconsole, schmoozeDir: schmoozeDir(sandboxes[name]!.dir) } });
  writeFileSync(
    join(dir, 'fleet.json'),
    JSON.stringify({ defaults: { user: sshd.user, privateKeyFile: sshd.userKey, pbx: { settleDelay: '500ms', settleTimeout: '20s' } }, hosts: [host('alba'), host('asti')] }),
  );
  portal = await fleetPortal(join(dir, 'portal'), Object.values(sandboxes));
  config = fleetConfig(dir, portal);
});

afterAll(async () => {
  await portal?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function fleet(...args: string[]): Promise<{ code: number; stderr: string; outcomes: Record<string, Outcome> }> {
  const result = await runCli(['fleet', ...args, '--json', '--config', config], { timeoutMs: 90_000 });
  const report = JSON.parse(result.stdout) as { hosts: Array<{ host: string; outcome: Outcome }> };
  return { code: result.code, stderr: result.stderr, outcomes: Object.fromEntries(report.hosts.map((h) => [h.host, h.outcome])) };
}

function stored<T>(read: (store: Store) => T): T {
  const store = Store.open(join(dir, 'agent.db'), { readonly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

const cursor = () => stored((s) => s.getMeta('fleet_change_cursor'));

describe('the portal change feed over a real sshd', () => {
  it('is left alone by runs over some hosts, so the next full run still polls a host bought for meanwhile', async () => {
    const first = await fleet('check');
    const settled = cursor();
    const asti = sandboxes.asti!;
    purchase(asti, 'sysadmin', RENEWED);
    purchaseOn(join(dir, 'portal'), asti.read().pbx.deploymentId, 'sysadmin', RENEWED);
    const renew = await fleet('renew', 'alba');
    const afterRenew = cursor();
    const some = await fleet('check', '--hosts', 'alba');
    const afterSome = cursor();
    const full = await fleet('check');

    expect(first.code, first.stderr).toBe(0);
    expect(settled).not.toBeNull();
    expect(renew.outcomes).toEqual({ alba: 'up-to-date' });
    expect(some.outcomes).toEqual({ alba: 'up-to-date' });
    expect([afterRenew, afterSome]).toEqual([settled, settled]);
    expect(full.outcomes).toEqual({ alba: 'up-to-date', asti: 'applied' });
    expect(stored((s) => s.expiries.items(asti.read().pbx.deploymentId).find((i) => i.item === 'license:sysadmin')?.expiry)).toBe(RENEWED);
    expect(cursor()).not.toBe(settled);
  });
});
