import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

describe('probe state (ProbeRepository)', () => {
  it('keeps the last probe of each host apart, across closing and reopening the store', () => {
    const path = join(tmp(), 'agent.db');
    const store = Store.open(path);
    store.probes.start({ host: 'local', deploymentId: '631', at: '2026-11-26T03:00:00.000Z', runId: 4 });
    store.probes.finish('local', 'nothing-new');
    store.probes.start({ host: 'rome', deploymentId: '632', at: '2026-11-26T03:05:00.000Z', runId: 5 });
    store.close();

    const again = Store.open(path, { readonly: true });

    expect(again.probes.last('local')).toEqual({ host: 'local', deploymentId: '631', at: '2026-11-26T03:00:00.000Z', result: 'nothing-new', runId: 4 });
    expect(again.probes.last('rome')).toMatchObject({ deploymentId: '632', result: 'started' });
    expect(again.probes.last('milan')).toBeNull();
    expect([...again.probes.all().keys()]).toEqual(['local', 'rome']);
    again.close();
  });

  it('counts finished probes by result; one that never finished (its process died) counts as interrupted at the next start', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.probes.start({ host: 'local', deploymentId: '631', at: '2026-11-26T03:00:00.000Z', runId: 1 });
    store.probes.start({ host: 'local', deploymentId: '631', at: '2026-11-27T03:00:00.000Z', runId: 2 });
    store.probes.finish('local', 'moved');
    store.probes.finish('local', 'failed');
    store.probes.start({ host: 'local', deploymentId: '631', at: '2026-11-28T03:00:00.000Z', runId: 3 });
    store.probes.finish('local', 'nothing-new');

    expect(Object.fromEntries(store.probes.counts())).toEqual({ interrupted: 1, moved: 1, 'nothing-new': 1 });
    expect(store.probes.last('local')).toMatchObject({ at: '2026-11-28T03:00:00.000Z', result: 'nothing-new' });
    store.close();
  });

  it('an unreadable state is no state, and a probe can be recorded over it', () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    store.setMeta('probe/local', '{"deploymentId": 631');

    expect(store.probes.last('local')).toBeNull();
    store.probes.start({ host: 'local', deploymentId: '631', at: '2026-11-26T03:00:00.000Z', runId: null });
    expect(store.probes.last('local')).toMatchObject({ result: 'started', runId: null });
    store.close();
  });
});
