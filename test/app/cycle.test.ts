import { describe, expect, it } from 'vitest';
import { runCycle, type CycleOptions } from '../../src/app/cycle.js';
import { LeaseHeldError } from '../../src/errors.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { cycleWorld, type CycleWorld } from '../helpers/cycle.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const CHECK: CycleOptions = { trigger: 'manual', command: 'check', dryRun: false };

function licence(world: CycleWorld, key: string): string | undefined {
  return world.store.expiries.items().find((i) => i.item === `license:${key}`)?.expiry;
}

describe('runCycle against the simulated PBX and portal', () => {
  it('applies a purchased renewal, verifies it and records it with the run', async () => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('applied');
    expect(result.planned.map((p) => [p.item, p.portal])).toEqual([['license:broadcast', '2027-12-31']]);
    expect(result.verified.map((v) => v.item)).toEqual(['license:broadcast']);
    expect(licence(world, 'broadcast')).toBe('2027-12-31');
    expect(world.sandbox.read().pbx.calls['sa activate']).toBe(1);
    const change = world.store.expiries.changes({ moduleKey: 'broadcast' }).find((c) => c.item === 'license:broadcast' && c.source === 'pbx');
    expect(change).toMatchObject({ newExpiry: '2027-12-31', runId: result.runId });
    expect(world.store.runs.get(result.runId)).toMatchObject({ outcome: 'applied', error: null });
    expect(world.store.leases.get('cycle:local')).toBeNull();
  });

  it('is up to date, without touching the PBX, when the portal shows nothing new', async () => {
    const world = await cycleWorld(tmp());

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('up-to-date');
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
  });

  it('applies a module the PBX lacks altogether', async () => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'sms', until: '2027-06-30' });

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('applied');
    expect(result.planned[0]).toMatchObject({ item: 'license:sms', pbx: null, portal: '2027-06-30' });
    expect(licence(world, 'sms')).toBe('2027-06-30');
  });

  it('plans and reports on a dry run without touching the PBX', async () => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, { ...CHECK, dryRun: true });

    expect(result.outcome).toBe('pending');
    expect(result.notes).toContain('dry run: nothing applied');
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
    expect(world.store.runs.get(result.runId)?.details?.pending).toEqual([{ item: 'license:broadcast', pbx: licence(world, 'broadcast'), portal: '2027-12-31' }]);
  });

  it('leaves renewals pending outside the maintenance window, and renew-style runs apply anyway', async () => {
    const now = new Date();
    const closed = `${String((now.getUTCHours() + 2) % 24).padStart(2, '0')}:00-${String((now.getUTCHours() + 3) % 24).padStart(2, '0')}:00`;
    const world = (await cycleWorld(tmp())).reconfigure((c) => {
      c.schedule = { maintenanceWindow: closed };
      c.timeZone = 'UTC';
    });
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const scheduled = await runCycle(world.deps, world.settings, { ...CHECK, trigger: 'schedule' });
    const manual = await runCycle(world.deps, world.settings, { ...CHECK, command: 'renew', ignoreWindow: true });

    expect(scheduled.outcome).toBe('pending');
    expect(scheduled.notes.join()).toContain(`outside the maintenance window ${closed}`);
    expect(manual.outcome).toBe('applied');
  });

  it('leaves renewals pending when the operator declines at the prompt', async () => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, { ...CHECK, confirm: async () => false });

    expect(result.outcome).toBe('pending');
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
  });

  it.each(['5xx', 'hang', 'trickle', 'reset', 'bad-json', 'bad-schema', 'huge', 'redirect-loop', '429'] as const)(
    'portal fault %s: unreachable, nothing applied, nothing recorded lost',
    async (fault) => {
      const world = (await cycleWorld(tmp())).reconfigure((c) => {
        c.portal.timeout = '1s';
        c.portal.retryMax = '200ms';
      });
      await runCycle(world.deps, world.settings, CHECK);
      const before = world.store.expiries.items();
      recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });
      world.sandbox.edit((s) => {
        s.portal.fault = fault;
        s.portal.retryAfterSeconds = 3600;
      });

      const result = await runCycle(world.deps, world.settings, CHECK);

      expect(result.outcome).toBe('unreachable');
      expect(result.error?.message).toBeTruthy();
      expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
      expect(world.store.expiries.items()).toEqual(before.map((i) => ({ ...i, confirmedAt: expect.any(String) })));
      expect(world.store.runs.get(result.runId)).toMatchObject({ outcome: 'unreachable', error: result.error?.message });
    },
  );

  it.each([
    ['a deployment the portal does not know', (w: CycleWorld) => w.sandbox.edit((s) => void delete s.portal.deployments[s.pbx.deploymentId]), /does not know this deployment/],
    ['a revoked token', (w: CycleWorld) => w.sandbox.edit((s) => void (s.portal.token = 'rotated')), /refused the token/],
  ])('%s: failed, needs a person', async (_what, breakIt, message) => {
    const world = await cycleWorld(tmp());
    breakIt(world);

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(message);
  });

  it('refuses to apply on a PBX whose deployment differs from the configured one', async () => {
    const world = (await cycleWorld(tmp())).reconfigure((c) => void (c.deploymentId = '63100000000'));
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(/PBX reports deployment 63198234567, the configuration expects 63100000000/);
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
  });

  it.each([
    ['failing (network down)', 'network', /Unable to connect to servers/],
    ['exiting 1', 'exit-1', /exited with status 1/],
  ] as const)('sa activate %s: failed with the reason', async (_what, fault, message) => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });
    world.sandbox.edit((s) => void (s.pbx.faults['sa activate'] = fault));

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(message);
    expect(world.store.runs.get(result.runId)?.details?.pending).toHaveLength(1);
  });

  it('sa activate hanging: stopped at pbx.applyTimeout, failed', async () => {
    const world = (await cycleWorld(tmp())).reconfigure((c) => void (c.pbx.applyTimeout = '1s'));
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });
    world.sandbox.edit((s) => void (s.pbx.faults['sa activate'] = 'hang'));
    const started = Date.now();

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(/did not finish within 1s/);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('sa activate succeeding without changing the dates: one retry, then failed naming both dates', async () => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });
    world.sandbox.edit((s) => void (s.pbx.faults['sa activate'] = 'no-change'));

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(/not visible on the PBX after 2 attempts: broadcast licence: PBX shows \d{4}-\d\d-\d\d, portal 2027-12-31/);
    expect(world.sandbox.read().pbx.calls['sa activate']).toBe(2);
    expect(result.unverified).toHaveLength(1);
  });

  it.each([
    ['empty', /the apply command's last words: it printed nothing/],
    ['garbage', /the apply command's last words: "/],
  ] as const)('sa activate printing %s and changing nothing: failed, quoting what it printed', async (fault, words) => {
    const world = await cycleWorld(tmp());
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });
    world.sandbox.edit((s) => void (s.pbx.faults['sa activate'] = fault));

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(result.error?.message).toMatch(words);
  });

  it('with applyCommand "update", a portal-side purchase is not picked up and says so', async () => {
    const world = (await cycleWorld(tmp())).reconfigure((c) => void (c.pbx.applyCommand = 'update'));
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('failed');
    expect(world.sandbox.read().pbx.calls['sa update']).toBe(2);
  });

  it('with renewals.source "off" only reads and records, portal or not', async () => {
    const world = (await cycleWorld(tmp())).reconfigure((c) => void (c.renewals = { source: 'off' }));
    recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result).toMatchObject({ outcome: 'up-to-date', source: 'off', planned: [] });
    expect(result.notes.join()).toMatch(/renewals\.source is "off"/);
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
    expect(world.store.expiries.items().some((i) => i.kind === 'module-maintenance')).toBe(false);
  });

  it('without a portal section the renewal source is the activation probe', async () => {
    const world = (await cycleWorld(tmp())).reconfigure((c) => void delete c.portal);

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result).toMatchObject({ outcome: 'up-to-date', source: 'activation', probe: { due: true, activations: 1 } });
    expect(result.notes).toContain('Update Activation ran; nothing new from Sangoma');
    expect(world.store.runs.get(result.runId)?.details).not.toHaveProperty('unverified');
  });

  it('renew --module with the portal: waits for that module, applies, and success means it shows the portal date', async () => {
    const world = (await cycleWorld(tmp())).reconfigure((c) => void (c.portal.pollInterval = '200ms'));
    recordPurchase(world.sandbox.dir, { module: 'zulu', until: '2027-10-01' });
    const waits: string[] = [];
    // Bought while the cycle waits: the first answer shows only zulu.
    const buyBroadcast = () => recordPurchase(world.sandbox.dir, { module: 'broadcast', until: '2027-12-31' });

    const result = await runCycle(world.deps, world.settings, {
      ...CHECK,
      command: 'renew --module broadcast',
      renew: true,
      ignoreWindow: true,
      module: 'broadcast',
      waitMs: 10_000,
      onWait: (p) => {
        if (waits.push(p.message) === 1) buyBroadcast();
      },
    });

    expect(result.outcome).toBe('applied');
    expect(result.planned.map((p) => p.item).sort()).toEqual(['license:broadcast', 'license:zulu']);
    expect(waits).toEqual(['renewal not on the portal yet']);
    expect(result.notes).toContain('The portal shows 2 renewal(s): broadcast licence, zulu licence.');
  });

  it('renew --module with the portal when the portal does not show it: pending, nothing applied', async () => {
    const world = await cycleWorld(tmp());

    const result = await runCycle(world.deps, world.settings, { ...CHECK, command: 'renew --module broadcast', renew: true, ignoreWindow: true, module: 'broadcast' });

    expect(result.outcome).toBe('pending');
    expect(result.notes.join()).toMatch(/the portal does not show a renewal of broadcast/);
    expect(world.sandbox.read().pbx.calls['sa activate']).toBeUndefined();
  });

  it('records a clock far from the portal as untrusted', async () => {
    const world = await cycleWorld(tmp());
    const deps = { ...world.deps, clock: { now: () => new Date(Date.now() + 3 * 3600_000) } };

    const result = await runCycle(deps, world.settings, CHECK);

    expect(result.clock).toMatchObject({ trusted: false });
    expect(result.clock?.reason).toMatch(/180 min ahead of the portal/);
    expect(world.store.runs.get(result.runId)?.details?.clock).toMatchObject({ trusted: false });
  });
});

