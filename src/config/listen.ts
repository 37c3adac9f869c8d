import { isIP } from 'node:net';

/** `metrics.listen`, parsed without the config schema (the daemon must not need zod for it). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly loopback: boolean;
}

/** `127.0.0.1:9468`, `[::1]:9468`, `localhost:9468`, `0.0.0.0:9468`; null when not of that form. */
export function parseListen(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined && isIP(host) !== 6) return null;
  if (m[2] !== undefined && isIP(host) === 0 && !/^[a-zA-Z0-9.-]+$/.test(host)) return null;
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  return { host, port, loopback };
}
