import { describe, expect, it } from 'vitest';
import { PbxError, StoreError } from '../../src/errors.js';
import { runFleet, worstOutcome, type ChangeFeed, type Cycle, type CycleResult, type HostResult } from '../../src/fleet/run-fleet.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ExecResult, PbxShell } from '../../src/pbx/shell.js';
import type { Outcome } from '../../src/store/runs.js';
import { EXIT, exitForOutcome } from '../../agent/exit-codes.js';

interface Host {
  readonly name: string;
  readonly deploymentId: string | null;
}

/** A shell that only knows whether it was closed: the cycles under test do not run commands. */
class FakeShell implements PbxShell {
  readonly description = 'fake';
  closes = 0;
  private readonly waiting: Array<() => void> = [];

  exec(): Promise<ExecResult> {
    return Promise.reject(new Error('the fake shell runs nothing'));
  }

  readFile(): Promise<string | null> {
    return Promise.resolve(null);
  }

  listDir(): Promise<string[] | null> {
    return Promise.resolve(null);
  }

  async close(): Promise<void> {
    this.closes += 1;
    for (const wake of this.waiting.splice(0)) wake();
  }

  closed(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function hosts(...names: string[]): Host[] {
  return names.map((name, i) => ({ name, deploymentId: `${100 + i}` }));
}

function fleet(list: Host[], cycle: Cycle<Host>, extra: { concurrency?: number; hostTimeoutMs?: number; jitterMs?: number; changes?: ChangeFeed; signal?: AbortSignal } = {}) {
  const shells = new Map<string, FakeShell>();
  const run = runFleet({
    hosts: list,
    concurrency: extra.concurrency ?? 4,
    jitterMs: extra.jitterMs ?? 0,
    hostTimeoutMs: extra.hostTimeoutMs ?? 10_000,
    openShell: (host) => {
      const shell = new FakeShell();
      shells.set(host.name, shell);
      return shell;
    },
    cycle,
    changes: extra.changes,
    signal: extra.signal,
    log: silentLogger,
  });
  return { run, shells };
}

const ok = (outcome: Outcome = 'up-to-date'): Cycle<Host> => async (host) => ({ outcome, deploymentId: host.deploymentId, runId: 1 });
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runFleet', () => {
  it('runs the cycle once per host, reports them in the given order, counts outcomes and closes every shell', async () => {
    const outcomes: Record<string, Outcome> = { a: 'up-to-date', b: 'applied', c: 'pending', d: 'up-to-date' };
    const cycle: Cycle<Host> = async (host) => {
      await delay(host.name === 'a' ? 60 : 5);
      return { outcome: outcomes[host.name]!, deploymentId: host.deploymentId };
    };

    const { run, shells } = fleet(hosts('a', 'b', 'c', 'd'), cycle, { concurrency: 2 });
    const report = await run;

    expect(report.hosts.map((r) => [r.host, r.outcome])).toEqual([
      ['a', 'up-to-date'],
      ['b', 'applied'],
      ['c', 'pending'],
      ['d', 'up-to-date'],
    ]);
    expect(report.counts).toEqual({ 'up-to-date': 2, applied: 1, pending: 1, unreachable: 0, failed: 0 });
    expect(report.worst).toBe('pending');
    expect([...shells.values()].every((s) => s.closes >= 1)).toBe(true);
  });

  it('never runs more hosts at once than the concurrency', async () => {
    let running = 0;
    let peak = 0;
    const cycle: Cycle<Host> = async (host) => {
      peak = Math.max(peak, ++running);
      await delay(20);
      running -= 1;
      return { outcome: 'up-to-date', deploymentId: host.deploymentId };
    };

    const report = await fleet(hosts(...'abcdefghij'.split('')), cycle, { concurrency: 3 }).run;

    expect(report.hosts).toHaveLength(10);
    expect(peak).toBe(3);
  });

  it('runs many workers without Node warning about listeners on the shared interrupt signal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);

    await fleet(hosts(...'abcdefghijklmnopqrstuvwxy'.split('')), async (host) => (await delay(10), { outcome: 'up-to-date', deploymentId: host.deploymentId }), { concurrency: 25 }).run;
    await delay(10);
    process.off('warning', onWarning);

    expect(warnings).toEqual([]);
  });

