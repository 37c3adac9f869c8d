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

export type View<T> = (value: T, ctx: ViewContext) => string;

export type Views<T> = ReadonlyMap<Format, View<T>>;

/** The value itself, as `--json` prints it. */
export function jsonView<T>(value: T): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
