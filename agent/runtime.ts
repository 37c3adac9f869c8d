import { loadConfig, resolveConfigPath, type LoadedConfig } from '../src/config/load.js';
import { createLogger, type Logger, type LogLevel } from '../src/log/logger.js';

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

export { print, printJson, reportError } from './output.js';
