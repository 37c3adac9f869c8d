import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach } from 'vitest';

export interface SmtpRelay {
  readonly port: number;
  /** Every message taken, as raw RFC 5322 text. */
  readonly mail: string[];
}

/** Plain local relays on 127.0.0.1 (no TLS, no login) that keep every message they take; closed after each test. */
export function useSmtpRelays(): () => Promise<SmtpRelay> {
  const servers: SMTPServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
  });
  return async () => {
    const mail: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mail.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.server.address() as AddressInfo).port, mail };
  };
}
