/**
 * Output formats as views over one report value: each command builds its value once and picks the
 * renderer for the format asked for (`--json`, `--csv`, ...) from its own map, instead of branching
 * on options in the command.
 */
export type Format = 'text' | 'json' | 'csv' | 'ics' | 'html';

export interface ViewContext {
  /** ANSI colour (a terminal without NO_COLOR). */
  readonly colour: boolean;
}

/**
 * What a view makes: one string, or the pieces of a large output in order (a fleet's calendar feed is 54 MB),
 * written as they are instead of joined into one string first. Pieces may be made as they are taken (the
 * timeline page's and the calendar feed's): each is written, then forgotten.
 */
export type Rendered = string | Iterable<string>;

export type View<T, R extends Rendered = string> = (value: T, ctx: ViewContext) => R;

export type Views<T, R extends Rendered = string> = ReadonlyMap<Format, View<T, R>>;

/** The value itself, as `--json` prints it. */
export function jsonView<T>(value: T): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
