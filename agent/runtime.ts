import { AgentError, ConfigError, LeaseHeldError, StoreError, UsageError } from '../src/errors.js';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../src/config/load.js';
import { createLogger, type Logger, type LogLevel } from '../src/log/logger.js';
import { EXIT } from './exit-codes.js';

/** Options every command accepts (see cli.ts). */
export interface GlobalOptions {
  readonly config?: string;
  readonly logLevel?: LogLevel;
  readonly json?: boolean;
}

export interface Runtime {
  readonly loaded: LoadedConfig;
  readonly log: Logger;
  /** Colour and other terminal niceties only when stdout is a terminal. */
  readonly tty: boolean;
}

/** Loads the configuration and the logger; throws ConfigError (exit 78) before anything else happens. */
export function startRuntime(options: GlobalOptions, logStream: 'stdout' | 'stderr' = 'stderr'): Runtime {
  const loaded = loadConfig(resolveConfigPath(options.config));
  const interactive = Boolean(process[logStream].isTTY);
  const log = createLogger({
    // At a terminal the command's own output says what happened; logs add only warnings.
    level: options.logLevel ?? loaded.config.log.level ?? (interactive && logStream === 'stderr' ? 'warn' : 'info'),
    stream: logStream,
    pretty: interactive,
  });
  return { loaded, log, tty: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined };
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
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
