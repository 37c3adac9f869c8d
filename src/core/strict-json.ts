import { safeLine } from './safe-text.js';

/**
 * JSON.parse keeps the last of duplicated members without a word
 * (`{"expires":"2026-01-01","expires":"2031-01-01"}` is the 2031 one). For JSON
 * from outside (the portal, fwconsole, configuration files) a member given
 * twice with different values is a conflict the agent must not settle by
 * guessing; the same value twice is harmless. Pure: text in, value or problem out.
 */
export type JsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly kind: 'syntax'; readonly problem: string; readonly error: Error }
  | { readonly ok: false; readonly kind: 'duplicate'; readonly problem: string; readonly path: string; readonly key: string };

export function parseJson(text: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, kind: 'syntax', problem: (err as Error).message, error: err as Error };
  }
  const duplicate = findConflictingMember(text);
  if (duplicate) {
    const where = duplicate.path === '' ? 'the top-level object' : duplicate.path;
    return { ok: false, kind: 'duplicate', path: duplicate.path, key: duplicate.key, problem: `member "${safeLine(duplicate.key, 60)}" of ${where} appears twice with different values` };
  }
  return { ok: true, value };
}

interface ObjectFrame {
  readonly kind: 'object';
  readonly segment: string;
  /** Each member's value as text, for comparing a repeat. */
  readonly seen: Map<string, string>;
  key: string;
  valueStart: number;
}

interface ArrayFrame {
  readonly kind: 'array';
  readonly segment: string;
  index: number;
}

/**
 * Walks valid JSON text (JSON.parse accepted it) once, without recursion, so
 * deep nesting cannot overflow the stack. Member names are compared decoded
 * (`"a"` and `"\u0061"` are the same name); values by their canonical form.
 */
export function findConflictingMember(text: string): { readonly path: string; readonly key: string } | null {
  const stack: Array<ObjectFrame | ArrayFrame> = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const path = () => stack.map((f) => f.segment).filter((s) => s !== '').join('.');
  const startMember = (frame: ObjectFrame) => {
    skipSpace();
    frame.key = readString();
    skipSpace();
    i++; // ':'
    skipSpace();
    frame.valueStart = i;
  };

  for (;;) {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      const top = stack.at(-1);
      const segment = top === undefined ? '' : top.kind === 'object' ? top.key : String(top.index);
      i++;
      skipSpace();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
      } else {
        if (c === '{') {
          const frame: ObjectFrame = { kind: 'object', segment, seen: new Map(), key: '', valueStart: i };
          stack.push(frame);
          startMember(frame);
        } else {
          stack.push({ kind: 'array', segment, index: 0 });
        }
        continue;
      }
    } else if (c === '"') {
      readString();
    } else {
      while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++;
    }

    // A value just ended at i: record it in its container, then close every container that ends here too.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) return null;
      if (top.kind === 'object') {
        const value = text.slice(top.valueStart, i);
        const before = top.seen.get(top.key);
        if (before === undefined) top.seen.set(top.key, value);
        else if (before !== value && canonical(before) !== canonical(value)) return { path: path(), key: top.key };
      }
      skipSpace();
      if (text[i] === ',') {
        i++;
        if (top.kind === 'object') startMember(top);
        else top.index++;
        break;
      }
      i++; // '}' or ']'
      stack.pop();
    }
  }
}

/** The value with object members in name order: the same value written twice in another order is no conflict. */
function canonical(valueText: string): string {
  return JSON.stringify(JSON.parse(valueText), (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}
