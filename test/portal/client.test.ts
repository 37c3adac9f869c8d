import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PortalError } from '../../src/errors.js';
import { runProcess } from '../../src/process/run-process.js';
import { silentLogger } from '../../src/log/logger.js';
import { PortalClient, type PortalClientOptions } from '../../src/portal/client.js';
import { portalPollBoundMs } from '../../src/portal/poll-bound.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Store } from '../../src/store/store.js';
import { httpServer, json, silentTcpServer, testCa } from '../helpers/http-server.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const TOKEN = 'tok-3f9a-SECRET-value';

const ENTITLEMENTS = {
  apiVersion: 1,
  deployment: { id: '631', name: 'Main', revision: 3, updatedAt: '2026-11-26T09:00:00Z' },
  activation: { expires: '2030-09-26' },
  supportContract: null,
  modules: [{ key: 'broadcast', name: 'Broadcast', licenseExpires: '2027-12-01', maintenanceExpires: null, futureField: 'ignored' }],
};

function client(url: string, overrides: Partial<PortalClientOptions> = {}, sleeps: number[] = []) {
  const store = Store.open(join(tmp(), 'agent.db'));
  const portal = new PortalClient(
    { url, token: TOKEN, connectTimeoutMs: 2000, timeoutMs: 3000, retries: 2, retryBaseMs: 100, retryMaxMs: 2000, userAgent: 'test', ...overrides },
    store.portalCache,
    silentLogger,
    async (ms) => void sleeps.push(ms),
    () => 0.5,
  );
  return { portal, store };
}

async function failure(promise: Promise<unknown>): Promise<PortalError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PortalError);
  expect(JSON.stringify({ message: (err as Error).message, hint: (err as PortalError).hint })).not.toContain(TOKEN);
  return err as PortalError;
}

