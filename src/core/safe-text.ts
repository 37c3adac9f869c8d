/**
 * Text from outside the agent (fwconsole output, portal answers, receivers'
 * error bodies, hook output, names in the configuration) is made safe here,
 * where it enters, and nowhere else: it later reaches terminals (`status`,
 * `history`, `alerts list`), the store and alert bodies.
 *
 * Safe means: no escape sequence (CSI, OSC, in their 7-bit and 8-bit forms),
 * no other control character (C0, DEL, C1: Unicode category Cc) and no
 * bidirectional control (overrides and isolates U+202A-U+202E, U+2066-U+2069,
 * and the marks U+061C, U+200E, U+200F: property Bidi_Control), which could
 * make a terminal run commands or show text other than what is stored.
 * Everything else, accents, CJK and right-to-left letters included, is kept.
 * Removed, not escaped: a hook that prints colours should read as its words.
 */

// ESC [ ... final, ESC ] ... BEL/ST, other two-character escapes; and the 8-bit CSI (U+009B) and OSC (U+009D).
const ESCAPE_SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
const UNSAFE = /[\p{Cc}\p{Bidi_Control}]/gu;
const ANY_UNSAFE = /[\p{Cc}\p{Bidi_Control}]/u;
const UNSAFE_BUT_LINES = /[^\P{Cc}\t\n]|\p{Bidi_Control}/gu;

/** Text that may span lines (an output, a body): keeps `\n` and tab, turns `\r\n` and `\r` into `\n`, drops the rest. */
export function stripControls(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(/\r\n?/g, '\n').replace(UNSAFE_BUT_LINES, '');
}

/** One line (a name, an error message): line breaks and tabs become spaces, runs of spaces one, controls gone, at most `max` characters. */
export function safeLine(text: string, max: number): string {
  const line = text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ')
    .replace(UNSAFE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return bounded(line, max);
}

/** Multi-line text made safe and bounded (see stripControls). */
export function safeText(text: string, max: number): string {
  return bounded(stripControls(text), max);
}

/** Whether a text holds anything safeLine would remove (escape sequences start with a control): for values refused rather than changed. */
export function hasControls(text: string): boolean {
  return ANY_UNSAFE.test(text);
}

/** At most `max` UTF-16 units: longer text ends with `…` (never half a surrogate pair). */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Bounds for text from outside, in characters. Generous for real values, small enough for every alert channel. */
export const TEXT_LIMITS = {
  /** A module name, version, status or licence word from `ma list`; a licence key's label. */
  name: 100,
  /** The product name from `sa info`, the deployment name from the portal. */
  product: 200,
  /** An error message kept on a run or a delivery (hook stderr, a receiver's answer, a fwconsole line). */
  message: 1000,
} as const;
