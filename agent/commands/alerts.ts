import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { alertReport, type AlertReport } from '../../src/alerts/report.js';
import { channelId } from '../../src/config/alerts-schema.js';
import { systemClock } from '../../src/core/clock.js';
import { UsageError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { renderAlertReport, renderTestResults } from '../../src/ui/alerts-view.js';
import { startAlerts } from '../alerting.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';

/** `alerts test`: a test message straight to every channel, one line per channel; non-zero if any failed. */
export async function alertsTestCommand(options: GlobalOptions): Promise<number> {
  const { loaded, log, tty } = startRuntime(options);
  const store = Store.open(loaded.config.store.path);
  try {
    const alerts = await startAlerts(loaded, store, log);
    const results = await alerts.test(systemClock.now(), hostname());
    if (options.json) printJson({ channels: results });
    else print(renderTestResults(results, tty));
    if (results.length === 0) return EXIT.config;
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  } finally {
    store.close();
  }
}

export interface AlertsListOptions extends GlobalOptions {
  readonly limit?: string;
}

/** `alerts list`: pending, delivered and failed alerts with the last error, from the store. */
export async function alertsListCommand(options: AlertsListOptions): Promise<number> {
  const { loaded, tty } = startRuntime(options);
  const limit = Number(options.limit ?? '50');
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${options.limit}: not a positive whole number`, 'Pass e.g. --limit 100.');
  const { config } = loaded;
  const configured = config.alerts.channels.map((c, i) => ({ id: channelId(c, i, config.alerts.channels), type: c.type }));
  let report: AlertReport = { channels: configured.map((c) => ({ channel: c.id, type: c.type, configured: true, failures: 0, retryAt: null, lastError: null, lastOkAt: null })), alerts: [] };
  // Listing creates nothing: with no store yet there is nothing to show.
  if (existsSync(config.store.path)) {
    // Read-only: an operator may list alerts from a store they cannot write (see database.ts).
    const store = Store.open(config.store.path, { readonly: true });
    try {
      report = store.guard((s) => alertReport(s, configured, limit));
    } finally {
      store.close();
    }
  }
  if (options.json) printJson(report);
  else print(renderAlertReport(report, tty));
  return EXIT.ok;
}

/** `alerts run`: evaluate and deliver now (what check does at its end), e.g. from a watchdog timer. */
export async function alertsRunCommand(options: GlobalOptions): Promise<number> {
  const { loaded, log } = startRuntime(options);
  const store = Store.open(loaded.config.store.path);
  try {
    const alerts = await startAlerts(loaded, store, log);
    const now = systemClock.now();
    const evaluated = alerts.evaluate(now);
    const delivered = await alerts.deliver(now);
    const summary = { queued: evaluated.enqueued.length, delivered: delivered.delivered.length, failed: delivered.failed, heldBack: evaluated.heldBack };
    if (options.json) printJson(summary);
    else {
      print(`Queued ${summary.queued} alert(s); delivered ${summary.delivered}; ${summary.failed.length} delivery failure(s).`);
      for (const f of summary.failed) print(`  #${f.eventId} ${f.channel}: ${f.error} (next try ${f.retryAt})`);
    }
    return summary.failed.length === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    store.close();
  }
}
