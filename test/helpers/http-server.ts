import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp, type AddressInfo, type Socket } from 'node:net';
import { afterEach } from 'vitest';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly requests: IncomingMessage[];
}

const TLS = new URL('../fixtures/tls/', import.meta.url);
const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

/** A real HTTP (or HTTPS, with the test CA) server on 127.0.0.1, closed after the test. */
export async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void, options: { tls?: boolean } = {}): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const wrapped = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req);
    handler(req, res);
  };
  const server: Server = options.tls
    ? createHttps({ key: readFileSync(new URL('server.key', TLS)), cert: readFileSync(new URL('server.pem', TLS)) }, wrapped)
    : createHttp(wrapped);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/api`, port, requests };
}

/** A TCP server that accepts connections and never says anything. */
export async function silentTcpServer(): Promise<{ port: number }> {
  const sockets: Socket[] = [];
  const server = createTcp((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push(
    () =>
      new Promise((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port };
}

export function testCa(): Buffer {
  return readFileSync(new URL('ca.pem', TLS));
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}
