import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { buildChannels } from '../../src/notify/build.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('alerts configuration', () => {
  it('has the documented defaults', () => {
    const { alerts } = parseConfig('{}', '/etc/pbx-activation-agent/config.json');

    expect(alerts).toEqual({
      thresholds: [60, 30, 14, 7, 3, 1],
      perModule: new Map(),
      expiredRepeat: 7 * 86_400_000,
      failingFor: 12 * 3_600_000,
      deadManAfter: 36 * 3_600_000,
      retryAfter: 60_000,
      retryMax: 3_600_000,
      digest: null,
      channels: [],
    });
  });

  it('lists every malformed address, URL and setting, never echoing a URL', () => {
    const config = {
      alerts: {
        thresholds: [7, 'soon'],
        expiredRepeat: '10m',
        channels: [
          { type: 'email', to: ['ops@example.com', 'not an address', '-oQ/tmp@x'], from: 'me@' },
          { type: 'webhook', url: 'ftp://hooks.example.com/T0KEN' },
          { type: 'slack', url: 'https://hooks.slack.com/x', urlFile: '/etc/x' },
          { type: 'teams' },
          { type: 'command', command: [] },
          { type: 'email', to: ['a@b.c'], smtp: { host: 'smtp..example', security: 'none', username: 'u' } },
          { type: 'pager' },
        ],
      },
    };

    const listed = problems(() => parseConfig(JSON.stringify(config), '/x/agent.json'));

    expect(listed).toEqual(
      expect.arrayContaining([
        'alerts.thresholds.1: Invalid input: expected number, received string',
        'alerts.expiredRepeat: must be between 1h and 365d',
        'alerts.channels.0.to.1: is not an e-mail address (user@example.com)',
        'alerts.channels.0.to.2: is not an e-mail address (user@example.com)',
        'alerts.channels.0.from: is not an e-mail address (user@example.com)',
        'alerts.channels.1.url: is not an http(s) URL (credentials go in the path or query, not user:password@)',
        'alerts.channels.2.url: set exactly one of url and urlFile',
        'alerts.channels.3.url: set exactly one of url and urlFile',
        'alerts.channels.4.command: needs the executable to run',
        'alerts.channels.5.smtp.host: is not a host name or IP address',
        'alerts.channels.5.smtp.security: a password is never sent unencrypted: use starttls or tls with username',
      ]),
    );
    expect(listed.some((p) => p.startsWith('alerts.channels.6'))).toBe(true);
    expect(listed.join('\n')).not.toContain('T0KEN');
  });

  it('refuses two channels with the same name', () => {
    const config = { alerts: { channels: [{ type: 'webhook', url: 'https://a.example/x' }, { type: 'slack', name: 'webhook', url: 'https://b.example/y' }] } };

    expect(problems(() => parseConfig(JSON.stringify(config), '/x/agent.json'))).toEqual(['alerts.channels.1.name: another channel is already called "webhook"; give each a different name']);
  });

  it('reads webhook URLs and passwords from files, refusing files others can read and files without a URL', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'open-url'), 'https://hooks.slack.com/services/T0KEN\n', { mode: 0o644 });
    writeFileSync(join(dir, 'not-url'), 'T0KEN-without-scheme\n', { mode: 0o600 });
    writeFileSync(join(dir, 'good-url'), 'https://hooks.example.com/T0KEN\n', { mode: 0o600 });
    const config = parseConfig(
      JSON.stringify({
        alerts: {
          channels: [
            { type: 'slack', urlFile: 'open-url' },
            { type: 'webhook', urlFile: 'not-url' },
            { type: 'teams', urlFile: 'good-url' },
            { type: 'email', to: ['a@b.c'], smtp: { host: 'smtp.example.com', username: 'u', passwordFile: 'missing' } },
          ],
        },
      }),
      join(dir, 'agent.json'),
    );

    const error = await buildChannels(config.alerts, join(dir, 'agent.json'), {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    const listed = (error as ConfigError).problems;
    expect(listed).toEqual([
      expect.stringMatching(/^alerts\.channels\.0\.urlFile: the slack URL file .*open-url is readable by group or others \(mode 0644\)$/),
      'alerts.channels.1.urlFile: the file does not hold an http(s) URL',
      expect.stringMatching(/^alerts\.channels\.3\.smtp\.passwordFile: the SMTP password file .*missing does not exist$/),
    ]);
    expect(listed.join('\n')).not.toContain('T0KEN');
  });

  it('builds channels with descriptions that carry no secret', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'url'), 'https://hooks.example.com/services/T0KEN?sig=abc\n', { mode: 0o600 });
    const config = parseConfig(JSON.stringify({ alerts: { channels: [{ type: 'webhook', urlFile: 'url' }, { type: 'command', command: ['./hook.sh', 'x'] }] } }), join(dir, 'agent.json'));

    const channels = await buildChannels(config.alerts, join(dir, 'agent.json'), {});

    expect(channels.map((c) => [c.id, c.description])).toEqual([
      ['webhook', 'webhook https://hooks.example.com'],
      ['command', `command ${join(dir, 'hook.sh')}`],
    ]);
  });
});
