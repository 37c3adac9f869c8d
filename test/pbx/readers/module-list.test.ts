import { describe, expect, it } from 'vitest';
import { moduleState, parseModuleList } from '../../../src/pbx/readers/module-list.js';

const json = (...messages: object[]) => messages.map((m) => JSON.stringify(m)).join('\n');

describe('moduleState', () => {
  it.each([
    ['Enabled', 'enabled'],
    ['Enabled and up to date', 'enabled'],
    ['Enabled; Not available online', 'enabled'],
    ['Online upgrade available (17.0.2)', 'enabled'],
    ['Disabled', 'disabled'],
    ['Disabled; Pending upgrade to 17.0.2', 'needs-upgrade'],
    ['Not Installed (Available online: 17.0.1.15)', 'not-installed'],
    ['Newer than online version (17.0.9)', 'enabled'],
    ['Not Installed (Locally available)', 'not-installed'],
    ['Broken', 'broken'],
    ['Attivato', 'enabled'],
    ['Disattivato', 'disabled'],
    ['Aktivieren', 'enabled'],
    ['Deaktiviert', 'disabled'],
    ['Включено', 'unknown'],
    ['有効', 'enabled'],
    ['Aktiviert; Online nicht verf&uuml;gbar', 'enabled'],
    ['Enabledx', 'unknown'],
    ['', 'unknown'],
  ])('%j is %s', (text, state) => {
    expect(moduleState(text)).toBe(state);
  });
});

describe('parseModuleList --format=json', () => {
  it('finds the list among the other JSON messages', () => {
    const text = json(
      { status: true, type: 'message', data: 'No repos specified, using: [standard] from last GUI settings' },
      { status: true, type: 'message', data: [['sysadmin', '17.0.27', 'Disattivato', 'Commercial', 'Sangoma']] },
    );

    expect(parseModuleList(`Cannot load the ionCube PHP Loader - it was already loaded\n${text}`)).toEqual({
      ok: true,
      value: [{ name: 'sysadmin', version: '17.0.27', statusText: 'Disattivato', state: 'disabled', license: 'Commercial', commercial: true, signature: 'Sangoma' }],
    });
  });

  it.each([
    ['a truncated line', '{"status":true,"type":"message","data":[["sysadmin"'],
    ['no list at all', json({ status: true, type: 'message', data: 'hello' })],
    ['an error message', json({ status: false, type: 'error', data: 'Unable to connect' })],
    ['entries that are not rows', json({ status: true, type: 'message', data: [[{ x: 1 }]] })],
  ])('refuses %s', (_what, text) => {
    expect(parseModuleList(text).ok).toBe(false);
  });
});

describe('parseModuleList table', () => {
  it('maps columns by header, whatever their order, and ignores extra columns', () => {
    const text = [
      '+-------+---------+---------+------------+-----------+-------+',
      '| Status | Module | Version | License    | Signature | Extra |',
      '+-------+---------+---------+------------+-----------+-------+',
      '| Disabled | cos  | 17.0.3  | Commercial | Sangoma   | x     |',
      '+-------+---------+---------+------------+-----------+-------+',
    ].join('\n');

    const parsed = parseModuleList(text);

    expect(parsed.ok && parsed.value).toEqual([
      { name: 'cos', version: '17.0.3', statusText: 'Disabled', state: 'disabled', license: 'Commercial', commercial: true, signature: 'Sangoma' },
    ]);
  });

  it('skips a translated header (found by its place between the first two borders) and reads by position', () => {
    const text = [
      '+--------+----------+-------------+------------+----------+',
      '| Modulo | Versione | Stato       | Licenza    | Firma    |',
      '+--------+----------+-------------+------------+----------+',
      '| cos    | 17.0.3   | Disattivato | Commercial | Unsigned |',
      '| zulu   | 17.0.9   | Rovinato    | Commercial | Sangoma  |',
      '+--------+----------+-------------+------------+----------+',
    ].join('\n');

    const parsed = parseModuleList(text);

    expect(parsed.ok && parsed.value).toEqual([
      { name: 'cos', version: '17.0.3', statusText: 'Disattivato', state: 'disabled', license: 'Commercial', commercial: true, signature: 'Unsigned' },
      { name: 'zulu', version: '17.0.9', statusText: 'Rovinato', state: 'broken', license: 'Commercial', commercial: true, signature: 'Sangoma' },
    ]);
  });

  it('keeps a lone data row between borders (no header) as a module', () => {
    const parsed = parseModuleList(['+---+', '| zulu | 17.0.9 | Enabled | Commercial |', '+---+'].join('\n'));

    expect(parsed.ok && parsed.value.map((m) => [m.name, m.signature])).toEqual([['zulu', '']]);
  });

  it('reads headerless rows (a grep of the table) by position', () => {
    const parsed = parseModuleList('| zulu | 17.0.9 | Enabled | Commercial | Sangoma |\n');

    expect(parsed.ok && parsed.value.map((m) => m.name)).toEqual(['zulu']);
  });

  it('refuses text without any table', () => {
    expect(parseModuleList('Segmentation fault').ok).toBe(false);
    expect(parseModuleList('').ok).toBe(false);
  });
});
