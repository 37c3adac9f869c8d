import type { Database } from './database.js';
import { META } from './meta-keys.js';

/** How a probe (Update Activation run by the activation source) ended; `started` until it does. */
export type ProbeResult = 'started' | 'moved' | 'nothing-new' | 'failed' | 'unreachable';
/** Results counted by `pbx_agent_activation_probes_total`: a probe that never recorded its end is `interrupted`. */
export type CountedProbeResult = Exclude<ProbeResult, 'started'> | 'interrupted';

const RESULTS: ReadonlySet<string> = new Set<ProbeResult>(['started', 'moved', 'nothing-new', 'failed', 'unreachable']);

export interface ProbeState {
  readonly host: string;
  readonly deploymentId: string;
  /** When `sa activate` was about to run. */
  readonly at: string;
  readonly result: ProbeResult;
  readonly runId: number | null;
}

/**
 * The last probe of each host, in the meta table (`probe/<host>`): written
 * before `sa activate` runs, so a crash during it still counts as a probe and
 * a restart does not restart Apache again. Counts by result for the metrics.
 */
export class ProbeRepository {
  constructor(private readonly db: Database) {}

  last(host: string): ProbeState | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(`${META.probePrefix}${host}`) as { value: string } | undefined;
    return row ? parseState(host, row.value) : null;
  }

  /** The last probe of every host, in one query (fleet status). */
  all(): Map<string, ProbeState> {
    const rows = this.db.prepare("SELECT key, value FROM meta WHERE key >= ? AND key < ?").all(META.probePrefix, `${META.probePrefix}\uffff`) as Array<{ key: string; value: string }>;
    const states = new Map<string, ProbeState>();
    for (const row of rows) {
      const host = row.key.slice(META.probePrefix.length);
      const state = parseState(host, row.value);
      if (state) states.set(host, state);
    }
    return states;
  }

  /** Records a probe about to run; one left `started` (its process died) is counted as interrupted. */
  start(state: Omit<ProbeState, 'result'>): void {
    this.db.transaction(() => {
      if (this.last(state.host)?.result === 'started') this.count('interrupted');
      this.write({ ...state, result: 'started' });
    })();
  }

  /** Records how the host's running probe ended. */
  finish(host: string, result: Exclude<ProbeResult, 'started'>): void {
    this.db.transaction(() => {
      const current = this.last(host);
      if (current === null || current.result !== 'started') return;
      this.write({ ...current, result });
      this.count(result);
    })();
  }

  /** Finished probes by result, since the store was created. */
  counts(): Map<string, number> {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(META.probeCounts) as { value: string } | undefined;
    const counts = new Map<string, number>();
    if (!row) return counts;
    try {
      for (const [result, n] of Object.entries(JSON.parse(row.value) as Record<string, unknown>)) {
        if (typeof n === 'number' && Number.isFinite(n)) counts.set(result, n);
      }
    } catch {
      // an unreadable counter starts again from nothing rather than failing the scrape
    }
    return counts;
  }

  private count(result: CountedProbeResult): void {
    const counts = this.counts();
    counts.set(result, (counts.get(result) ?? 0) + 1);
    this.put(META.probeCounts, JSON.stringify(Object.fromEntries(counts)));
  }

  private write(state: ProbeState): void {
    this.put(`${META.probePrefix}${state.host}`, JSON.stringify({ deploymentId: state.deploymentId, at: state.at, result: state.result, runId: state.runId }));
  }

  private put(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}

/** Read by hand rather than with zod: the daemon (metrics) reads it and does not load the validator. */
function parseState(host: string, text: string): ProbeState | null {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.deploymentId !== 'string' || typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at)) || typeof v.result !== 'string' || !RESULTS.has(v.result)) return null;
    return { host, deploymentId: v.deploymentId, at: v.at, result: v.result as ProbeResult, runId: typeof v.runId === 'number' ? v.runId : null };
  } catch {
    return null;
  }
}