describe('PortalClient', () => {
  it('sends the token only as a bearer header and validates the answer', async () => {
    const server = await httpServer((_req, res) => json(res, 200, ENTITLEMENTS, { ETag: '"r3"' }));
    const { portal } = client(server.url);

    const answer = await portal.entitlements('631');

    expect(answer.value.modules[0]).toMatchObject({ key: 'broadcast', licenseExpires: { kind: 'date', date: '2027-12-01' } });
    expect(answer.serverDate).toBeInstanceOf(Date);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]!.url).toBe('/api/v1/deployments/631/entitlements');
  });

  it('uses If-None-Match and the stored answer on 304', async () => {
    const server = await httpServer((req, res) => {
      if (req.headers['if-none-match'] === '"r3"') res.writeHead(304).end();
      else json(res, 200, ENTITLEMENTS, { ETag: '"r3"' });
    });
    const { portal, store } = client(server.url);

    await portal.entitlements('631');
    const second = await portal.entitlements('631');

    expect(second.notModified).toBe(true);
    expect(second.value.deployment.revision).toBe(3);
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"r3"']);
    expect(store.portalCache.get('631')?.etag).toBe('"r3"');
  });

  it('retries 5xx with jittered exponential backoff, then succeeds', async () => {
    let calls = 0;
    const server = await httpServer((_req, res) => (++calls < 3 ? json(res, 503, { error: { code: 'x', message: 'busy' } }) : json(res, 200, ENTITLEMENTS)));
    const sleeps: number[] = [];
    const { portal } = client(server.url, {}, sleeps);

    const answer = await portal.entitlements('631');

    expect(answer.attempts).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('honours Retry-After on 429', async () => {
    let calls = 0;
    const server = await httpServer((_req, res) => (++calls === 1 ? json(res, 429, {}, { 'Retry-After': '1' }) : json(res, 200, ENTITLEMENTS)));
    const sleeps: number[] = [];
    const { portal } = client(server.url, {}, sleeps);

    await portal.entitlements('631');

    expect(sleeps).toEqual([1000]);
  });

  it('gives up at once when Retry-After is beyond retryMax, saying when to come back', async () => {
    const server = await httpServer((_req, res) => json(res, 429, {}, { 'Retry-After': '3600' }));
    const sleeps: number[] = [];

    const err = await failure(client(server.url, {}, sleeps).portal.entitlements('631'));

    expect(err.reason).toBe('rate-limited');
    expect(err.message).toMatch(/come back in 60m/);
    expect(sleeps).toEqual([]);
  });

  it.each([
    [503, 'server-error', '100000', /HTTP 503.*come back in 28h/],
    [429, 'rate-limited', '100000', /429.*come back in 28h/],
    [503, 'server-error', new Date(Date.now() + 3 * 3_600_000).toUTCString(), /HTTP 503.*come back in 3h/],
    [500, 'server-error', new Date(Date.now() + 3 * 3_600_000).toUTCString(), /HTTP 500.*come back in/],
  ] as const)('ends the attempts when %i sends a Retry-After (%s, %s) beyond retryMax', async (status, reason, retryAfter, message) => {
    const server = await httpServer((_req, res) => json(res, status, { error: { code: 'x', message: 'busy' } }, { 'Retry-After': retryAfter }));
    const sleeps: number[] = [];

    const err = await failure(client(server.url, {}, sleeps).portal.entitlements('631'));

    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('honours a Retry-After date on a 5xx; one in the past means no wait beyond the backoff', async () => {
    let calls = 0;
    const dates = [new Date(Date.now() - 3_600_000).toUTCString(), new Date(Date.now() + 1500).toUTCString()];
    const server = await httpServer((_req, res) => (calls < 2 ? json(res, 503, {}, { 'Retry-After': dates[calls++]! }) : json(res, 200, ENTITLEMENTS)));
    const sleeps: number[] = [];

    await client(server.url, {}, sleeps).portal.entitlements('631');

    expect(sleeps[0]).toBe(50);
    expect(sleeps[1]).toBeGreaterThan(100);
    expect(sleeps[1]).toBeLessThanOrEqual(2000);
  });

  it.each([
    [401, 'unauthorized', /refused the token/],
    [403, 'forbidden', /may not see/],
    [404, 'unknown-deployment', /does not know this deployment/],
  ] as const)('does not retry %i (%s)', async (status, reason, message) => {
    const server = await httpServer((_req, res) => json(res, status, { error: { code: reason, message: 'nope' } }));

    const err = await failure(client(server.url).portal.entitlements('631'));

    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(message);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"apiVersion": 1, "deploym', /not JSON/],
    ['the wrong shape', JSON.stringify({ apiVersion: 1, modules: 'all' }), /does not follow the portal contract: deployment/],
    ['a future major version', JSON.stringify({ ...ENTITLEMENTS, apiVersion: 2 }), /apiVersion/],
    ['a date in another format', JSON.stringify({ ...ENTITLEMENTS, activation: { expires: '04-Sep-2030' } }), /activation\.expires: must be YYYY-MM-DD/],
    ['duplicate module keys', JSON.stringify({ ...ENTITLEMENTS, modules: [ENTITLEMENTS.modules[0], ENTITLEMENTS.modules[0]] }), /unique/],
    ['a hostile module key', JSON.stringify({ ...ENTITLEMENTS, modules: [{ ...ENTITLEMENTS.modules[0], key: 'x; rm -rf /' }] }), /licence key/],
    ['another deployment', JSON.stringify({ ...ENTITLEMENTS, deployment: { ...ENTITLEMENTS.deployment, id: '999' } }), /answered for deployment 999/],
  ])('refuses an answer with %s, without retrying', async (_what, body, message) => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body));

    const err = await failure(client(server.url).portal.entitlements('631'));

    expect(err.reason).toBe('bad-response');
    expect(err.message).toMatch(message);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a body over 1 MiB', async () => {
    const server = await httpServer((_req, res) => json(res, 200, { ...ENTITLEMENTS, padding: 'x'.repeat(2 * 1024 * 1024) }));

    const err = await failure(client(server.url).portal.entitlements('631'));

    expect(err.reason).toBe('too-large');
  });

  it('stops a redirect loop', async () => {
    const server = await httpServer((req, res) => res.writeHead(302, { Location: req.url! }).end());

    const err = await failure(client(server.url).portal.entitlements('631'));

    expect(err.reason).toBe('redirect');
    expect(server.requests.length).toBeLessThanOrEqual(4);
  });

  it('never follows a redirect to another origin with the token', async () => {
    const elsewhere = await httpServer((_req, res) => json(res, 200, ENTITLEMENTS));
    const server = await httpServer((_req, res) => res.writeHead(302, { Location: `${elsewhere.url}/v1/deployments/631/entitlements` }).end());

    const err = await failure(client(server.url).portal.entitlements('631'));

    expect(err.reason).toBe('redirect');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('times out a portal that accepts and never answers, retrying within its budget', async () => {
    const server = await httpServer(() => undefined);
    const started = Date.now();

    const err = await failure(client(server.url, { timeoutMs: 500, retries: 1 }).portal.entitlements('631'));

    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/did not answer within 500ms/);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['trickles its body, one byte at a time', trickle],
    ['sends its headers slowly, one byte at a time', slowHeaders],
  ])('ends every attempt at portal.timeout wall-clock when the server %s', async (_what, handler) => {
    const server = await httpServer(handler);
    const started = Date.now();

    const err = await failure(client(server.url, { timeoutMs: 400, retries: 2 }).portal.entitlements('631'));

    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/did not answer within 400ms/);
    expect(server.requests).toHaveLength(3);
    // 3 attempts of 400 ms; the sleeps are not real here.
    expect(Date.now() - started).toBeLessThan(3 * 400 + 1000);
  });

  it('gives up on a stalled TLS handshake at portal.timeout even when connectTimeout is longer', async () => {
    const silent = await silentTcpServer();
    const started = Date.now();

    const err = await failure(client(`https://127.0.0.1:${silent.port}/api`, { connectTimeoutMs: 30_000, timeoutMs: 300, retries: 1 }).portal.entitlements('631'));

    expect(err.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2 * 300 + 1000);
  });

  it('closes the connection of an attempt it gave up on', async () => {
    const closed: number[] = [];
    const server = await httpServer((req, res) => {
      req.socket.once('close', () => closed.push(Date.now()));
      trickle(req, res);
    });
    const started = Date.now();

    await failure(client(server.url, { timeoutMs: 300, retries: 0 }).portal.entitlements('631'));
    await new Promise((r) => setTimeout(r, 200));

    expect(closed).toHaveLength(1);
    expect(closed[0]! - started).toBeLessThan(300 + 500);
  });

  it('stops at once when the caller aborts, whatever the server does', async () => {
    const server = await httpServer(trickle);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();

    const err = await failure(client(server.url, { timeoutMs: 10_000, retries: 3 }).portal.entitlements('631', stop.signal));

    expect(err.message).toMatch(/cancelled/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('bounds the whole poll by attempts x timeout + retries x retryMax, with real sleeps', async () => {
    const server = await httpServer(trickle);
    const store = Store.open(join(tmp(), 'agent.db'));
    const options = { url: server.url, token: TOKEN, connectTimeoutMs: 2000, timeoutMs: 300, retries: 2, retryBaseMs: 200, retryMaxMs: 200, userAgent: 'test' };
    const portal = new PortalClient(options, store.portalCache, silentLogger);
    const started = Date.now();

    const err = await failure(portal.entitlements('631'));

    expect(err.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThanOrEqual(portalPollBoundMs(options) + 500);
    expect(portalPollBoundMs(options)).toBe(3 * 300 + 2 * 200 + 1000);
  });

  it('keeps every attempt bounded while the garbage collector runs, with a caller signal (nodejs/node#57736)', async () => {
    const server = await httpServer(trickle);
    // A process of its own, collecting garbage every 20 ms: the built client, as the agent runs it.
    const script = `
      import { PortalClient } from ${JSON.stringify(new URL('../../dist/src/portal/client.js', import.meta.url).href)};
      import { silentLogger } from ${JSON.stringify(new URL('../../dist/src/log/logger.js', import.meta.url).href)};
      setInterval(() => globalThis.gc(), 20).unref();
      const cache = { get: () => null, put() {}, touch() {} };
      const options = { url: ${JSON.stringify(server.url)}, token: 't', connectTimeoutMs: 1000, timeoutMs: 300, retries: 2, retryBaseMs: 10, retryMaxMs: 10, userAgent: 'test' };
      const started = Date.now();
      await new PortalClient(options, cache, silentLogger).entitlements('631', new AbortController().signal).catch((e) => console.log(e.message));
      console.log('ended after', Date.now() - started);
    `;

    const run = await runProcess([process.execPath, '--expose-gc', '--input-type=module', '-e', script], { timeoutMs: 8000 });

    expect(run.timedOut, run.stderr).toBe(false);
    expect(run.stdout).toMatch(/did not answer within 300ms/);
    expect(Number(/ended after (\d+)/.exec(run.stdout)?.[1])).toBeLessThan(3 * 300 + 2 * 10 + 1000);
  });

  it('reports a reset connection and a refused one as unreachable', async () => {
    const reset = await httpServer((req) => req.socket.destroy());
    const refused = await httpServer(() => undefined);
    const refusedUrl = refused.url.replace(String(refused.port), '1');

    expect((await failure(client(reset.url, { retries: 0 }).portal.entitlements('631'))).message).toMatch(/closed the connection/);
    expect((await failure(client(refusedUrl, { retries: 0 }).portal.entitlements('631'))).message).toMatch(/connection refused/);
  });

  it('gives up connecting after connectTimeout when the TLS handshake never comes', async () => {
    const silent = await silentTcpServer();
    const started = Date.now();

    const err = await failure(client(`https://127.0.0.1:${silent.port}/api`, { connectTimeoutMs: 300, timeoutMs: 10_000, retries: 0 }).portal.entitlements('631'));

    expect(err.reason).toBe('timeout');
    expect(err.message).toMatch(/no answer to the connection attempt/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('verifies TLS: refuses an unknown CA, accepts it from caFile', async () => {
    const server = await httpServer((_req, res) => json(res, 200, ENTITLEMENTS), { tls: true });

    const err = await failure(client(server.url, { retries: 0 }).portal.entitlements('631'));
    const answer = await client(server.url, { ca: testCa() }).portal.entitlements('631');

    expect(err.reason).toBe('tls');
    expect(err.hint).toMatch(/portal\.caFile/);
    expect(answer.value.deployment.id).toBe('631');
  });

  it('reads the change feed', async () => {
    const server = await httpServer((_req, res) =>
      json(res, 200, { apiVersion: 1, cursor: '7', more: false, changes: [{ deploymentId: '631', revision: 4, changedAt: '2026-11-26T09:00:00Z' }] }),
    );

    const answer = await client(server.url).portal.changesSince('5');

    expect(answer.value.changes.map((c) => c.deploymentId)).toEqual(['631']);
    expect(server.requests[0]!.url).toBe('/api/v1/changes?since=5');
  });
});

/** 200 and its headers at once, then one byte of the body every 100 ms. */
function trickle(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100000' });
  const timer = setInterval(() => res.write(' '), 100);
  req.socket.once('close', () => clearInterval(timer));
}

/** The status line and headers, one byte every 100 ms. */
function slowHeaders(req: IncomingMessage): void {
  const text = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ' + 'x'.repeat(1000);
  let i = 0;
  const timer = setInterval(() => {
    if (!req.socket.destroyed) req.socket.write(text[i++ % text.length]!);
  }, 100);
  req.socket.once('close', () => clearInterval(timer));
}
