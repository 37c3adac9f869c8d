/** Text that must never reach a terminal, the store or an alert from data, one of each class. */
export const HOSTILE: ReadonlyArray<[string, string]> = [
  ['ESC (7-bit CSI)', '\x1b[2J\x1b[31m'],
  ['OSC title', '\x1b]0;owned\x07'],
  ['C1 CSI U+009B', '\u009b31m'],
  ['C1 OSC U+009D', '\u009d0;owned\u009c'],
  ['other C1 (DCS U+0090)', '\u0090'],
  ['NUL', '\u0000'],
  ['BEL', '\u0007'],
  ['backspace', '\b'],
  ['DEL', '\u007f'],
  ['RLO U+202E', '\u202e'],
  ['LRE U+202A', '\u202a'],
  ['PDF U+202C', '\u202c'],
  ['LRI U+2066', '\u2066'],
  ['PDI U+2069', '\u2069'],
  ['RLM U+200F', '\u200f'],
  ['ALM U+061C', '\u061c'],
];

/** What must never be in output derived from data: ESC, C0 but tab/newline, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

