import type { Clock } from '../core/clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RunOutcome } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { closeInterruptedRuns, lastSuccess, loadFailureState, saveFailureState, saveNextCheck, saveSlot } from './daemon-state.js';
import { afterCycle, lockedRetry, NO_FAILURES, planNextCheck, type DueReason, type FailureState, type NextCheck, type RetryPolicy } from './plan.js';
import type { CheckSchedule } from './schedule.js';
import { silentNotifier, type ServiceNotifier } from './sd-notify.js';
import { ABORT_WAIT_MS } from './stop-budget.js';
import { trustedUntil } from '../core/future-time.js';
import { timerDelay } from '../core/timer-delay.js';

export type CycleTrigger = 'schedule' | 'startup';

/** What a cycle reports back; the daemon needs only the outcome, the metrics the timings. */
export interface CycleResult {
  /** `locked`: another cycle held the lease, nothing ran. `interrupted`: the cycle was stopped before it finished. */
  readonly outcome: RunOutcome | 'locked';
  /** Each fwconsole call the cycle made and how long it took. */
  readonly fwconsole?: ReadonlyArray<{ readonly command: string; readonly ms: number }>;
  readonly portalMs?: number;
}

/**
 * The work the daemon schedules, passed in: the daemon knows when, not what.
 * `signal` aborts when the service is stopping and a job outlived the grace period;
 * the job (a check process) should then stop and record what it did.
 */
export interface DaemonJobs {
  cycle(trigger: CycleTrigger, signal: AbortSignal): Promise<CycleResult>;
  alerts?(signal: AbortSignal): Promise<void>;
  housekeeping?(): Promise<void> | void;
}

export interface DaemonSettings {
  readonly schedule: CheckSchedule;
  readonly retry: RetryPolicy;
  /** Alerts are evaluated after every check and at least this often. */
  readonly alertsEveryMs: number;
  readonly housekeepingEveryMs: number;
  /** On stop, how long a running job may take before it is aborted (see stop-budget.ts). */
  readonly stopGraceMs: number;
  /** `clock.maxSkew`: a clock that went back further, or stored times further ahead, mean it was wrong. */
  readonly maxSkewMs: number;
}

export interface DaemonDeps extends DaemonJobs {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly notifier?: ServiceNotifier;
  /** Called after every cycle (null result: it threw), for metrics. */
  readonly onCycle?: (result: CycleResult | null, ms: number) => void;
}

type JobKind = 'check' | 'alerts' | 'housekeeping';

/** Never sleep longer than this: a suspend or a clock jump is noticed within 30 s. */
const MAX_SLEEP_MS = 30_000;

/**
 * The timer loop of `run`. Pure decisions come from plan.ts; this class only
 * wakes up, asks what is due, runs one job at a time and persists the result.
 */
export class Daemon {
  private settings: DaemonSettings;
  private failure: FailureState = NO_FAILURES;
  private next: NextCheck | null = null;
  private startupPending = true;
  private nextAlertsAt = 0;
  private nextHousekeepingAt = 0;
  /** The clock at the last wake-up: a clock that went back since leaves every planned instant years away. */
  private lastWake = 0;
  private busy: { kind: JobKind; done: Promise<void> } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly notifier: ServiceNotifier;

  constructor(
    private readonly deps: DaemonDeps,
    settings: DaemonSettings,
  ) {
    this.settings = settings;
    this.notifier = deps.notifier ?? silentNotifier;
  }

  /** The next check and why it is due; null before start(). */
  get nextCheck(): NextCheck | null {
    return this.next;
  }

  get schedule(): CheckSchedule {
    return this.settings.schedule;
  }

