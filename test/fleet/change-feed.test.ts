import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { portalChangeFeed } from '../../src/fleet/change-feed.js';
import { runFleet, type HostResult } from '../../src/fleet/run-fleet.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import type { Portal, PortalAnswer } from '../../src/portal/client.js';
import { lastAnswerPortal } from '../../src/portal/last-answer.js';
import type { ChangeFeed, Entitlements } from '../../src/portal/schema.js';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/** A portal that answers from a list of pages and counts what it was asked: a small fake of the Portal port. */
function fakePortal(pages: Array<ChangeFeed | Error>): Portal & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async changesSince(cursor): Promise<PortalAnswer<ChangeFeed>> {
      asked.push(`changes since ${cursor}`);
      const page = pages.shift();
      if (!page || page instanceof Error) throw page ?? new Error('no more pages');
      return { value: page, notModified: false, serverDate: null, durationMs: 1, attempts: 1 };
    },
    async entitlements(id): Promise<PortalAnswer<Entitlements>> {
      asked.push(`entitlements ${id}`);
      return { value: entitlements(id, 9), notModified: false, serverDate: null, durationMs: 1, attempts: 1 };
    },
  };
}

function entitlements(id: string, revision: number): Entitlements {
  return { apiVersion: 1, deployment: { id, name: 'x', revision, updatedAt: '2026-11-26T00:00:00Z' }, activation: null, supportContract: null, modules: [] };
}

const page = (cursor: string, ids: string[], more = false): ChangeFeed => ({
  apiVersion: 1,
  cursor,
  more,
  changes: ids.map((deploymentId) => ({ deploymentId, revision: 1, changedAt: '2026-11-26T00:00:00Z' })),
});
const result = (outcome: HostResult['outcome']) => ({ host: 'h', outcome }) as HostResult;

describe('portalChangeFeed', () => {
  it('knows nothing the first time, then names what changed since the settled cursor, following pages', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    const portal = fakePortal([page('10', ['631']), page('12', ['632'], true), page('15', ['633'])]);
    const feed = portalChangeFeed(portal, store, silentLogger);

    const first = await feed.changed(new AbortController().signal);
    await feed.settle([result('up-to-date')]);
    const second = await portalChangeFeed(portal, store, silentLogger).changed(new AbortController().signal);

    expect(first).toBeNull();
    expect(second).toEqual(new Set(['632', '633']));
    expect(portal.asked).toEqual(['changes since ', 'changes since 10', 'changes since 12']);
  });

  it('keeps the cursor when a host did not succeed, so it is polled again next time', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.setMeta('fleet_change_cursor', '5');
    const feed = portalChangeFeed(fakePortal([page('9', ['631'])]), store, silentLogger);

    await feed.changed(new AbortController().signal);
    await feed.settle([result('up-to-date'), result('unreachable')]);

    expect(store.getMeta('fleet_change_cursor')).toBe('5');
  });

  it('says "unknown" (every host polls) when the feed fails, and keeps the cursor', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.setMeta('fleet_change_cursor', '5');
    const seen: Array<boolean | null> = [];

    await runFleet({
      hosts: [{ name: 'a', deploymentId: '631' }],
      concurrency: 1,
      jitterMs: 0,
      hostTimeoutMs: 5000,
      openShell: () => new LocalShell(),
      cycle: async (host, shell, ctx) => (seen.push(ctx.portalChanged), { outcome: 'up-to-date', deploymentId: host.deploymentId }),
      changes: portalChangeFeed(fakePortal([page('7', ['632'], true), new Error('503')]), store, silentLogger),
      log: silentLogger,
    });
    const changed = seen[0];

    expect(changed).toBeNull();
    expect(store.getMeta('fleet_change_cursor')).toBe('5');
  });

  it('says "unknown" (every host polls) when the changes run past the pages one run reads, and goes on from there next time', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.setMeta('fleet_change_cursor', '5');
    const portal = fakePortal(Array.from({ length: 101 }, (_, i) => page(`${6 + i}`, [`${700 + i}`], true)));
    const feed = portalChangeFeed(portal, store, silentLogger);

    const changed = await feed.changed(new AbortController().signal);
    await feed.settle([result('up-to-date')]);

    expect(changed).toBeNull();
    expect(portal.asked).toHaveLength(100);
    expect(portal.asked.at(-1)).toBe('changes since 104');
    expect(store.getMeta('fleet_change_cursor')).toBe('105');
  });
});

describe('lastAnswerPortal', () => {
  it('answers from the stored answer without asking the portal, and asks when nothing usable is stored', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.portalCache.put({ deploymentId: '631', etag: '"r3"', body: JSON.stringify(entitlements('631', 3)), fetchedAt: '2026-11-26T00:00:00Z' });
    store.portalCache.put({ deploymentId: '632', etag: null, body: '{"broken":', fetchedAt: '2026-11-26T00:00:00Z' });
    const portal = fakePortal([]);
    const cached = lastAnswerPortal(portal, store.portalCache);

    const kept = await cached.entitlements('631');
    const broken = await cached.entitlements('632');
    const missing = await cached.entitlements('633');

    expect(kept.value.deployment.revision).toBe(3);
    expect(broken.value.deployment.revision).toBe(9);
    expect(missing.value.deployment.revision).toBe(9);
    expect(portal.asked).toEqual(['entitlements 632', 'entitlements 633']);
  });
});
