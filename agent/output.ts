import { AgentError, ConfigError, LeaseHeldError, StoreError, UsageError } from '../src/errors.js';
import { EXIT } from './exit-codes.js';

/** Writing results and errors: kept free of heavy imports so every command can use it. */
/** Colour and other terminal niceties only when stdout is a terminal and NO_COLOR is not set. */
export function colourOutput(): boolean {
  return Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonMaps, 2)}\n`);
}

/** Tables keyed by data are Maps inside the agent and objects in JSON (fromEntries keeps even a `__proto__` key as data). */
function jsonMaps(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

/** Prints an error the way operators read it: what happened, then what to do. Returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n${err.hint}\n`);
    return EXIT.config;
  }
  if (err instanceof LeaseHeldError) {
    process.stderr.write(`error: ${err.message}\n${err.hint}\n`);
    return EXIT.locked;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n${err.hint}\n`);
    return EXIT.usage;
  }
  if (err instanceof StoreError || err instanceof AgentError) {
    process.stderr.write(`error: ${err.message}\n${err.hint}\n`);
    return EXIT.internal;
  }
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nPlease report this with the command you ran.\n`);
  return EXIT.internal;
}
