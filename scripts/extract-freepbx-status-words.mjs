#!/usr/bin/env node
// Regenerates src/pbx/readers/status-words.generated.ts from FreePBX's own translations.
//
// FreePBX prints the Status column of `fwconsole ma list` through gettext (framework,
// amp_conf/htdocs/admin/libraries/Console/Moduleadmin.class.php, showList()), so the words
// an operator sees are the msgstr of ten msgids in
// amp_conf/htdocs/admin/i18n/<lang>/LC_MESSAGES/amp.po. This script reads those .po files
// from a fetched snapshot and writes only the translated words (data, not FreePBX code).
//
//   git -C <framework mirror> archive <commit> amp_conf/htdocs/admin/i18n | tar -x -C /tmp/fw
//   node scripts/extract-freepbx-status-words.mjs /tmp/fw/amp_conf/htdocs/admin/i18n \
//     --commit <commit> [--out src/pbx/readers/status-words.generated.ts]
//
// A file whose first line is `# excerpt of ... @ <sha>` names its own commit (used when only
// some languages could be read at another commit). Fuzzy entries are left out: msgfmt does not
// compile them, so fwconsole prints English for them. Empty msgstr means English too.
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Status texts of showList(); the order is the order of the generated table. */
const MSGIDS = [
  'Enabled',
  'Enabled and up to date',
  'Enabled; Not available online',
  'Online upgrade available (%s)',
  'Newer than online version (%s)',
  'Disabled',
  'Disabled; Pending upgrade to ',
  'Broken',
  'Not Installed (Locally available)',
  'Not Installed (Available online: ',
];

// HTML 4 Latin-1 entity names in code point order, U+00A0 to U+00FF.
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(' ');
const ENTITIES = new Map([
  ['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"],
  ...LATIN1.map((name, i) => [name, String.fromCodePoint(0xa0 + i)]),
]);

export function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (whole, name) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES.get(name) ?? whole;
  });
}

function unquote(line) {
  const m = /^"(.*)"\s*$/.exec(line.trim());
  if (!m) return null;
  return m[1].replace(/\\(["\\nt])/g, (_, c) => ({ n: '\n', t: '\t' })[c] ?? c);
}

/** Minimal .po reader: entries of msgid/msgstr (multi-line strings joined) with their flags. */
export function parsePo(text) {
  const entries = [];
  let entry = { flags: [], msgid: null, msgstr: null };
  let target = null;
  const flush = () => {
    if (entry.msgid !== null && entry.msgstr !== null) entries.push(entry);
    entry = { flags: [], msgid: null, msgstr: null };
    target = null;
  };
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '') { flush(); continue; }
    if (t.startsWith('#,')) { if (entry.msgstr !== null) flush(); entry.flags.push(...t.slice(2).split(',').map((f) => f.trim())); continue; }
    if (t.startsWith('#')) continue;
    const key = /^(msgid|msgstr|msgctxt|msgid_plural|msgstr\[\d+\])\s+(".*")\s*$/.exec(t);
    if (key) {
      if (key[1] === 'msgid' && entry.msgstr !== null) flush();
      target = key[1] === 'msgid' || key[1] === 'msgstr' ? key[1] : null;
      if (target) entry[target] = unquote(key[2]) ?? '';
      continue;
    }
    const more = unquote(t);
    if (more !== null && target) entry[target] += more;
  }
  flush();
  return entries;
}

function readLanguage(dir, lang, defaultCommit) {
  const file = join(dir, lang, 'LC_MESSAGES', 'amp.po');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const commit = /^# excerpt of .* @ ([0-9a-f]{40})/.exec(text)?.[1] ?? defaultCommit;
  const wanted = new Map(parsePo(text).filter((e) => MSGIDS.includes(e.msgid)).map((e) => [e.msgid, e]));
  const words = [];
  const untranslated = [];
  const fuzzy = [];
  for (const msgid of MSGIDS) {
    const entry = wanted.get(msgid);
    if (!entry || entry.msgstr === '') untranslated.push(msgid);
    else if (entry.flags.includes('fuzzy')) fuzzy.push(msgid);
    else {
      const text = decodeEntities(entry.msgstr);
      words.push({ lang, msgid, text, ...(text !== entry.msgstr ? { raw: entry.msgstr } : {}) });
    }
  }
  return { lang, commit, words, untranslated, fuzzy };
}

function render({ repo, languages }) {
  const commits = [...new Set(languages.map((l) => l.commit))];
  const byCommit = commits.map((c) => `//   ${c}: ${languages.filter((l) => l.commit === c).map((l) => l.lang).join(' ')}`);
  const q = (s) => JSON.stringify(s);
  const lines = [
    '// GENERATED by scripts/extract-freepbx-status-words.mjs - do not edit by hand; rerun the script.',
    `// Source: github.com/${repo}, amp_conf/htdocs/admin/i18n/<lang>/LC_MESSAGES/amp.po`,
    '// (the msgstr of the Status texts of `fwconsole ma list`, Moduleadmin.class.php showList()).',
    '// Commits read, by language:',
    ...byCommit,
    '// Only the translated words are kept; HTML entities are decoded (`raw` keeps the .po form,',
    '// which is what fwconsole actually prints). Untranslated or fuzzy entries print in English.',
    '',
    `export const STATUS_MSGIDS = [${MSGIDS.map(q).join(', ')}] as const;`,
    'export type StatusMsgid = (typeof STATUS_MSGIDS)[number];',
    '',
    'export interface TranslatedStatus {',
    '  readonly lang: string;',
    '  readonly msgid: StatusMsgid;',
    '  readonly text: string;',
    '  readonly raw?: string;',
    '}',
    '',
    '/** Languages shipped in the framework and how many of the Status texts each translates. */',
    'export const STATUS_LANGUAGES: ReadonlyArray<{ readonly lang: string; readonly commit: string; readonly translated: number; readonly fuzzy: number }> = [',
    ...languages.map((l) => `  { lang: ${q(l.lang)}, commit: ${q(l.commit)}, translated: ${l.words.length}, fuzzy: ${l.fuzzy.length} },`),
    '];',
    '',
    'export const TRANSLATED_STATUSES: readonly TranslatedStatus[] = [',
    ...languages.flatMap((l) =>
      l.words.map((w) => `  { lang: ${q(w.lang)}, msgid: ${q(w.msgid)}, text: ${q(w.text)}${w.raw ? `, raw: ${q(w.raw)}` : ''} },`),
    ),
    '];',
    '',
  ];
  return lines.join('\n');
}

function main(argv) {
  const args = [...argv];
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const [, value] = args.splice(i, 2);
    if (value === undefined) throw new Error(`${name} needs a value`);
    return value;
  };
  const out = option('--out', 'src/pbx/readers/status-words.generated.ts');
  const commit = option('--commit', 'unknown');
  const repo = option('--repo', 'FreePBX/framework');
  const [dir] = args;
  if (!dir || !existsSync(dir)) {
    process.stderr.write('usage: extract-freepbx-status-words.mjs <i18n dir> [--commit SHA] [--repo owner/name] [--out FILE]\n');
    process.exit(2);
  }
  const languages = readdirSync(dir)
    .sort()
    .map((lang) => readLanguage(dir, lang, commit))
    .filter((l) => l !== null);
  if (languages.length === 0) {
    process.stderr.write(`no <lang>/LC_MESSAGES/amp.po under ${dir}\n`);
    process.exit(1);
  }
  writeFileSync(out, render({ repo, languages }));
  const words = languages.reduce((n, l) => n + l.words.length, 0);
  process.stdout.write(`${languages.length} languages, ${words} translated status texts -> ${out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