  it('gives up a host that hangs past the host timeout without holding up the others', async () => {
    const shells = new Map<string, FakeShell>();
    const cycle: Cycle<Host> = async (host, shell) => {
      shells.set(host.name, shell as FakeShell);
      if (host.name !== 'stuck') return { outcome: 'up-to-date', deploymentId: host.deploymentId };
      // Like a PBX that accepted the connection and went silent: only closing the shell ends the wait.
      await (shell as FakeShell).closed();
      throw new PbxError('connection closed', 'retry', 'host-unreachable');
    };
    const started = Date.now();

    const report = await fleet(hosts('stuck', 'b', 'c', 'd', 'e'), cycle, { concurrency: 2, hostTimeoutMs: 300 }).run;

    const stuck = report.hosts[0]!;
    expect(stuck).toMatchObject({ host: 'stuck', outcome: 'unreachable' });
    expect(stuck.error?.message).toMatch(/^the cycle did not finish within the host timeout \(300ms\)/);
    expect(report.hosts.slice(1).every((r) => r.outcome === 'up-to-date')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports a cycle that throws as failed and goes on with the others', async () => {
    const cycle: Cycle<Host> = async (host) => {
      if (host.name === 'bug') throw new TypeError('cannot read properties of undefined');
      return { outcome: 'up-to-date', deploymentId: host.deploymentId };
    };

    const report = await fleet(hosts('bug', 'b'), cycle).run;

    expect(report.hosts.map((r) => r.outcome)).toEqual(['failed', 'up-to-date']);
    expect(report.hosts[0]!.error?.message).toBe('cannot read properties of undefined');
    expect(report.worst).toBe('failed');
  });

  it('stops the whole run when the store fails: every other host would fail the same way', async () => {
    const started: string[] = [];
    const cycle: Cycle<Host> = async (host) => {
      started.push(host.name);
      throw new StoreError('disk full', 'free some space');
    };

    await expect(fleet(hosts('a', 'b', 'c', 'd'), cycle, { concurrency: 1 }).run).rejects.toBeInstanceOf(StoreError);
    expect(started).toEqual(['a']);
  });

  it('when interrupted, stops the running cycles and reports the hosts it never reached', async () => {
    const interrupt = new AbortController();
    const cycle: Cycle<Host> = async (host, shell, ctx) => {
      if (host.name === 'a') return { outcome: 'up-to-date', deploymentId: host.deploymentId };
      interrupt.abort();
      // Like a command in flight: it ends when the shell is closed under it.
      await (shell as FakeShell).closed();
      throw new PbxError('connection closed', 'retry', 'host-unreachable');
    };

    const report = await fleet(hosts('a', 'b', 'c'), cycle, { concurrency: 1, signal: interrupt.signal }).run;

    expect(report.hosts.map((r) => r.outcome)).toEqual(['up-to-date', 'unreachable', 'unreachable']);
    expect(report.hosts[1]!.error?.message).toMatch(/interrupted/);
    expect(report.hosts[2]!.error?.message).toBe('not contacted, the run was interrupted');
  });

  it('spreads the first starts over the jitter', async () => {
    const startedAt: number[] = [];
    const cycle: Cycle<Host> = async (host) => {
      startedAt.push(Date.now());
      return { outcome: 'up-to-date', deploymentId: host.deploymentId };
    };
    const begin = Date.now();

    await runFleet({
      hosts: hosts('a', 'b'),
      concurrency: 2,
      jitterMs: 400,
      hostTimeoutMs: 5000,
      random: () => 0.5,
      openShell: () => new FakeShell(),
      cycle,
      log: silentLogger,
    });

    expect(Math.min(...startedAt) - begin).toBeGreaterThanOrEqual(190);
  });

  it('asks the change feed once and tells each cycle whether its deployment changed', async () => {
    const seen: Record<string, boolean | null> = {};
    let settled: readonly HostResult[] = [];
    const feed: ChangeFeed = {
      changed: async () => new Set(['101']),
      settle: async (results) => {
        settled = results;
      },
    };
    const cycle: Cycle<Host> = async (host, shell, ctx): Promise<CycleResult> => {
      seen[host.name] = ctx.portalChanged;
      return { outcome: 'up-to-date', deploymentId: host.deploymentId };
    };

    await runFleet({
      hosts: [...hosts('a', 'b'), { name: 'seen', deploymentId: null }, { name: 'new', deploymentId: null }],
      concurrency: 2,
      jitterMs: 0,
      hostTimeoutMs: 5000,
      openShell: () => new FakeShell(),
      cycle,
      changes: feed,
      lastKnownDeployment: (host) => (host.name === 'seen' ? '101' : null),
      log: silentLogger,
    });

    expect(seen).toEqual({ a: false, b: true, seen: true, new: null });
    expect(settled.map((r) => r.host)).toEqual(['a', 'b', 'seen', 'new']);
  });

  it('polls every deployment when the change feed fails', async () => {
    const seen: Array<boolean | null> = [];
    const feed: ChangeFeed = { changed: () => Promise.reject(new Error('503')), settle: async () => {} };

    await fleet(hosts('a'), async (host, shell, ctx) => (seen.push(ctx.portalChanged), ok()(host, shell, ctx)), { changes: feed }).run;

    expect(seen).toEqual([null]);
  });
});

describe('the worst outcome decides the exit code', () => {
  it.each<[Outcome[], Outcome | null, number]>([
    [[], null, EXIT.ok],
    [['up-to-date', 'applied'], 'applied', EXIT.ok],
    [['applied', 'pending', 'up-to-date'], 'pending', EXIT.pending],
    [['pending', 'unreachable'], 'unreachable', EXIT.unreachable],
    [['unreachable', 'failed', 'pending'], 'failed', EXIT.failed],
  ])('%j -> %s', (outcomes, worst, code) => {
    const result = worstOutcome(outcomes);

    expect(result).toBe(worst);
    expect(result === null ? EXIT.ok : exitForOutcome(result)).toBe(code);
  });
});
