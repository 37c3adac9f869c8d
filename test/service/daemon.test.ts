import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/log/logger.js';
import { Daemon, type CycleTrigger, type DaemonJobs, type DaemonSettings } from '../../src/service/daemon.js';
import { META } from '../../src/service/daemon-state.js';
import { resolveSchedule } from '../../src/service/schedule.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const FIVE_YEARS = 5 * 365 * 86_400_000;
const open: Array<{ daemon: Daemon; store: Store }> = [];

afterEach(async () => {
  for (const { daemon, store } of open.splice(0)) {
    await daemon.stop();
    store.close();
  }
});

function settings(overrides: Partial<DaemonSettings> = {}): DaemonSettings {
  return {
    schedule: resolveSchedule('* * * * * *', 'UTC', null),
    retry: { minMs: 60_000, maxMs: 3600_000 },
    alertsEveryMs: 3600_000,
    housekeepingEveryMs: 86_400_000,
    stopGraceMs: 2000,
    maxSkewMs: 300_000,
    ...overrides,
  };
}

function logLines(): { lines: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', stream: 'stderr', pretty: false, destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  return { lines, log };
}

function startDaemon(path: string, jobs: DaemonJobs, options: Partial<DaemonSettings> = {}, clock: Clock = systemClock) {
  const store = Store.open(path);
  const { lines, log } = logLines();
  const daemon = new Daemon({ ...jobs, store, clock, log }, settings(options));
  open.push({ daemon, store });
  return { daemon, store, lines };
}