  async start(): Promise<void> {
    const { store, clock, log } = this.deps;
    const now = clock.now();
    const closed = store.guard((s) => closeInterruptedRuns(s, now));
    if (closed.length > 0) log.warn({ runs: closed }, 'runs left unfinished by a stopped agent were marked interrupted');
    this.failure = store.guard(loadFailureState);
    store.guard((s) => saveSlot(s, this.settings.schedule.spec, this.settings.schedule.slot));
    this.replan();
    this.nextHousekeepingAt = now.getTime();
    this.nextAlertsAt = now.getTime();
    const interval = this.notifier.watchdogIntervalMs;
    if (interval !== null) this.watchdogTimer = setInterval(() => void this.notifier.watchdog(), interval);
    log.info({ schedule: this.settings.schedule.spec, slot: this.settings.schedule.slot }, 'daemon started');
    await this.notifier.ready(this.describeNext());
    this.tick();
  }

  /** New settings (SIGHUP): the next check is planned again; a running job is not disturbed. */
  reload(settings: DaemonSettings): void {
    this.settings = settings;
    this.deps.store.guard((s) => saveSlot(s, settings.schedule.spec, settings.schedule.slot));
    if (this.busy?.kind !== 'check') this.replan();
    this.deps.log.info({ schedule: settings.schedule.spec, slot: settings.schedule.slot, next: this.next?.at.toISOString() }, 'configuration reloaded');
    void this.notifier.status(this.describeNext());
    this.arm();
  }

  /**
   * Stops taking work, lets a running job finish (aborting it after the grace
   * period), and closes runs left open by processes that are gone as interrupted.
   * Idempotent; resolves when the store may be closed.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    const { log, store, clock } = this.deps;
    clearTimeout(this.timer);
    clearInterval(this.watchdogTimer);
    await this.notifier.stopping();
    const busy = this.busy;
    if (busy) {
      log.info({ job: busy.kind }, 'stopping: waiting for the running job to finish');
      if (!(await settlesWithin(busy.done, this.settings.stopGraceMs))) {
        log.warn({ job: busy.kind, graceMs: this.settings.stopGraceMs }, 'stopping: the job did not finish in time; stopping it');
        this.abort.abort();
        if (!(await settlesWithin(busy.done, ABORT_WAIT_MS))) log.error({ job: busy.kind }, 'stopping: the job is still running; leaving it');
      }
    }
    try {
      const closed = store.guard((s) => closeInterruptedRuns(s, clock.now()));
      if (closed.length > 0) log.warn({ runs: closed }, 'runs cut short by the stop were marked interrupted');
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'could not mark interrupted runs; the next start will');
    }
    log.info({}, 'daemon stopped');
  }

  private get stopping(): boolean {
    return this.stopped !== null;
  }

  private replan(): void {
    const { store, clock, log } = this.deps;
    const now = clock.now();
    const skew = this.settings.maxSkewMs;
    const next = planNextCheck({
      schedule: this.settings.schedule,
      failure: this.failure,
      lastSuccess: store.guard((s) => lastSuccess(s, trustedUntil(now, skew))),
      now,
      startup: this.startupPending,
      maxBackoffMs: this.settings.retry.maxMs + skew,
    });
    this.next = next;
    store.guard((s) => saveNextCheck(s, next));
    log.info({ at: next.at.toISOString(), reason: next.reason }, 'next check planned');
  }

  private tick(): void {
    if (this.stopping) return;
    try {
      this.dispatch();
    } catch (err) {
      // A store that is locked or full must not kill the loop: log it and look again at the next wake-up.
      this.deps.log.error({ err: errorMessage(err) }, 'scheduling failed; trying again shortly');
    }
    this.arm();
  }

  private dispatch(): void {
    const now = this.deps.clock.now().getTime();
    if (now < this.lastWake - this.settings.maxSkewMs) this.clockWentBack(now);
    this.lastWake = now;
    if (this.next === null) this.replan();
    const next = this.next!;
    if (this.busy) {
      if (this.busy.kind === 'check' && now >= next.at.getTime()) {
        this.deps.log.warn({ slot: next.at.toISOString() }, 'scheduled check skipped: the previous check is still running');
        this.next = { at: this.settings.schedule.cron.next(new Date(now)), reason: 'schedule' };
      }
      return;
    }
    if (now >= next.at.getTime()) this.startJob('check', () => this.runCycle(next.reason));
    else if (this.deps.housekeeping && now >= this.nextHousekeepingAt) this.startJob('housekeeping', () => this.runHousekeeping());
    else if (this.deps.alerts && now >= this.nextAlertsAt) this.startJob('alerts', () => this.runAlerts());
  }

  /**
   * The clock went back (it had run ahead): the next check, alert run and
   * housekeeping were planned by the wrong clock and would wait until it
   * catches up again. Plan them afresh by the clock as it is now.
   */
  private clockWentBack(now: number): void {
    this.deps.log.warn({ from: new Date(this.lastWake).toISOString(), to: new Date(now).toISOString() }, 'the clock went back; planning the next check, alerts and housekeeping again');
    this.nextAlertsAt = now;
    this.nextHousekeepingAt = now;
    if (this.busy?.kind !== 'check') this.replan();
  }

