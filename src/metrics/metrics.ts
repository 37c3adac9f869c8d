import { Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { FUTURE_NOTE, trustedUntil } from '../core/future-time.js';
import { META } from '../store/meta-keys.js';
import type { Store } from '../store/store.js';

/**
 * The Prometheus view of one agent. prom-client is imported here only.
 * Store-backed values are read on each scrape (the store is the truth, also
 * after a restart); durations the daemon observes live in process histograms.
 * No default process metrics: their event-loop monitor would wake the idle daemon.
 */
export interface MetricsSource {
  readonly store: Store;
  readonly clock: Clock;
  readonly version: string;
  /** When this daemon started: before any success, /healthz allows staleAfter from here. */
  readonly startedAt: Date;
  /** Current limit for /healthz (it follows config reloads). */
  readonly staleAfterMs: () => number;
  /** When the activation probe may next run Update Activation; null when not foreseeable or not the source in force. */
  readonly nextProbe?: () => Date | null;
  /** `clock.maxSkew` (default 5m): a success stamped later than now + this is from a clock that ran ahead and is not counted. */
  readonly maxSkewMs?: () => number;
}

export interface Health {
  readonly ok: boolean;
  readonly reason: string;
}

const PREFIX = 'pbx_agent_';
const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly fwconsole: Histogram<'command'>;
  private readonly portal: Histogram;
  private readonly check: Histogram<'outcome'>;

  constructor(private readonly source: MetricsSource) {
    const registers = [this.registry];
    const { store } = source;
    const seconds = (iso: string | null | undefined) => (iso ? Math.floor(new Date(iso).getTime() / 1000) : null);

    new Gauge({
      name: `${PREFIX}build_info`,
      help: 'Agent version (always 1).',
      labelNames: ['version'],
      registers,
      collect() {
        this.set({ version: source.version }, 1);
      },
    });
    new Gauge({
      name: `${PREFIX}start_time_seconds`,
      help: 'When this agent process started, Unix seconds.',
      registers,
      collect() {
        this.set(Math.floor(source.startedAt.getTime() / 1000));
      },
    });
    new Gauge({
      name: `${PREFIX}expiry_timestamp_seconds`,
      help: 'When a licensed item lapses: the end of its last valid day (midnight UTC after the expiry date), Unix seconds. Items that never expire are absent.',
      labelNames: ['deployment', 'host', 'item', 'kind'],
      registers,
      collect() {
        this.reset();
        const hosts = new Map(store.expiries.deployments().map((d) => [d.id, d.host]));
        for (const i of store.expiries.items()) {
          const end = endOfDay(i.expiry);
          if (end === null) continue;
          this.set({ deployment: i.deploymentId, host: hosts.get(i.deploymentId) ?? 'local', item: i.item, kind: i.kind }, end);
        }
      },
    });
    new OptionalGauge(
      `${PREFIX}last_successful_check_timestamp_seconds`,
      'End of the last check that read the PBX (and portal) successfully, Unix seconds. Absent until one succeeds.',
      registers,
      () => {
        // A success stamped in the future would keep "no successful check for two days" rules quiet for years.
        const end = this.lastTrustedSuccess();
        return end === null ? null : Math.floor(end.getTime() / 1000);
      },
    );
    new OptionalGauge(`${PREFIX}next_check_timestamp_seconds`, 'When the daemon plans the next check, Unix seconds.', registers, () =>
      seconds(store.getMeta(META.nextCheckAt)),
    );
    new OptionalGauge(
      `${PREFIX}next_probe_timestamp_seconds`,
      'When the activation probe may next run Update Activation (the earliest the probe policy allows, not before the next planned check), Unix seconds. Absent when none is foreseeable or renewals come from elsewhere.',
      registers,
      () => {
        const at = source.nextProbe?.() ?? null;
        return at === null ? null : Math.floor(at.getTime() / 1000);
      },
    );
    new Counter({
      name: `${PREFIX}activation_probes_total`,
      help: 'Update Activations run by the activation probe (and renew), by result: moved, nothing-new, failed, unreachable, interrupted.',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        for (const [result, n] of store.probes.counts()) this.inc({ result }, n);
      },
    });
    new Gauge({
      name: `${PREFIX}consecutive_failures`,
      help: 'Failed or unreachable checks in a row (0 after a success).',
      registers,
      collect() {
        this.set(Number(store.getMeta(META.failures) ?? 0) || 0);
      },
    });
    new Gauge({
      name: `${PREFIX}pending_renewals`,
      help: 'Renewals the last check saw on the portal but did not apply, per deployment.',
      labelNames: ['deployment'],
      registers,
      collect() {
        this.reset();
        // One query for every deployment: a fleet store holds thousands.
        for (const run of store.runs.latestPerDeployment()) {
          const pending = run.details?.pending;
          if (run.deploymentId !== null) this.set({ deployment: run.deploymentId }, Array.isArray(pending) ? pending.length : 0);
        }
      },
    });
    new Counter({
      name: `${PREFIX}runs_total`,
      help: 'Finished runs (checks) by outcome, from the store; pruned runs still count.',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        for (const [outcome, n] of Object.entries(store.runs.countByOutcome())) this.inc({ outcome }, n);
      },
    });
    new OptionalGauge(
      `${PREFIX}outbox_pending`,
      'Alerts waiting in the outbox for a channel to take them.',
      registers,
      () => store.outbox.pendingCount(),
    );

    this.fwconsole = new Histogram({
      name: `${PREFIX}fwconsole_duration_seconds`,
      help: 'Duration of fwconsole commands, by command.',
      labelNames: ['command'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.portal = new Histogram({
      name: `${PREFIX}portal_duration_seconds`,
      help: 'Time spent talking to the portal per check.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.check = new Histogram({
      name: `${PREFIX}check_duration_seconds`,
      help: 'Duration of whole checks run by the daemon, by outcome.',
      labelNames: ['outcome'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200],
      registers,
    });
  }

  observeFwconsole(command: string, ms: number): void {
    this.fwconsole.observe({ command }, ms / 1000);
  }

  observePortal(ms: number): void {
    this.portal.observe(ms / 1000);
  }

  observeCheck(outcome: string, ms: number): void {
    this.check.observe({ outcome }, ms / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Healthy while the last successful check is younger than the stale limit. */
  health(): Health {
    const now = this.source.clock.now().getTime();
    const limit = this.source.staleAfterMs();
    const last = this.lastTrustedSuccess()?.getTime() ?? null;
    const newest = this.source.store.runs.lastSuccessEnd();
    const future = newest !== null && newest.getTime() !== last ? `; a later success is stamped ${newest.toISOString()} (${FUTURE_NOTE})` : '';
    if (last === null) {
      const up = now - this.source.startedAt.getTime();
      return up <= limit
        ? { ok: true, reason: `no successful check yet (agent started ${ago(up)} ago)${future}` }
        : { ok: false, reason: `no successful check since the agent started ${ago(up)} ago${future}` };
    }
    const age = now - last;
    return age <= limit
      ? { ok: true, reason: `last successful check ${ago(age)} ago${future}` }
      : { ok: false, reason: `last successful check ${ago(age)} ago (limit ${ago(limit)})${future}; see \`pbx-activation-agent status\` and the journal` };
  }

  private lastTrustedSuccess(): Date | null {
    const skew = this.source.maxSkewMs?.() ?? DEFAULT_MAX_SKEW_MS;
    return this.source.store.runs.lastSuccessEnd(undefined, trustedUntil(this.source.clock.now(), skew));
  }
}

/** An unlabelled gauge that is left out of the page (rather than shown as 0) while it has no value. */
class OptionalGauge extends Gauge {
  constructor(name: string, help: string, registers: Registry[], private readonly read: () => number | null) {
    super({ name, help, registers });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<string>>> {
    const metric = await super.get();
    const value = this.read();
    return { ...metric, values: value === null ? [] : [{ value, labels: {} }] };
  }
}

/** `YYYY-MM-DD` -> Unix seconds of the following midnight UTC; null for `never`. */
export function endOfDay(expiry: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(expiry);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1) / 1000;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
