import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PortalError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { PortalClient } from '../../src/portal/client.js';
import { portalItems } from '../../src/portal/items.js';
import { lastAnswerPortal } from '../../src/portal/last-answer.js';
import { Store } from '../../src/store/store.js';
import { FORBIDDEN, HOSTILE } from '../helpers/hostile-text.js';
import { httpServer } from '../helpers/http-server.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

const GOOD =
  '{"apiVersion":1,"deployment":{"id":"631","name":"Main","revision":3,"updatedAt":"2026-11-26T09:00:00Z"},"activation":null,"supportContract":null,' +
  '"modules":[{"key":"broadcast","name":"Broadcast","licenseExpires":"2027-12-01","maintenanceExpires":null}]}';

function client(url: string) {
  const store = Store.open(join(tmp(), 'agent.db'));
  const portal = new PortalClient(
    { url, token: 'tok-SECRET', connectTimeoutMs: 2000, timeoutMs: 3000, retries: 0, retryBaseMs: 10, retryMaxMs: 100, userAgent: 'test' },
    store.portalCache,
    silentLogger,
  );
  return { portal, store };
}

async function serving(...bodies: Array<{ status?: number; body: string }>) {
  let n = 0;
  return httpServer((_req, res) => {
    const answer = bodies[Math.min(n++, bodies.length - 1)]!;
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', etag: `"e${n}"` }).end(answer.body);
  });
}

describe('portal bodies with a member given twice', () => {
  it.each([
    ['licenseExpires twice', GOOD.replace('"licenseExpires":"2027-12-01"', '"licenseExpires":"2026-12-01","licenseExpires":"2031-12-01"'), /member "licenseExpires" of modules\.0 appears twice/],
    ['the deployment id twice', GOOD.replace('"id":"631"', '"id":"631","id":"999"'), /member "id" of deployment appears twice/],
    ['the module list twice', GOOD.replace('"modules":[', '"modules":[],"modules":['), /member "modules" of the top-level object appears twice/],
  ])('%s: refused as a bad response, naming the member; the kept answer is left alone', async (_what, body, message) => {
    const server = await serving({ body: GOOD }, { body });
    const { portal, store } = client(server.url);
    await portal.entitlements('631');
    const kept = store.portalCache.get('631');

    const err = await portal.entitlements('631').then(
      () => null,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(PortalError);
    expect((err as PortalError).reason).toBe('bad-response');
    expect((err as PortalError).message).toMatch(message);
    expect((err as PortalError).message).toMatch(/contradicts itself/);
    expect(store.portalCache.get('631')).toEqual(kept);
  });

  it('the same member twice with the same value is accepted', async () => {
    const server = await serving({ body: GOOD.replace('"revision":3', '"revision":3,"revision":3') });
    const { portal } = client(server.url);

    const answer = await portal.entitlements('631');

    expect(answer.value.deployment.revision).toBe(3);
  });

  it('a kept answer that contradicts itself (stored by an older version) is not used: the portal is asked', async () => {
    const server = await serving({ body: GOOD });
    const { portal, store } = client(server.url);
    store.portalCache.put({ deploymentId: '631', etag: null, body: GOOD.replace('"2027-12-01"', '"2026-01-01","licenseExpires":"2030-01-01"'), fetchedAt: '2026-11-01T00:00:00Z' });

    const answer = await lastAnswerPortal(portal, store.portalCache).entitlements('631');

    expect(server.requests).toHaveLength(1);
    expect(answer.value.modules[0]!.licenseExpires).toEqual({ kind: 'date', date: '2027-12-01' });
  });
});

describe('portal text reaching people', () => {
  it.each(HOSTILE)('%s in names and error messages is removed', async (_name, bad) => {
    const named = JSON.parse(GOOD) as { deployment: { name: string }; modules: Array<{ name: string }> };
    named.deployment.name = `Main${bad}office`;
    named.modules[0]!.name = `Broad${bad}cast`;
    const server = await serving({ body: JSON.stringify(named) }, { status: 403, body: JSON.stringify({ error: { code: 'forbidden', message: `no${bad} access` } }) });
    const { portal } = client(server.url);

    const answer = await portal.entitlements('631');
    const err = (await portal.entitlements('631').catch((e: unknown) => e)) as PortalError;

    expect(answer.value.deployment.name).toBe('Mainoffice');
    expect(answer.value.modules[0]!.name).toBe('Broadcast');
    expect(JSON.stringify(portalItems(answer.value))).not.toMatch(FORBIDDEN);
    expect(err.message).toContain('no access');
    expect(err.message).not.toMatch(FORBIDDEN);
  });
});