  private arm(): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    const now = this.deps.clock.now().getTime();
    const dues = [this.next?.at.getTime() ?? now + MAX_SLEEP_MS];
    if (!this.busy) {
      if (this.deps.housekeeping) dues.push(this.nextHousekeepingAt);
      if (this.deps.alerts) dues.push(this.nextAlertsAt);
    }
    // While a job runs, its end wakes the loop; the timer only notices slots it overlaps.
    const wait = Math.min(MAX_SLEEP_MS, Math.max(this.busy ? 1000 : 0, Math.min(...dues) - now));
    this.timer = setTimeout(() => this.tick(), timerDelay(wait));
  }

  private startJob(kind: JobKind, job: () => Promise<void>): void {
    const done = job()
      .catch((err: unknown) => this.deps.log.error({ job: kind, err: errorMessage(err) }, 'job failed'))
      .finally(() => {
        this.busy = null;
        this.tick();
      });
    this.busy = { kind, done };
  }

  private async runCycle(reason: DueReason): Promise<void> {
    const { clock, log, store } = this.deps;
    const trigger: CycleTrigger = reason === 'startup' ? 'startup' : 'schedule';
    const started = performance.now();
    this.next = { at: this.settings.schedule.cron.next(clock.now()), reason: 'schedule' };
    log.info({ trigger, reason }, 'check starting');
    let result: CycleResult | null = null;
    try {
      result = await this.deps.cycle(trigger, this.abort.signal);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'check failed with an internal error');
    }
    const ms = performance.now() - started;
    this.deps.onCycle?.(result, ms);
    if (this.abort.signal.aborted) return; // cut short by a stop: no backoff for that
    if (result?.outcome === 'locked') {
      // Nothing ran and nothing failed: the store keeps the failure state it had; the owed check is retried from memory.
      this.next = lockedRetry(clock.now(), this.settings.retry);
      store.guard((s) => saveNextCheck(s, this.next!));
    } else {
      this.failure = afterCycle(this.failure, result?.outcome ?? null, clock.now(), this.settings.retry);
      store.guard((s) => saveFailureState(s, this.failure));
      this.startupPending = false;
      this.replan();
    }
    this.nextAlertsAt = clock.now().getTime();
    const level = this.failure.failures > 0 ? 'warn' : 'info';
    log[level](
      { outcome: result?.outcome ?? 'error', ms: Math.round(ms), failures: this.failure.failures, next: this.next?.at.toISOString() },
      this.failure.failures > 0 ? 'check did not succeed; retrying later' : 'check finished',
    );
    void this.notifier.status(`last check: ${result?.outcome ?? 'internal error'}; ${this.describeNext()}`);
  }

  private async runHousekeeping(): Promise<void> {
    this.nextHousekeepingAt = this.deps.clock.now().getTime() + this.settings.housekeepingEveryMs;
    await this.deps.housekeeping?.();
  }

  private async runAlerts(): Promise<void> {
    this.nextAlertsAt = this.deps.clock.now().getTime() + this.settings.alertsEveryMs;
    await this.deps.alerts?.(this.abort.signal);
  }

  private describeNext(): string {
    return this.next ? `next check ${this.next.at.toISOString()} (${this.next.reason})` : 'no check planned';
  }
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timerDelay(ms));
    }),
  ]).finally(() => clearTimeout(timer));
}
