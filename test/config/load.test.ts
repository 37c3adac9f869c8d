import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, resolveConfigPath, DEFAULT_CONFIG_PATH } from '../../src/config/load.js';
import { readSecret } from '../../src/config/secrets.js';
import { ConfigError } from '../../src/errors.js';
import { renewalSource } from '../../src/renewals/settings.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfigPath', () => {
  it('prefers --config, then $PBX_AGENT_CONFIG, then the system path', () => {
    expect(resolveConfigPath('/a.json', { PBX_AGENT_CONFIG: '/b.json' })).toBe('/a.json');
    expect(resolveConfigPath(undefined, { PBX_AGENT_CONFIG: '/b.json' })).toBe('/b.json');
    expect(resolveConfigPath(undefined, {})).toBe(DEFAULT_CONFIG_PATH);
  });
});

describe('parseConfig', () => {
  it('fills every default from an empty object', () => {
    const config = parseConfig('{}', '/etc/pbx-activation-agent/config.json');

    expect(config.pbx).toMatchObject({
      fwconsole: '/usr/sbin/fwconsole',
      tty: true,
      sudo: false,
      applyCommand: 'activate',
      readTimeout: 120_000,
      applyTimeout: 600_000,
    });
    expect(config.store.path).toBe('/var/lib/pbx-activation-agent/agent.db');
  });

  it('takes relative paths relative to the config file, bare command names from PATH', () => {
    const config = parseConfig('{"store":{"path":"state/agent.db"},"pbx":{"fwconsole":"fwconsole"}}', '/srv/agent/config.json');

    expect(config.store.path).toBe('/srv/agent/state/agent.db');
    expect(config.pbx.fwconsole).toBe('fwconsole');
  });

  it('lists every problem at once, each with its path', () => {
    const text = JSON.stringify({
      deploymentId: 'bad id!',
      timeZone: 'Mars/Olympus',
      pbx: { readTimeout: 'soon', applyCommand: 'reboot', tty: 'yes', fwconsol: '/x' },
      store: { path: '' },
      portl: {},
    });

    const list = problems(() => parseConfig(text, '/c.json'));

    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^deploymentId: /),
        expect.stringMatching(/^timeZone: is not an IANA time zone/),
        expect.stringMatching(/^pbx\.readTimeout: "soon" is not a duration/),
        expect.stringMatching(/^pbx\.applyCommand: /),
        expect.stringMatching(/^pbx\.tty: /),
        expect.stringMatching(/^pbx\.fwconsol: unknown key/),
        expect.stringMatching(/^store\.path: /),
        expect.stringMatching(/^portl: unknown key/),
      ]),
    );
    expect(list).toHaveLength(8);
  });

  it('refuses a secret written inline, saying where it belongs', () => {
    const list = problems(() => parseConfig('{"portal":{"token":"abc"}}', '/c.json'));

    expect(list[0]).toMatch(/^portal\.token: secrets are never written in the config; .*chmod 600.*portal\.tokenFile/);
    expect(list.join('\n')).not.toContain('abc');
  });

  it.each([
    ['malformed JSON', '{ "pbx": { "tty": true, } }', /not valid JSON at line 1, column 2\d/],
    ['an array', '[]', /must contain a JSON object/],
    ['empty text', '', /not valid JSON/],
  ])('explains %s', (_what, text, message) => {
    expect(problems(() => parseConfig(text, '/c.json'))[0]).toMatch(message);
  });
});

describe('loadConfig', () => {
  it('says a missing file does not exist and how to create one', () => {
    try {
      loadConfig('/nonexistent/config.json');
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(['the file does not exist']);
      expect((err as ConfigError).hint).toMatch(/--config/);
    }
  });

  it('says a directory is not a readable config', () => {
    expect(problems(() => loadConfig(tmp()))[0]).toBe('the file is a directory, not a regular file');
  });
});

describe('readSecret', () => {
  const source = { what: 'portal token', key: 'portal.tokenFile', credential: 'portal-token' };

  it('reads a 0600 file, trimming the newline', () => {
    const file = join(tmp(), 'token');
    writeFileSync(file, 's3cret\n', { mode: 0o600 });

    expect(readSecret({ ...source, file }, '/c.json')).toBe('s3cret');
  });

  it.each([0o640, 0o604, 0o644])('refuses a file with mode %o, saying how to fix it', (mode) => {
    const file = join(tmp(), 'token');
    writeFileSync(file, 's3cret\n');
    chmodSync(file, mode);

    try {
      readSecret({ ...source, file }, '/c.json');
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems[0]).toMatch(/readable by group or others/);
      expect((err as ConfigError).hint).toContain(`chmod 600 ${file}`);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });

  it('finds the secret in $CREDENTIALS_DIRECTORY when no file is configured', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'creds'));
    writeFileSync(join(dir, 'creds', 'portal-token'), 'from-systemd', { mode: 0o400 });

    expect(readSecret(source, '/c.json', { CREDENTIALS_DIRECTORY: join(dir, 'creds') })).toBe('from-systemd');
  });

  it('says where to put a secret that is configured nowhere', () => {
    expect(problems(() => readSecret(source, '/c.json', {}))[0]).toBe('portal.tokenFile: no portal token configured');
  });

  it('refuses an empty or missing secret file', () => {
    const file = join(tmp(), 'token');
    writeFileSync(file, '\n', { mode: 0o600 });

    expect(problems(() => readSecret({ ...source, file }, '/c.json'))[0]).toMatch(/is empty/);
    expect(problems(() => readSecret({ ...source, file: `${file}.missing` }, '/c.json'))[0]).toMatch(/does not exist/);
  });
});

describe('renewals settings', () => {
  it('default to the activation probe without a portal, to the portal with one', () => {
    const none = parseConfig('{}', '/etc/a.json');
    const portal = parseConfig('{"portal": {"url": "https://portal.example/api"}}', '/etc/a.json');

    expect(renewalSource(none)).toBe('activation');
    expect(renewalSource(portal)).toBe('portal');
    expect(renewalSource(parseConfig('{"portal": {"url": "https://portal.example/api"}, "renewals": {"source": "activation"}}', '/etc/a.json'))).toBe('activation');
    expect(none.renewals).toMatchObject({ horizon: 30 * 86_400_000, grace: 60 * 86_400_000, probeInterval: 86_400_000, retryEvery: 300_000 });
    expect(none.renewals.perModule).toEqual(new Map());
  });

  it('reads per-module horizons into a Map, licence keys only', () => {
    const config = parseConfig('{"renewals": {"perModule": {"zulu": "60d", "constructor": "7d"}}}', '/etc/a.json');

    expect(config.renewals.perModule).toEqual(new Map([['zulu', 60 * 86_400_000], ['constructor', 7 * 86_400_000]]));
    expect(problems(() => parseConfig('{"renewals": {"perModule": {"__proto__": "7d", "Zulu": "1d"}}}', '/etc/a.json')).join('\n')).toMatch(/renewals\.perModule/);
  });

  it('lists every problem: "portal" without a portal section, a retry more often than every second, a bad duration', () => {
    const listed = problems(() => parseConfig('{"renewals": {"source": "portal", "retryEvery": "500ms", "grace": "soon"}}', '/etc/a.json'));

    expect(listed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^renewals\.source: "portal" needs a portal section/),
        'renewals.retryEvery: must be between 1s and 24h',
        expect.stringMatching(/^renewals\.grace: "soon" is not a duration/),
      ]),
    );
  });
});
