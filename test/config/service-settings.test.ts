import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { parseListen } from '../../src/config/listen.js';
import { configProblems } from '../helpers/config-problems.js';


describe('service settings', () => {
  it('defaults: a daily window, 5 min to 6 h retries, 400 days of runs, no metrics listener', () => {
    const config = parseConfig('{}', '/etc/pbx-activation-agent/config.json');

    expect(config.schedule).toEqual({ check: '02:00-05:00', retryMin: 300_000, retryMax: 21_600_000, maintenanceWindow: null });
    expect(config.retention).toEqual({ runs: 400 * 86_400_000 });
    expect(config.metrics).toEqual({ allowRemote: false });
  });

  it.each([
    [{ schedule: { check: 'daily' } }, 'schedule.check: must be a daily window like "02:00-05:00" or a cron expression like "30 3 * * *"'],
    [{ metrics: { listen: '9468' } }, 'metrics.listen: must be HOST:PORT, e.g. "127.0.0.1:9468" or "[::1]:9468"'],
    [{ metrics: { listen: '192.0.2.10:9468' } }, 'metrics.listen: 192.0.2.10 is not a loopback address; metrics would be reachable from the network (set metrics.allowRemote: true if that is intended)'],
    [{ retention: { runs: 'forever' } }, 'retention.runs: "forever" is not a duration (use e.g. 90s, 10m, 2h, 1d)'],
  ])('%j is refused', (config, problem) => {
    expect(configProblems(config)).toEqual([problem]);
  });

  it('a remote listener is accepted when allowed', () => {
    expect(configProblems({ metrics: { listen: '0.0.0.0:9468', allowRemote: true } })).toEqual([]);
  });

  it.each([
    ['127.0.0.1:9468', { host: '127.0.0.1', port: 9468, loopback: true }],
    ['[::1]:9468', { host: '::1', port: 9468, loopback: true }],
    ['localhost:1', { host: 'localhost', port: 1, loopback: true }],
    ['0.0.0.0:9468', { host: '0.0.0.0', port: 9468, loopback: false }],
    ['127.0.0.1:0', null],
    ['[nope]:9468', null],
  ])('parseListen(%s)', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });
});
