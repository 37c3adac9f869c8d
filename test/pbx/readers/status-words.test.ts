import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATUS_LANGUAGES, STATUS_MSGIDS, TRANSLATED_STATUSES, type StatusMsgid } from '../../../src/pbx/readers/status-words.generated.js';
import { EXTRA_STATUS_WORDS, moduleState, MSGID_STATE, normaliseStatus } from '../../../src/pbx/readers/status-words.js';
import { useTmpDirs } from '../../helpers/tmp.js';

const tmp = useTmpDirs();
const SCRIPT = 'scripts/extract-freepbx-status-words.mjs';
const FIXTURES = 'test/fixtures/freepbx-i18n';

/** What fwconsole prints for a text: showList() appends the version to the prefix texts and sprintf()s the others. */
function printed(text: string, msgid: StatusMsgid): string {
  if (msgid === 'Disabled; Pending upgrade to ') return `${text}17.0.2.4`;
  if (msgid === 'Not Installed (Available online: ') return `${text}17.0.1.15)`;
  return text.replace('%s', '17.0.9');
}

describe('status words of every FreePBX language', () => {
  const cases = [
    ...STATUS_MSGIDS.map((msgid) => ({ lang: 'en', msgid, text: msgid as string })),
    ...TRANSLATED_STATUSES.flatMap((w) => [
      { lang: w.lang, msgid: w.msgid, text: w.text },
      ...(w.raw === undefined ? [] : [{ lang: `${w.lang} (as printed)`, msgid: w.msgid, text: w.raw }]),
    ]),
  ];

  it.each(cases)('$lang $text -> the state of "$msgid"', ({ msgid, text }) => {
    expect(moduleState(printed(text, msgid))).toBe(MSGID_STATE.get(msgid));
  });

  it('gives every msgid a state and covers every language the framework ships', () => {
    expect(STATUS_MSGIDS.filter((m) => !MSGID_STATE.has(m))).toEqual([]);
    expect(STATUS_LANGUAGES.map((l) => l.lang)).toEqual(
      ['bg_BG', 'cs', 'de_DE', 'es_ES', 'fa', 'fa_IR', 'fr_FR', 'he_IL', 'hu_HU', 'it_IT', 'ja_JP', 'nl_NL', 'pl', 'pt_BR', 'pt_PT', 'ro_RO', 'ru_RU', 'sv_SE', 'uk_UA', 'zh_CN'],
    );
    expect(TRANSLATED_STATUSES.length).toBe(STATUS_LANGUAGES.reduce((n, l) => n + l.translated, 0));
  });

  it('never lets one printed text mean two states', () => {
    const seen = new Map<string, string>();
    for (const { msgid, text } of cases) {
      const key = normaliseStatus(text);
      const state = MSGID_STATE.get(msgid)!;
      expect([key, seen.get(key) ?? state]).toEqual([key, state]);
      seen.set(key, state);
    }
  });

  it.each(EXTRA_STATUS_WORDS)('keeps the real-world variant $text ($why)', ({ text, state, prefix }) => {
    expect(moduleState(prefix ? `${text} (17.0.2)` : text)).toBe(state);
  });

  it.each(['Включено', 'Enabledish', 'Disabled but odd', '???', '   '])('leaves %j unknown', (text) => {
    expect(moduleState(text)).toBe('unknown');
  });

  it('decodes what the .po escaped and matches regardless of case and spacing', () => {
    expect(TRANSLATED_STATUSES.find((w) => w.lang === 'de_DE' && w.msgid === 'Enabled; Not available online')).toMatchObject({
      text: 'Aktiviert; Online nicht verfügbar',
      raw: 'Aktiviert; Online nicht verf&uuml;gbar',
    });
    expect(moduleState('  ENABLED   and up to   date ')).toBe('enabled');
  });
});

describe(SCRIPT, () => {
  it('regenerates the committed module exactly from the excerpts', () => {
    const out = join(tmp(), 'generated.ts');
    execFileSync(process.execPath, [SCRIPT, FIXTURES, '--commit', 'd55e0404485049d14e532810a4f6870765545fec', '--out', out]);

    expect(readFileSync(out, 'utf8')).toBe(readFileSync('src/pbx/readers/status-words.generated.ts', 'utf8'));
  });

  it('keeps translated words only: fuzzy and empty entries print in English; multi-line strings and entities are read', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'xx_XX', 'LC_MESSAGES'), { recursive: true });
    writeFileSync(
      join(dir, 'xx_XX', 'LC_MESSAGES', 'amp.po'),
      [
        'msgid ""',
        'msgstr ""',
        '"Language: xx\\n"',
        '',
        '#: amp_conf/htdocs/admin/libraries/Console/Moduleadmin.class.php:1227',
        'msgid "Enabled"',
        'msgstr ""',
        '"Akti"',
        '"v&eacute;"',
        '',
        '#, fuzzy',
        'msgid "Disabled"',
        'msgstr "Guessed"',
        '',
        'msgid "Broken"',
        'msgstr ""',
        '',
        'msgid "Not Installed (Available online: "',
        'msgstr "Absent \\"online\\": "',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out.ts');
    const said = execFileSync(process.execPath, [SCRIPT, dir, '--commit', 'abc', '--out', out], { encoding: 'utf8' });
    const text = readFileSync(out, 'utf8');

    expect(said).toContain('1 languages, 2 translated status texts');
    expect(text).toContain('{ lang: "xx_XX", msgid: "Enabled", text: "Aktivé", raw: "Aktiv&eacute;" }');
    expect(text).toContain('{ lang: "xx_XX", msgid: "Not Installed (Available online: ", text: "Absent \\"online\\": " }');
    expect(text).toContain('{ lang: "xx_XX", commit: "abc", translated: 2, fuzzy: 1 }');
    expect(text).not.toContain('Guessed');
  });

  it('says how to use it when the directory is missing', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [SCRIPT, join(tmp(), 'nope')], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect([status, stderr]).toEqual([2, expect.stringContaining('usage:')]);
  });
});
