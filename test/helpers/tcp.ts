import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Local TCP stand-ins for hosts that misbehave, on 127.0.0.1 only. */
export interface TestServer {
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Accepts connections and never says a word: a PBX whose sshd is stuck. */
export async function startSilentServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  return { port: await listen(server), close: closer(server, sockets) };
}

/** A port nothing listens on (it was free a moment ago): connections are refused. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FreezableProxy extends TestServer {
  /** From now on, nothing passes in either direction: a link that went dead without closing. */
  freeze(): void;
}

/** Forwards to a local port until frozen. */
export async function startProxy(targetPort: number): Promise<FreezableProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (chunk) => frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => frozen || client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  return { port: await listen(server), close: closer(server, sockets), freeze: () => (frozen = true) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a server the code under test starts itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
