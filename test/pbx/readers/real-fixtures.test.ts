import { describe, expect, it } from 'vitest';
import { cleanOutput } from '../../../src/pbx/readers/clean.js';
import { recogniseFailure } from '../../../src/pbx/readers/failures.js';
import { parseLicenceInfo } from '../../../src/pbx/readers/licence-info.js';
import { parseModuleList } from '../../../src/pbx/readers/module-list.js';
import { realFixture, realFixtureNames } from '../../helpers/fixtures.js';

/** Every real capture is a test case: what each reader must make of it. */
const EXPECTED: Record<string, (text: string) => void> = {
  'ma-list-en-fpbx17.txt': (text) => {
    const parsed = parseModuleList(text);

    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toHaveLength(14);
    expect(parsed.value.filter((m) => m.commercial).map((m) => [m.name, m.license, m.state])).toEqual([
      ['areminder', 'Commercial', 'enabled'],
      ['broadcast', 'Commercial', 'enabled'],
      ['callaccounting', 'Commercial+', 'enabled'],
    ]);
    expect(parsed.value.find((m) => m.name === 'builtin')).toMatchObject({ version: '', license: '', state: 'enabled', commercial: false });
  },
  'ma-list-ioncube-noise.txt': (text) => {
    const parsed = parseModuleList(text);

    expect(cleanOutput(text).noise).toEqual(['Cannot load the ionCube PHP Loader - it was already loaded']);
    expect(parsed).toEqual({
      ok: true,
      value: [{ name: 'framework', version: '17.0.17', statusText: 'Enabled', state: 'enabled', license: 'GPLv2+', commercial: false, signature: 'Sangoma' }],
    });
  },
  'ma-listonline-commercial.txt': (text) => {
    const parsed = parseModuleList(text);

    expect(parsed.ok && parsed.value).toEqual([
      {
        name: 'sms',
        version: '',
        statusText: 'Not Installed (Available online: 17.0.1.15)',
        state: 'not-installed',
        license: 'Commercial',
        commercial: true,
        signature: '',
      },
    ]);
  },
  'ma-refreshsignatures-offline.txt': (text) => {
    expect(recogniseFailure(cleanOutput(text).lines)).toMatchObject({ reason: 'network', line: 'Cant Reach Online Server' });
    expect(parseModuleList(text).ok).toBe(false);
    expect(parseLicenceInfo(text).ok).toBe(false);
  },
  'ma-upgrade-mirror-failure.txt': (text) => {
    const failure = recogniseFailure(cleanOutput(text).lines);

    expect(failure?.reason).toBe('network');
    expect(failure?.line).toMatch(/^- Unable to connect to servers from URLs provided/);
  },
  'ma-install-not-activated.txt': (text) => {
    expect(recogniseFailure(cleanOutput(text).lines)).toMatchObject({ reason: 'not-activated', line: 'No PBXID file found, not registering module to cloud.' });
  },
  'gui-activation-page-text.txt': (text) => {
    const parsed = parseLicenceInfo(text);

    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.deploymentId).toBe('631xxxxxxxx');
    expect(parsed.value.items.map((i) => [i.item, i.expiry])).toEqual([
      ['activation', { kind: 'date', date: '2030-09-04' }],
      ['support-contract', { kind: 'date', date: '2024-09-01' }],
    ]);
  },
  'ma-list-it-fpbx16-header.txt': (text) => {
    // Italian, with a half-translated header (Versione): the Status words are it_IT's own.
    const rows = modules(text);

    expect(rows.filter((m) => m.commercial).map((m) => [m.name, m.state])).toEqual([
      ['adv_recovery', 'disabled'],
      ['areminder', 'disabled'],
      ['broadcast', 'disabled'],
    ]);
    expect(rows.find((m) => m.name === 'amd')).toMatchObject({ version: '16.0.3', statusText: 'Attivato', state: 'enabled', signature: 'Sangoma' });
    expect(rows.find((m) => m.name === 'builtin')).toMatchObject({ state: 'enabled', signature: 'Unsigned' });
    expect(rows.some((m) => m.state === 'unknown')).toBe(false);
  },
  'ma-list-it-fpbx17.txt': (text) => {
    // Rows only (pasted without the header): read by position.
    const rows = modules(text);

    expect(rows.filter((m) => m.state === 'disabled').map((m) => m.name)).toEqual(['adv_recovery', 'areminder', 'broadcast', 'callaccounting']);
    expect(rows.every((m) => m.state === 'enabled' || m.state === 'disabled')).toBe(true);
  },
  'ma-list-broken-unsigned.txt': (text) => {
    const rows = modules(text);

    expect(rows.filter((m) => m.state === 'broken').map((m) => m.name)).toEqual(['accountcodepreserve', 'allowlist']);
    expect(rows.filter((m) => m.commercial).map((m) => [m.name, m.state, m.signature])).toEqual([
      ['adv_recovery', 'enabled', 'Unsigned'],
      ['areminder', 'enabled', 'Unsigned'],
    ]);
  },
  'ma-list-disabled-commercial-fpbx16.txt': (text) => {
    expect(modules(text).filter((m) => m.commercial && m.state === 'disabled').map((m) => m.name)).toEqual(['areminder', 'broadcast']);
  },
  'ma-list-not-installed-commercial.txt': (text) => {
    expect(modules(text).filter((m) => m.commercial).map((m) => [m.name, m.version, m.state])).toEqual([
      ['adv_recovery', '', 'not-installed'],
      ['areminder', '', 'not-installed'],
    ]);
  },
  'cron-line-asterisk.txt': (text) => {
    // Not fwconsole output at all: every reader must refuse it rather than record "no modules".
    expect(parseLicenceInfo(text).ok).toBe(false);
    expect(parseModuleList(text).ok).toBe(false);
    expect(recogniseFailure(cleanOutput(text).lines)).toBeNull();
  },
};

function modules(text: string) {
  const parsed = parseModuleList(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

describe('real FreePBX outputs', () => {
  it('has an expectation for every captured file', () => {
    expect(realFixtureNames()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(realFixtureNames())('%s', (name) => {
    EXPECTED[name]!(realFixture(name));
  });

  it.each(realFixtureNames())('%s survives CRLF line ends and ANSI colours', (name) => {
    const original = realFixture(name);
    const mangled = original.replace(/\n/g, '\r\n').replace(/(Enabled|Commercial|Deployment ID)/g, '\x1b[32m$1\x1b[0m');

    EXPECTED[name]!(mangled);
  });
});
