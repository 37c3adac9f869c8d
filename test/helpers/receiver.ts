import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Whether the receiver answered 2xx (took the alert). */
  accepted: boolean;
}

/** `ok`: 200; a number: that status; `hang`: never answer; `down`: the port is closed. */
export type ReceiverMode = 'ok' | 'hang' | number;

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** JSON bodies of the requests answered 2xx. */
  accepted(): Array<Record<string, unknown>>;
  mode: ReceiverMode;
  /** Answers this long after taking a request (a slow receiver): the alert is taken before the answer is sent. */
  delayMs: number;
  /** Resolves when at least `n` requests arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Listens again on the same port (after stop()). */
  start(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records what it receives; stopped after each test. */
export function useReceivers(): (path?: string) => Promise<Receiver> {
  const live: Receiver[] = [];
  afterEach(async () => {
    for (const r of live.splice(0)) await r.stop();
  });
  return async (path = '/hooks/T0KEN-s3cret-path') => {
    const r = await startReceiver(path);
    live.push(r);
    return r;
  };
}

export async function startReceiver(path: string, port = 0): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let server: Server | null = null;
  let boundPort = port;
  const receiver: Receiver = {
    url: '',
    requests,
    mode: 'ok',
    delayMs: 0,
    accepted: () => requests.filter((r) => r.accepted).map((r) => JSON.parse(r.body) as Record<string, unknown>),
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} requests, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          const entry: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, accepted: false };
          requests.push(entry);
          const mode = receiver.mode;
          if (mode === 'hang') return;
          const status = mode === 'ok' ? 200 : mode;
          entry.accepted = status >= 200 && status < 300;
          const answer = () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : `failure ${status} at ${req.url}`);
          if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs);
          else answer();
        });
      });
      await new Promise<void>((resolve) => server!.listen(boundPort, '127.0.0.1', () => resolve()));
      boundPort = (server!.address() as AddressInfo).port;
      (receiver as { url: string }).url = `http://127.0.0.1:${boundPort}${path}`;
    },
  };
  await receiver.start();
  return receiver;
}
