import { createRequire } from 'node:module';
import type { DestinationStream, Logger as PinoLogger, pino as PinoFactory } from 'pino';

/** pino is loaded on the first record that passes the level: a quiet `status` never pays for it. */
const loadPino = (): typeof PinoFactory => (createRequire(import.meta.url)('pino') as { pino: typeof PinoFactory }).pino;

/** The logging port the rest of the code sees; pino is imported here only. */
export interface Logger {
  trace(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): Logger;
  flush?(): void;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Daemon logs go to stdout (journald); one-shot commands keep stdout for their output. */
  readonly stream: 'stdout' | 'stderr';
  /** Human-readable lines instead of JSON (a terminal). */
  readonly pretty: boolean;
  /** Tests capture lines here instead of a file descriptor. */
  readonly destination?: DestinationStream;
}

/**
 * Field names that may carry a secret, at any of the first three levels.
 * Values are replaced before serialisation, so no log line ever holds them.
 */
const SECRET_FIELDS = [
  'token',
  'password',
  'pass',
  'passphrase',
  'secret',
  'authorization',
  'cookie',
  'webhookUrl',
  'privateKey',
  'apiKey',
];
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

const LEVEL_VALUES: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export function createLogger(options: LoggerOptions): Logger {
  let root: PinoLogger | null = null;
  return deferred(() => (root ??= buildPino(options)), LEVEL_VALUES[options.level]);
}

function buildPino(options: LoggerOptions): PinoLogger {
  const pino = loadPino();
  const fd = options.stream === 'stdout' ? 1 : 2;
  const base = {
    level: options.level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) return pino(base, prettyStream(pino, fd));
  return pino(base, pino.destination({ fd, sync: true }));
}

/** A Logger that creates its pino instance (and child instances) only when a record passes the level. */
function deferred(get: () => PinoLogger, minimum: number): Logger {
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', value: number) =>
    (obj: object, msg: string): void => {
      if (value >= minimum) get()[level](obj, msg);
    };
  return {
    trace: at('trace', 10),
    debug: at('debug', 20),
    info: at('info', 30),
    warn: at('warn', 40),
    error: at('error', 50),
    child(bindings: object): Logger {
      let child: PinoLogger | null = null;
      return deferred(() => (child ??= get().child(bindings)), minimum);
    },
  };
}

/** One readable line per record, for terminals; the JSON form is for machines. */
function prettyStream(pino: typeof PinoFactory, fd: number): DestinationStream {
  const out = pino.destination({ fd, sync: true });
  const colour = process.env.NO_COLOR === undefined;
  const paint: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' };
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { level, time, msg, err, ...rest } = rec;
      const label = String(level).toUpperCase().padEnd(5);
      const lvl = colour ? `\x1b[${paint[String(level)] ?? '0'}m${label}\x1b[0m` : label;
      const clock = typeof time === 'string' ? time.slice(11, 19) : '';
      const extras = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const error = err && typeof err === 'object' ? `\n    ${(err as { message?: string }).message ?? ''}` : '';
      out.write(`${clock} ${lvl} ${String(msg ?? '')}${extras ? `  ${extras}` : ''}${error}\n`);
    },
  };
}

/** A logger that drops everything, for library callers and tests that do not care. */
export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
