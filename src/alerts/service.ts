import { randomUUID } from 'node:crypto';
import { processAlive } from '../process/alive.js';
import type { AlertSettings } from '../config/alerts-schema.js';
import { calendarDate } from '../core/expiry.js';
import { trustedUntil } from '../core/future-time.js';
import { safeLine, TEXT_LIMITS } from '../core/safe-text.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { AlertMessage, Channel } from '../notify/channel.js';
import type { AlertEvent } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { dueDigest } from './digest.js';
import { digestHtml } from './digest-message.js';
import { planAlerts } from './plan.js';
import { boundedAlert, testAlert, type DraftAlert } from './messages.js';

export interface AlertServiceDeps {
  readonly store: Store;
  readonly channels: readonly Channel[];
  readonly log: Logger;
  /** This process, for claims in the outbox; and how to tell whether another claimant still lives. */
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

export interface AlertServiceOptions {
  readonly settings: AlertSettings;
  /** `config.timeZone`; unset: the host's. */
  readonly timeZone: string | undefined;
  readonly moduleAliases: ReadonlyMap<string, string>;
  /** `clock.maxSkew`. */
  readonly maxClockSkewMs: number;
}

export interface EvaluateResult {
  readonly enqueued: ReadonlyArray<{ readonly id: number; readonly kind: string; readonly title: string }>;
  /** Hosts whose expiry alerts were held back because their clock is not trustworthy. */
  readonly heldBack: readonly string[];
}

export interface DeliverResult {
  readonly delivered: ReadonlyArray<{ readonly eventId: number; readonly channel: string }>;
  readonly failed: ReadonlyArray<{ readonly eventId: number; readonly channel: string; readonly error: string; readonly retryAt: string }>;
  /** Channels left alone this time because they failed recently. */
  readonly backingOff: readonly string[];
}

export interface ChannelTestResult {
  readonly channel: string;
  readonly description: string;
  readonly ok: boolean;
  readonly error: string | null;
  readonly durationMs: number;
}

/** A 'sending' claim older than this is taken over even if its process seems alive (pid reuse, a hung process). */
const STALE_CLAIM_MS = 10 * 60_000;
/** Once one channel took an alert, the others keep trying this long. */
const FOLLOW_UP_MS = 24 * 3_600_000;

/**
 * Alerts derived from the store. `evaluate` decides what to say and writes it
 * to the outbox in one transaction (running it again adds nothing);
 * `deliver` hands every due alert to every channel, with per-channel backoff
 * and claims kept in the store so restarts and concurrent processes neither
 * lose nor repeat anything.
 */
export class AlertService {
  private delivering: Promise<DeliverResult> | null = null;

  constructor(
    private readonly deps: AlertServiceDeps,
    private readonly options: AlertServiceOptions,
  ) {}

  /** Writes every alert now due into the outbox. With no channel configured there is nobody to tell: nothing is recorded. */
  evaluate(now: Date): EvaluateResult {
    if (this.deps.channels.length === 0) return { enqueued: [], heldBack: [] };
    const { store } = this.deps;
    const zone = this.options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    const result = store.guard((s) =>
      s.transaction(() => {
        const plan = planAlerts(s, { now, today: calendarDate(now, this.options.timeZone), timeZone: zone, settings: this.options.settings, moduleAliases: this.options.moduleAliases, maxClockSkewMs: this.options.maxClockSkewMs });
        const at = now.toISOString();
        for (const subject of plan.close) s.alerts.closeMark(subject, at);
        for (const mark of plan.marks) s.alerts.putMark({ ...mark, at });
        const digest = dueDigest(s, { now, today: calendarDate(now, this.options.timeZone), timeZone: zone, settings: this.options.settings.digest ?? null, zone: this.options.timeZone });
        const enqueued = [...plan.alerts, ...(digest ? [digest] : [])].map(boundedAlert).flatMap((draft) => {
          const id = s.outbox.enqueue({ ...draft, uid: randomUUID(), createdAt: at });
          return id === null ? [] : [{ id, kind: draft.kind, title: draft.title }];
        });
        return { enqueued, heldBack: plan.heldBack };
      }),
    );
    for (const e of result.enqueued) this.deps.log.info({ alertId: e.id, kind: e.kind, title: e.title }, 'alert queued');
    if (result.heldBack.length > 0) this.deps.log.warn({ hosts: result.heldBack }, 'expiry alerts held back: the clock is not trustworthy');
    return result;
  }

  /** What every cycle (and the daemon's own timer) calls: decide, then send. */
  async run(now: Date): Promise<{ evaluated: EvaluateResult; delivered: DeliverResult }> {
    const evaluated = this.evaluate(now);
    return { evaluated, delivered: await this.deliver(now) };
  }

