import { historyWithClockWarning } from '../../src/app/future-records.js';
import { DEFAULT_HISTORY_LIMIT, readHistory, type History } from '../../src/app/history.js';
import { systemClock } from '../../src/core/clock.js';
import { isCalendarDate } from '../../src/core/expiry.js';
import { MODULE_KEY } from '../../src/core/items.js';
import { UsageError } from '../../src/errors.js';
import { renderHistory } from '../../src/ui/history-view.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson } from '../output.js';
import { openForReading } from '../read-runtime.js';
import type { GlobalOptions } from '../runtime.js';

export interface HistoryOptions extends GlobalOptions {
  readonly module?: string;
  readonly since?: string;
  readonly deployment?: string;
  readonly limit?: string;
  readonly all?: boolean;
}

export async function historyCommand(options: HistoryOptions): Promise<number> {
  if (options.module !== undefined && !MODULE_KEY.test(options.module)) throw new UsageError(`--module "${options.module}" is not a licence key`, 'Use a key from `status`, e.g. --module broadcast.');
  if (options.since !== undefined && !isCalendarDate(options.since) && Number.isNaN(Date.parse(options.since))) {
    throw new UsageError(`--since "${options.since}" is not a date`, 'Use YYYY-MM-DD, e.g. --since 2026-01-01.');
  }
  if (options.all && options.limit !== undefined) throw new UsageError('--limit and --all exclude each other', 'Use one: --limit 500, or --all for every event.');
  const limit = options.all ? null : options.limit === undefined ? DEFAULT_HISTORY_LIMIT : Number(options.limit);
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive number`, 'For example --limit 50.');
  const { store, tty, config } = await openForReading(options);
  let found: History = { changes: [], runs: [], limit, truncated: false };
  if (store) {
    try {
      found = readHistory(store, { deploymentId: options.deployment, moduleKey: options.module, since: options.since, limit });
    } finally {
      store.close();
    }
  }
  const history = historyWithClockWarning(found, systemClock.now(), config.clock.maxSkew);
  if (options.json) printJson(history);
  else print(renderHistory(history, tty));
  return EXIT.ok;
}
