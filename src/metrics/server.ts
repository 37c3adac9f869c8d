import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ListenAddress } from '../config/listen.js';
import { AgentError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from './metrics.js';

/** The metrics listener could not be opened (port taken, address not local). */
export class MetricsListenError extends AgentError {}

/**
 * What the listener serves besides the metrics: views over the store, made at each request, in pieces sent as
 * they are made (a fleet's feed is 54 MB: never one string in the daemon).
 */
export interface ListenerPages {
  /** The iCalendar feed (`/calendar.ics`). */
  calendar(): Promise<Iterable<string>>;
  /** The timeline page (`/`). */
  timeline(): Promise<Iterable<string>>;
}

/** The timeline page needs nothing but its inline style: the browser is told so. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

/** `/metrics` (Prometheus text format), `/healthz`, and with pages `/calendar.ics` and `/` (the timeline) over plain HTTP. */
export class MetricsServer {
  private server: Server | null = null;

  constructor(
    readonly address: ListenAddress,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly pages: ListenerPages | null = null,
  ) {}

  get description(): string {
    return this.address.host.includes(':') ? `[${this.address.host}]:${this.address.port}` : `${this.address.host}:${this.address.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 10_000;
    server.headersTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(this.listenFailure(err)));
      server.listen({ host: this.address.host, port: this.address.port }, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err: errorMessage(err) }, 'metrics listener error'));
    this.server = server;
    this.log.info({ listen: this.description }, 'metrics listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    try {
      if (path === '/metrics') {
        const body = await this.metrics.text();
        res.writeHead(200, { 'content-type': this.metrics.contentType }).end(req.method === 'HEAD' ? undefined : body);
      } else if (path === '/healthz') {
        const health = this.metrics.health();
        res.writeHead(health.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(`${health.ok ? 'ok' : 'unhealthy'}: ${health.reason}\n`);
      } else if (path === '/calendar.ics' && this.pages) {
        await send(req, res, { 'content-type': 'text/calendar; charset=utf-8', 'content-disposition': 'inline; filename="pbx-licence-expiries.ics"', 'cache-control': 'no-cache' }, await this.pages.calendar());
      } else if (path === '/' && this.pages) {
        await send(req, res, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_POLICY, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }, await this.pages.timeline());
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${this.pages ? '/, /calendar.ics, ' : ''}/metrics or /healthz\n`);
      }
    } catch (err) {
      if (res.headersSent) {
        // Part of a page is out (or the client went away while it was sent): nothing to say but to end the connection.
        if (!isClosedEarly(err)) this.log.error({ path, err: errorMessage(err) }, 'metrics request failed while sending');
        res.destroy();
        return;
      }
      this.log.error({ path, err: errorMessage(err) }, 'metrics request failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`error: ${errorMessage(err)}\n`);
    }
  }

  private listenFailure(err: NodeJS.ErrnoException): MetricsListenError {
    const where = this.description;
    if (err.code === 'EADDRINUSE') {
      return new MetricsListenError(
        `cannot serve metrics on ${where}: the address is already in use`,
        `Another process listens there (see: ss -ltnp 'sport = :${this.address.port}'); stop it or set metrics.listen to a free port.`,
        { cause: err },
      );
    }
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
      return new MetricsListenError(`cannot serve metrics on ${where}: no such local address`, 'Set metrics.listen to an address of this host, e.g. 127.0.0.1:9468.', { cause: err });
    }
    if (err.code === 'EACCES') {
      return new MetricsListenError(`cannot serve metrics on ${where}: permission denied`, 'Ports below 1024 need privileges the agent does not have; use a port above 1024.', { cause: err });
    }
    return new MetricsListenError(`cannot serve metrics on ${where}: ${err.message}`, 'Check metrics.listen.', { cause: err });
  }
}

/** A view's pieces, each sent when the client has taken the last (backpressure); a client that goes away stops the making. */
async function send(req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders, body: Iterable<string>): Promise<void> {
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(Readable.from(body), res);
}

function isClosedEarly(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
}
