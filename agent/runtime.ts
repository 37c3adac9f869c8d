import { readFileSync } from 'node:fs';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../src/config/load.js';
import type { Logger, LogLevel } from '../src/log/logger.js';
import { commandLogger } from './logging.js';

/** Options every command accepts (see cli.ts). */
export interface GlobalOptions {
  readonly config?: string;
  readonly logLevel?: LogLevel;
  readonly json?: boolean;
  /** The config text comes on stdin (the daemon passes the config in force to its checks); --config still names its path. */
  readonly configStdin?: boolean;
}

export interface Runtime {
  readonly loaded: LoadedConfig;
  readonly log: Logger;
  /** Colour and other terminal niceties only when stdout is a terminal. */
  readonly tty: boolean;
}

/** Loads the configuration and the logger; throws ConfigError (exit 78) before anything else happens. */
export function startRuntime(options: GlobalOptions, logStream: 'stdout' | 'stderr' = 'stderr'): Runtime {
  const path = resolveConfigPath(options.config);
  const loaded = options.configStdin ? loadConfig(path, readFileSync(0, 'utf8')) : loadConfig(path);
  const log = commandLogger(loaded, options.logLevel, logStream);
  return { loaded, log, tty: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined };
}

export { print, printJson, reportError } from './output.js';
