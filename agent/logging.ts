import type { LoadedConfig } from '../src/config/load.js';
import { createLogger, type Logger, type LogLevel } from '../src/log/logger.js';

/** The logger a command runs with: --log-level, else log.level, else quiet at a terminal. */
export function commandLogger(loaded: LoadedConfig, logLevel: LogLevel | undefined, stream: 'stdout' | 'stderr'): Logger {
  const interactive = Boolean(process[stream].isTTY);
  return createLogger({
    // At a terminal the command's own output says what happened; logs add only warnings.
    level: logLevel ?? loaded.config.log.level ?? (interactive && stream === 'stderr' ? 'warn' : 'info'),
    stream,
    pretty: interactive,
  });
}
