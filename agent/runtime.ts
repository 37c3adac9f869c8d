import { FILE_LIMITS, FileReadError, readBoundedFd } from '../src/config/bounded-file.js';
import { ConfigError } from '../src/errors.js';
import { readConfigText } from '../src/config/config-file.js';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../src/config/load.js';
import { colourOutput } from './output.js';
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
  const loaded = loadConfig(path, configText(options, path));
  const log = commandLogger(loaded, options.logLevel, logStream);
  return { loaded, log, tty: colourOutput() };
}

/** The configuration's text: from stdin when the daemon hands its children the config in force, else the file. */
export function configText(options: GlobalOptions, path: string): string {
  if (!options.configStdin) return readConfigText(path);
  try {
    return readBoundedFd(0, FILE_LIMITS.config, 'the configuration on stdin');
  } catch (err) {
    if (err instanceof FileReadError) throw new ConfigError(path, [err.message]);
    throw err;
  }
}

export { print, printJson, reportError } from './output.js';
