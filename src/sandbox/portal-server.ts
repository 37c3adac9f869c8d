import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatExpiry, parseExpiry } from '../core/expiry.js';
import { readState, type SandboxState } from './state.js';

export interface RunningPortal {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The portal simulator: docs/portal-api.md served on 127.0.0.1 from the
 * sandbox state, read afresh on every request so purchases and faults apply
 * at once. Faults make it misbehave the ways real servers and proxies do.
 */
export async function startPortalServer(dir: string, port = 0): Promise<RunningPortal> {
  const server = createServer((req, res) => {
    handle(dir, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: String((err as Error).message) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${actual}/api`, port: actual, close: () => closeServer(server) };
}

async function handle(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const state = readState(dir);
  const portal = state.portal;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');

  switch (portal.fault) {
    case 'hang':
      return; // accept, read, never answer
    case 'trickle':
      return trickle(res);
    case 'reset':
      req.socket.destroy();
      return;
    case 'slow':
      await new Promise((r) => setTimeout(r, portal.slowSeconds * 1000));
      break;
    case '5xx':
      res.setHeader('Retry-After', String(portal.retryAfterSeconds));
      return send(res, 503, { error: { code: 'unavailable', message: 'portal maintenance (simulated)' } });
    case '429':
      res.setHeader('Retry-After', String(portal.retryAfterSeconds));
      return send(res, 429, { error: { code: 'rate-limited', message: 'too many requests (simulated)' } });
    case 'unauthorized':
      return send(res, 401, { error: { code: 'unauthorized', message: 'token revoked (simulated)' } });
    case 'redirect-loop':
      res.writeHead(302, { Location: url.pathname + url.search }).end();
      return;
    default:
      break;
  }

  if (req.headers.authorization !== `Bearer ${portal.token}`) {
    return send(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
  }
  if (req.method !== 'GET') return send(res, 405, { error: { code: 'bad-request', message: 'only GET is supported' } });

  const entitlements = /^\/api\/v1\/deployments\/([^/]+)\/entitlements$/.exec(url.pathname);
  if (entitlements) return serveEntitlements(state, decodeURIComponent(entitlements[1]!), req, res);
  if (url.pathname === '/api/v1/changes') return serveChanges(state, url.searchParams.get('since') ?? '', res);
  return send(res, 404, { error: { code: 'not-found', message: `no such endpoint: ${url.pathname}` } });
}

function serveEntitlements(state: SandboxState, id: string, req: IncomingMessage, res: ServerResponse): void {
  const deployment = state.portal.deployments[id];
  if (!deployment) return send(res, 404, { error: { code: 'unknown-deployment', message: `deployment ${id} is not on this account` } });
  const body = {
    apiVersion: 1,
    deployment: { id, name: deployment.name, revision: deployment.revision, updatedAt: deployment.updatedAt },
    activation: deployment.activationExpires ? { expires: contractDate(deployment.activationExpires) } : null,
    supportContract: deployment.supportContractExpires ? { expires: contractDate(deployment.supportContractExpires) } : null,
    modules: Object.entries(deployment.modules).map(([key, m]) => ({
      key,
      name: m.name,
      licenseExpires: contractDate(m.licenseExpires),
      maintenanceExpires: contractDate(m.maintenanceExpires),
    })),
  };
  const fault = state.portal.fault;
  if (fault === 'bad-json') return sendRaw(res, 200, `${JSON.stringify(body).slice(0, 40)}`);
  if (fault === 'bad-schema') return send(res, 200, { apiVersion: 1, deployment: { id }, modules: 'all of them', expires: 0 });
  if (fault === 'huge') return sendRaw(res, 200, JSON.stringify({ ...body, padding: 'x'.repeat(3 * 1024 * 1024) }));

  const text = JSON.stringify(body);
  const etag = `"r${deployment.revision}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304).end();
    return;
  }
  sendRaw(res, 200, text);
}

function serveChanges(state: SandboxState, since: string, res: ServerResponse): void {
  const after = since === '' ? 0 : Number(since);
  if (!Number.isInteger(after) || after < 0) return send(res, 400, { error: { code: 'bad-request', message: 'since must be a cursor from an earlier answer' } });
  const changes = state.portal.changes.filter((c) => c.cursor > after);
  send(res, 200, {
    apiVersion: 1,
    cursor: String(state.portal.cursor),
    more: false,
    changes: changes.map((c) => ({ deploymentId: c.deploymentId, revision: state.portal.deployments[c.deploymentId]?.revision ?? 1, changedAt: c.at })),
  });
}

/** The contract's form: YYYY-MM-DD or "never", whatever format the state holds. */
function contractDate(text: string): string {
  const parsed = parseExpiry(text);
  return parsed ? formatExpiry(parsed) : text;
}

/** 200 and its headers at once, then one byte of the body a second, for ever: only a wall-clock limit ends it. */
function trickle(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': 1_000_000 });
  const timer = setInterval(() => res.write(' '), 1000);
  res.once('close', () => clearInterval(timer));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendRaw(res, status, JSON.stringify(body));
}

function sendRaw(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Hanging requests (the `hang` fault) would keep close() waiting forever.
    server.closeAllConnections();
  });
}
