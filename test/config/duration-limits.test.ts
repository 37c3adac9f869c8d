import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { MAX_TIMER_MS, timerDelay } from '../../src/core/timer-delay.js';
import { ConfigError } from '../../src/errors.js';
import { parseInventory } from '../../src/fleet/inventory.js';
import { serviceNotifier } from '../../src/service/sd-notify.js';
import { runCli } from '../helpers/cli.js';
import { configProblems } from '../helpers/config-problems.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** Every duration setting, its documented maximum, and where it sits in the configuration. */
const SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ['pbx.readTimeout', '1h'],
  ['pbx.applyTimeout', '2h'],
  ['pbx.settleDelay', '10m'],
  ['pbx.settleTimeout', '1h'],
  ['portal.connectTimeout', '5m'],
  ['portal.timeout', '10m'],
  ['portal.retryBase', '10m'],
  ['portal.retryMax', '1h'],
  ['portal.pollInterval', '1h'],
  ['clock.maxSkew', '1d'],
  ['schedule.retryMin', '1d'],
  ['schedule.retryMax', '30d'],
  ['retention.runs', '36500d'],
  ['metrics.staleAfter', '365d'],
  ['alerts.expiredRepeat', '365d'],
  ['alerts.failingFor', '365d'],
  ['alerts.deadManAfter', '365d'],
  ['alerts.retryAfter', '1d'],
  ['alerts.retryMax', '7d'],
  ['fleet.jitter', '10m'],
  ['fleet.hostTimeout', '12h'],
  ['fleet.connectTimeout', '5m'],
  ['fleet.keepaliveInterval', '10m'],
  ['renewals.horizon', '365d'],
  ['renewals.grace', '365d'],
  ['renewals.probeInterval', '90d'],
  ['renewals.retryEvery', '24h'],
];

function withSetting(path: string, value: unknown, base: Record<string, any> = {}): Record<string, any> {
  const [section, key] = path.split('.') as [string, string];
  const config = structuredClone(base);
  config[section] = { ...(config[section] ?? {}), [key]: value };
  if (section === 'portal') config.portal = { url: 'https://portal.example.net/api', ...config.portal };
  return config;
}


describe('duration settings have a maximum', () => {
  it.each(SETTINGS)('%s: its maximum (%s) is accepted, one second more is refused, and the README says so', (path, max) => {
    const above = `${max}1s`;

    expect(configProblems(withSetting(path, max))).toEqual([]);
    expect(configProblems(withSetting(path, above))).toEqual([expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')}: must be (at most|between \\S+ and) ${max}$`))]);
    expect(README).toMatch(new RegExp(`\\| [^|\\n]*\`${path.replace('.', '\\.')}\`[^|\\n]*\\| [^|\\n]*\`${max}\``));
  });

  it('`config check` refuses pbx.readTimeout "30d" (a timer cannot hold it) with exit 78, listing every problem', async () => {
    const sb = makeSandbox(join(tmp(), 'sb'));
    const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, any>;
    writeFileSync(sb.config, JSON.stringify({ ...config, pbx: { ...config.pbx, readTimeout: '30d', applyTimeout: '1000000' }, alerts: { deadManAfter: '99999d', channels: [{ type: 'command', command: ['/bin/true'], timeout: '1d' }] } }));

    const result = await runCli(['config', 'check', '--config', sb.config]);

    expect(result.code).toBe(78);
    expect(result.stderr).toContain('pbx.readTimeout: must be at most 1h');
    expect(result.stderr).toContain('pbx.applyTimeout: must be at most 2h');
    expect(result.stderr).toContain('alerts.deadManAfter: must be at most 365d');
    expect(result.stderr).toContain('alerts.channels.0.timeout: must be between 1s and 5m');
  });

  it('the fleet inventory\'s pbx settings have the same limits, for defaults and hosts', () => {
    try {
      parseInventory(
        { defaults: { user: 'a', privateKeyFile: 'k', pbx: { readTimeout: '30d' } }, hosts: [{ name: 'rome', address: '10.0.0.5', pbx: { applyTimeout: '3h' } }] },
        '/etc/pbx-activation-agent/fleet.json',
      );
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(['defaults.pbx.readTimeout: must be at most 1h', 'hosts.0 (rome).pbx.applyTimeout: must be at most 2h']);
    }
  });

  it.each([['renew'], ['fleet', 'renew', 'rome']])('`%s --wait 30d` is a usage error (exit 2)', async (...command) => {
    const sb = makeSandbox(join(tmp(), 'sb'));

    const result = await runCli([...command, '--wait', '30d', '--config', sb.config]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--wait "30d" is too long: at most 24h');
  });
});

describe('timerDelay: no timer gets more than 2^31-1 ms', () => {
  it('a 30-day delay given to Node as is fires at once; through timerDelay it waits', async () => {
    const fired: string[] = [];
    const raw = setTimeout(() => fired.push('raw'), 30 * 86_400_000);
    const guarded = setTimeout(() => fired.push('guarded'), timerDelay(30 * 86_400_000));

    await new Promise((r) => setTimeout(r, 100));
    clearTimeout(raw);
    clearTimeout(guarded);

    expect(fired).toEqual(['raw']);
    expect(timerDelay(Infinity)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(-5)).toBe(0);
  });

  it('a huge WATCHDOG_USEC from the environment does not make the watchdog ping every millisecond', () => {
    const notifier = serviceNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: String(10 ** 15) }, { warn: () => {} });

    expect(notifier.watchdogIntervalMs).toBe(MAX_TIMER_MS);
  });
});
