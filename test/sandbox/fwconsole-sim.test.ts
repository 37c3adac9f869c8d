import { describe, expect, it } from 'vitest';
import { simulate, type SimContext } from '../../src/sandbox/fwconsole-sim.js';
import { defaultScenario } from '../../src/sandbox/scenario.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { parseLicenceInfo } from '../../src/pbx/readers/licence-info.js';
import { parseModuleList } from '../../src/pbx/readers/module-list.js';

const NOW = Date.parse('2026-11-26T10:00:00Z');
const asRoot: SimContext = { isTTY: true, uid: 0, now: NOW };

function world(): SandboxState {
  return defaultScenario('2026-11-26', { rootUid: 0, token: 't', now: new Date(NOW).toISOString() });
}

function purchase(state: SandboxState, key: string, until: string): void {
  const entitlement = state.portal.deployments[state.pbx.deploymentId]!.modules[key]!;
  entitlement.licenseExpires = until;
  entitlement.visibleToUpdate = false;
}

describe('simulated fwconsole', () => {
  it('prints the ionCube noise line first, like some real PHP setups', () => {
    expect(simulate(world(), ['ma', 'list'], asRoot).stdout.split('\n')[0]).toBe('Cannot load the ionCube PHP Loader - it was already loaded');
  });

  it('colours sa info on a TTY unless --no-ansi', () => {
    expect(simulate(world(), ['sa', 'info'], asRoot).stdout).toContain('\x1b[32m');
    expect(simulate(world(), ['sa', 'info', '--no-ansi'], asRoot).stdout).not.toContain('\x1b[');
  });

  it('refuses sa info without a TTY', () => {
    const result = simulate(world(), ['sa', 'info'], { ...asRoot, isTTY: false });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/requires an interactive terminal/);
  });

  it('sa update misses a portal-side purchase; sa activate picks it up and restarts Apache', () => {
    const state = world();
    purchase(state, 'broadcast', '2027-12-01');

    const update = simulate(state, ['sa', 'update'], asRoot);
    const before = state.pbx.licence.broadcast;
    const activate = simulate(state, ['sa', 'activate', state.pbx.deploymentId], asRoot);
    const duringRestart = simulate(state, ['sa', 'info', '--no-ansi'], asRoot);
    const afterRestart = simulate(state, ['sa', 'info', '--no-ansi'], { ...asRoot, now: NOW + 60_000 });

    expect(update.stdout).toMatch(/No changes/);
    expect(before).toBe('2026-12-01');
    expect(activate.exitCode).toBe(0);
    expect(state.pbx.licence.broadcast).toBe('2027-12-01');
    expect(duringRestart.exitCode).toBe(1);
    expect(duringRestart.stdout).toMatch(/Apache is restarting/);
    const parsed = parseLicenceInfo(afterRestart.stdout);
    expect(parsed.ok && parsed.value.items.find((i) => i.item === 'license:broadcast')?.expiry).toEqual({ kind: 'date', date: '2027-12-01' });
    expect(state.pbx.calls).toMatchObject({ 'sa update': 1, 'sa activate': 1, 'sa info': 2 });
  });

  it('sa update prints the licence table when a visible renewal changed it', () => {
    const state = world();
    state.portal.deployments[state.pbx.deploymentId]!.modules.zulu!.licenseExpires = '2028-01-01';

    const update = simulate(state, ['sa', 'update'], asRoot);

    expect(update.stdout).toMatch(/\| zulu_exp +\| 2028-01-01 +\|/);
    const parsed = parseLicenceInfo(update.stdout);
    expect(parsed.ok && parsed.value.items.find((i) => i.item === 'license:zulu')?.expiry).toEqual({ kind: 'date', date: '2028-01-01' });
  });

  it('requires root for sa activate and sa update', () => {
    const state = world();
    purchase(state, 'broadcast', '2027-12-01');

    const result = simulate(state, ['sa', 'activate', state.pbx.deploymentId], { ...asRoot, uid: 1000 });

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/must be run as root/);
    expect(state.pbx.licence.broadcast).toBe('2026-12-01');
  });

  it('fails like a box without network', () => {
    const state = world();
    state.pbx.network = 'down';

    const result = simulate(state, ['sa', 'activate', state.pbx.deploymentId], asRoot);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/Unable to connect to servers from URLs provided/);
  });

  it('succeeds without changing anything under the no-change fault', () => {
    const state = world();
    purchase(state, 'broadcast', '2027-12-01');
    state.pbx.faults['sa activate'] = 'no-change';

    const result = simulate(state, ['sa', 'activate', state.pbx.deploymentId], asRoot);

    expect(result.exitCode).toBe(0);
    expect(state.pbx.licence.broadcast).toBe('2026-12-01');
  });

  it('lists modules with localised status words in both formats', () => {
    const state = world();
    state.pbx.language = 'de';

    const table = parseModuleList(simulate(state, ['ma', 'list'], asRoot).stdout);
    const json = parseModuleList(simulate(state, ['ma', 'list', '--format=json'], asRoot).stdout);

    expect(table).toEqual(json);
    expect(table.ok && table.value.find((m) => m.name === 'sysadmin')).toMatchObject({ statusText: 'Aktivieren', state: 'enabled' });
    expect(table.ok && table.value.find((m) => m.name === 'cos')).toMatchObject({ statusText: 'Deaktiviert', state: 'disabled' });
  });
});