describe('one cycle at a time', () => {
  it('a second cycle fails fast naming the holder', async () => {
    const world = await cycleWorld(tmp());
    world.sandbox.edit((s) => void (s.pbx.faults['sa info'] = 'slow'));
    world.sandbox.edit((s) => void (s.pbx.slowSeconds = 1));

    const first = runCycle(world.deps, world.settings, CHECK);
    await new Promise((r) => setTimeout(r, 200));
    const second = await runCycle(world.deps, world.settings, { ...CHECK, command: 'renew --force' }).catch((e: unknown) => e);

    expect(second).toBeInstanceOf(LeaseHeldError);
    expect((second as Error).message).toMatch(new RegExp(`"check" \\(pid ${process.pid} on .+, since `));
    expect((await first).outcome).toBe('up-to-date');
  });

  it('takes over the lease of a dead process and marks its run interrupted', async () => {
    const world = await cycleWorld(tmp());
    const deadPid = 2 ** 22 + 12345;
    const abandoned = world.store.runs.start({ trigger: 'manual', command: 'renew', host: 'local', deploymentId: null, dryRun: false, pid: deadPid, at: new Date().toISOString() });
    world.store.leases.acquire('cycle:local', { pid: deadPid, host: (await import('node:os')).hostname(), command: 'renew' }, new Date(), 600_000, () => true);

    const result = await runCycle(world.deps, world.settings, CHECK);

    expect(result.outcome).toBe('up-to-date');
    expect(result.interruptedRuns).toEqual([abandoned]);
    expect(world.store.runs.get(abandoned)).toMatchObject({ outcome: 'interrupted' });
  });
});
