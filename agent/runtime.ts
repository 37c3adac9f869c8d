import { readFileSync } from 'node:fs';
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
  return options.configStdin ? readFileSync(0, 'utf8') : readConfigText(path);
}

export { print, printJson, reportError } from './output.js';
