import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/log/logger.js';
import { Daemon, type CycleTrigger, type DaemonJobs, type DaemonSettings } from '../../src/service/daemon.js';
import { META } from '../../src/service/daemon-state.js';
import { resolveSchedule } from '../../src/service/schedule.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
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
    ...overrides,
  };
}

function logLines(): { lines: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', stream: 'stderr', pretty: false, destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  return { lines, log };
}

function startDaemon(path: string, jobs: DaemonJobs, options: Partial<DaemonSettings> = {}) {
  const store = Store.open(path);
  const { lines, log } = logLines();
  const daemon = new Daemon({ ...jobs, store, clock: systemClock, log }, settings(options));
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