  /** Tries every due alert on every channel. Concurrent calls in one process share one pass. */
  deliver(now: Date): Promise<DeliverResult> {
    this.delivering ??= this.deliverAll(now).finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  /** Sends a test message straight to every channel (not through the outbox). */
  async test(now: Date, host: string): Promise<ChannelTestResult[]> {
    const message = toMessage({ ...boundedAlert(testAlert(host, now)), uid: randomUUID(), createdAt: now.toISOString() });
    return Promise.all(
      this.deps.channels.map(async (channel) => {
        const started = performance.now();
        try {
          await channel.send(message);
          return { channel: channel.id, description: channel.description, ok: true, error: null, durationMs: performance.now() - started };
        } catch (err) {
          return { channel: channel.id, description: channel.description, ok: false, error: failureText(channel, err), durationMs: performance.now() - started };
        }
      }),
    );
  }

  private async deliverAll(now: Date): Promise<DeliverResult> {
    const result = { delivered: [] as Array<{ eventId: number; channel: string }>, failed: [] as DeliverResult['failed'][number][], backingOff: [] as string[] };
    this.deps.store.guard((s) => s.outbox.addDeliveries(this.deps.channels.map((c) => c.id)));
    await Promise.all(this.deps.channels.map((c) => this.drain(c, now, result)));
    return result;
  }

  private async drain(channel: Channel, now: Date, result: { delivered: Array<{ eventId: number; channel: string }>; failed: Array<DeliverResult['failed'][number]>; backingOff: string[] }): Promise<void> {
    const { store, log } = this.deps;
    const pid = this.deps.pid ?? process.pid;
    const at = now.toISOString();
    this.releaseOrphans(channel.id, now, pid);
    for (;;) {
      const backoffTrustedUntil = trustedUntil(now, this.options.settings.retryMax + this.options.maxClockSkewMs);
      const claimed = store.guard((s) => s.outbox.claimNext(channel.id, at, pid, new Date(now.getTime() - FOLLOW_UP_MS).toISOString(), backoffTrustedUntil));
      if (claimed === null) return;
      if (claimed === 'backing-off') {
        result.backingOff.push(channel.id);
        return;
      }
      try {
        await channel.send(toMessage(claimed));
      } catch (err) {
        const error = failureText(channel, err);
        const retryAt = store.guard((s) => s.outbox.failed(claimed.id, channel.id, error, at, (n) => this.backoffMs(n)));
        log.warn({ alertId: claimed.id, channel: channel.id, error, retryAt }, 'alert not delivered; it waits in the outbox');
        result.failed.push({ eventId: claimed.id, channel: channel.id, error, retryAt });
        // The channel is down: the rest of its queue waits for its retry time instead of failing one by one.
        return;
      }
      store.guard((s) => s.outbox.delivered(claimed.id, channel.id, at));
      log.info({ alertId: claimed.id, channel: channel.id, kind: claimed.kind }, 'alert delivered');
      result.delivered.push({ eventId: claimed.id, channel: channel.id });
    }
  }

  /** Claims left by a process that died mid-delivery go back to the queue: sent again, with the same id. */
  private releaseOrphans(channel: string, now: Date, pid: number): void {
    const isAlive = this.deps.isAlive ?? processAlive;
    const { store, log } = this.deps;
    for (const d of store.guard((s) => s.outbox.inFlight(channel))) {
      const stale = d.lastAttemptAt === null || now.getTime() - Date.parse(d.lastAttemptAt) > STALE_CLAIM_MS;
      const orphaned = d.claimedBy === null || (d.claimedBy !== pid && !isAlive(d.claimedBy));
      if (!stale && !orphaned) continue;
      store.guard((s) => s.outbox.release(d.eventId, channel));
      log.warn({ alertId: d.eventId, channel, claimedBy: d.claimedBy }, 'a delivery was interrupted; trying it again');
    }
  }

  private backoffMs(failures: number): number {
    const { retryAfter, retryMax } = this.options.settings;
    return Math.min(retryMax, retryAfter * 2 ** Math.min(failures - 1, 30));
  }
}

/** What a channel's failure said (a receiver's body, a hook's stderr), without secrets, as one safe bounded line. */
function failureText(channel: Channel, err: unknown): string {
  return safeLine(channel.redact(errorMessage(err)), TEXT_LIMITS.message);
}

function toMessage(e: Pick<AlertEvent, 'uid' | 'kind' | 'severity' | 'deploymentId' | 'title' | 'body' | 'data' | 'createdAt'> | (DraftAlert & { uid: string; createdAt: string })): AlertMessage {
  const html = e.kind === 'digest' ? digestHtml(e.data) : undefined;
  return { uid: e.uid, kind: e.kind, severity: e.severity, deploymentId: e.deploymentId, title: e.title, body: e.body, html, data: e.data, createdAt: e.createdAt };
}