describe('Daemon', () => {
  it('checks at start when nothing succeeded yet, then on every scheduled slot', async () => {
    const triggers: CycleTrigger[] = [];
    const { daemon, store } = startDaemon(join(tmp(), 'agent.db'), {
      cycle: async (trigger) => {
        triggers.push(trigger);
        return { outcome: 'up-to-date' };
      },
    });

    await daemon.start();
    await sleep(2600);

    expect(triggers[0]).toBe('startup');
    expect(triggers.slice(1).every((t) => t === 'schedule')).toBe(true);
    expect(triggers.length).toBeGreaterThanOrEqual(3);
    expect(new Date(store.getMeta(META.nextCheckAt)!).getTime()).toBeGreaterThan(Date.now() - 1500);
  });

  it('never runs two checks at once: a slot that comes while one runs is skipped and logged', async () => {
    let running = 0;
    let most = 0;
    const { daemon, lines } = startDaemon(join(tmp(), 'agent.db'), {
      cycle: async () => {
        most = Math.max(most, ++running);
        await sleep(2200);
        running--;
        return { outcome: 'up-to-date' };
      },
    });

    await daemon.start();
    await sleep(3000);

    expect(most).toBe(1);
    expect(lines.some((l) => l.msg === 'scheduled check skipped: the previous check is still running')).toBe(true);
  });

  it('keeps the failure backoff across a restart', async () => {
    const path = join(tmp(), 'agent.db');
    let calls = 0;
    const jobs: DaemonJobs = {
      cycle: async () => {
        calls++;
        return { outcome: 'unreachable' };
      },
    };
    const first = startDaemon(path, jobs);
    await first.daemon.start();
    await sleep(300);
    await first.daemon.stop();
    const backoffUntil = first.store.getMeta(META.backoffUntil);

    const second = startDaemon(path, jobs);
    await second.daemon.start();
    await sleep(1500);

    expect(calls).toBe(1);
    expect(second.store.getMeta(META.failures)).toBe('1');
    expect(new Date(backoffUntil!).getTime() - Date.now()).toBeGreaterThan(55_000);
    expect(second.daemon.nextCheck).toEqual({ at: new Date(backoffUntil!), reason: 'retry' });
  });

  it('a backoff and a last success written while the clock ran years ahead do not hold the checks back once it is right', async () => {
    const path = join(tmp(), 'agent.db');
    const ahead: Clock = { now: () => new Date(Date.now() + FIVE_YEARS) };
    const calls: string[] = [];
    const jobs = (clock: Clock): DaemonJobs => ({
      cycle: async () => {
        calls.push(clock === ahead ? 'ahead' : 'right');
        return { outcome: 'unreachable' };
      },
    });
    const seed = Store.open(path);
    const future = new Date(Date.now() + FIVE_YEARS - 2 * 86_400_000).toISOString();
    seed.runs.finish(seed.runs.start({ trigger: 'schedule', command: 'check', host: 'local', deploymentId: null, dryRun: false, pid: 1, at: future }), { outcome: 'up-to-date', at: future });
    seed.close();
    // Daily checks: only a startup or retry check can run within this test.
    const daily = { schedule: resolveSchedule('0 3 * * *', 'UTC', null) };
    const first = startDaemon(path, jobs(ahead), daily, ahead);
    await first.daemon.start();
    await sleep(300);
    await first.daemon.stop();
    const aheadBackoff = first.store.getMeta(META.backoffUntil);

    const second = startDaemon(path, jobs(systemClock), daily);
    await second.daemon.start();
    await sleep(500);

    expect(new Date(aheadBackoff!).getTime() - Date.now()).toBeGreaterThan(FIVE_YEARS - 86_400_000);
    expect(calls).toEqual(['ahead', 'right']);
    expect(second.daemon.nextCheck!.at.getTime() - Date.now()).toBeLessThan(3_600_000);
  });

  it('a running daemon whose clock goes back plans its checks again by the clock as it is', async () => {
    let offset = FIVE_YEARS;
    const clock: Clock = { now: () => new Date(Date.now() + offset) };
    let checks = 0;
    const { daemon, lines } = startDaemon(
      join(tmp(), 'agent.db'),
      {
        cycle: async () => {
          checks++;
          return { outcome: 'up-to-date' };
        },
        // NTP steps the clock back while the daemon is between checks.
        alerts: async () => void (offset = 0),
      },
      {},
      clock,
    );

    await daemon.start();
    await sleep(2600);

    expect(lines.some((l) => l.msg === 'the clock went back; planning the next check, alerts and housekeeping again')).toBe(true);
    expect(checks).toBeGreaterThanOrEqual(2);
    expect(daemon.nextCheck!.at.getTime() - Date.now()).toBeLessThan(5000);
  });

  it('on stop, aborts a check that outlives the grace period and marks its run interrupted', async () => {
    let runId = 0;
    let aborted = false;
    const { daemon, store } = startDaemon(
      join(tmp(), 'agent.db'),
      {
        cycle: (trigger, signal) => {
          runId = store.runs.start({ trigger, command: 'run', host: 'local', deploymentId: null, dryRun: false, pid: process.pid, at: new Date().toISOString() });
          return new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve({ outcome: 'unreachable' });
            }),
          );
        },
      },
      { stopGraceMs: 300 },
    );
    await daemon.start();
    await sleep(200);

    const started = Date.now();
    await daemon.stop();

    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(store.runs.get(runId)?.outcome).toBe('interrupted');
    expect(store.getMeta(META.failures)).not.toBe('1');
  });

  it('at start, closes runs of processes that are gone and leaves a live one alone', async () => {
    const path = join(tmp(), 'agent.db');
    const seed = Store.open(path);
    const at = new Date().toISOString();
    const dead = seed.runs.start({ trigger: 'schedule', command: 'run', host: 'local', deploymentId: null, dryRun: false, pid: 2 ** 22 + 7, at });
    const live = seed.runs.start({ trigger: 'manual', command: 'check', host: 'local', deploymentId: null, dryRun: false, pid: process.ppid, at });
    seed.close();
    const { daemon, store } = startDaemon(path, { cycle: async () => ({ outcome: 'up-to-date' }) });

    await daemon.start();

    expect(store.runs.get(dead)?.outcome).toBe('interrupted');
    expect(store.runs.get(live)?.outcome).toBeNull();
  });
});
