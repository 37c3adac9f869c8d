import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertSettings } from '../../src/config/alerts-schema.js';
import type { Channel } from '../../src/notify/channel.js';
import { buildChannels } from '../../src/notify/build.js';
import { sampleMessage } from '../helpers/alert-message.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const PASSWORD = 'correct horse battery staple';

const message = sampleMessage({ uid: '3f1c2b8e-0000-4000-8000-000000000002', severity: 'warning', body: 'Expiring on 2026-12-01.\n\nWhat to do: pbx-activation-agent renew --wait 30m' });

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly user: string | undefined;
  readonly secure: boolean;
  readonly raw: string;
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A real SMTP server on 127.0.0.1 (STARTTLS with the test certificate, login required). */
async function smtpServer(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; mail: Received[] }> {
  const mail: Received[] = [];
  const server = new SMTPServer({
    key: readFileSync(join(TLS, 'localhost.key')),
    cert: readFileSync(join(TLS, 'localhost.crt')),
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alerts' && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mail.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, mail };
}

async function emailChannel(dir: string, email: Record<string, unknown>): Promise<Channel> {
  const settings = AlertSettings.parse({ channels: [{ type: 'email', to: ['ops@example.com', 'root@localhost'], from: 'pbx@example.com', timeout: '5s', ...email }] });
  const [channel] = await buildChannels(settings, join(dir, 'agent.json'), {});
  return channel!;
}

function passwordFile(dir: string, password = PASSWORD): string {
  const file = join(dir, 'smtp-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

const unfold = (raw: string) => raw.replace(/\r?\n[ \t]+/g, ' ');

describe('email over SMTP, to a real SMTP server', () => {
  it('STARTTLS, login with the password from its file, the message with subject, id and body', async () => {
    const dir = tmp();
    const server = await smtpServer();
    const channel = await emailChannel(dir, { smtp: { host: '127.0.0.1', port: server.port, username: 'alerts', passwordFile: passwordFile(dir), caFile: join(TLS, 'localhost.crt') } });

    await channel.send(message);

    expect(server.mail).toHaveLength(1);
    const [mail] = server.mail;
    expect(mail).toMatchObject({ from: 'pbx@example.com', to: ['ops@example.com', 'root@localhost'], user: 'alerts', secure: true });
    const raw = unfold(mail!.raw);
    expect(raw).toMatch(/^Subject: PBX 631: broadcast licence expires in 5 days \(2026-12-01\)\r?$/m);
    expect(raw).toMatch(/^Message-ID: <3f1c2b8e-0000-4000-8000-000000000002@pbx-activation-agent>\r?$/m);
    expect(raw).toMatch(/^Auto-Submitted: auto-generated\r?$/m);
    expect(raw).toContain('What to do: pbx-activation-agent renew --wait 30m');
    expect(channel.description).toBe(`email via SMTP 127.0.0.1:${server.port} to ops@example.com, root@localhost`);
  });

  it('a wrong password: fails saying so, without the password', async () => {
    const dir = tmp();
    const server = await smtpServer();
    const channel = await emailChannel(dir, { smtp: { host: '127.0.0.1', port: server.port, username: 'alerts', passwordFile: passwordFile(dir, 'wrong-Pa55word'), caFile: join(TLS, 'localhost.crt') } });

    const sent = channel.send(message);

    await expect(sent).rejects.toThrow(/Invalid login: 535 .*\(check smtp.username and the password file\)$/);
    await expect(sent).rejects.not.toThrow(/wrong-Pa55word/);
    expect(server.mail).toEqual([]);
  });

  it('a server that does not offer STARTTLS: refused, nothing sent in clear', async () => {
    const dir = tmp();
    const server = await smtpServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const channel = await emailChannel(dir, { smtp: { host: '127.0.0.1', port: server.port, username: 'alerts', passwordFile: passwordFile(dir), caFile: join(TLS, 'localhost.crt') } });

    await expect(channel.send(message)).rejects.toThrow(/STARTTLS/);

    expect(server.mail).toEqual([]);
  });

  it('a certificate from an unknown CA: refused', async () => {
    const dir = tmp();
    const server = await smtpServer();
    const channel = await emailChannel(dir, { smtp: { host: '127.0.0.1', port: server.port, username: 'alerts', passwordFile: passwordFile(dir) } });

    await expect(channel.send(message)).rejects.toThrow(/self.signed|certificate/i);

    expect(server.mail).toEqual([]);
  });
});

describe('email through the local MTA (the sendmail interface)', () => {
  function fakeSendmail(dir: string, script: string): string {
    const path = join(dir, 'sendmail');
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('pipes the composed message to sendmail -i with the recipients as arguments', async () => {
    const dir = tmp();
    const sendmail = fakeSendmail(dir, `printf '%s\\n' "$@" > ${dir}/args\ncat > ${dir}/message`);
    const channel = await emailChannel(dir, { sendmail });

    await channel.send(message);

    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe('-i\nops@example.com\nroot@localhost\n');
    const raw = unfold(readFileSync(join(dir, 'message'), 'utf8'));
    expect(raw).toMatch(/^From: pbx@example.com$/m);
    expect(raw).toMatch(/^To: ops@example.com, root@localhost$/m);
    expect(raw).toMatch(/^Subject: PBX 631: broadcast licence expires in 5 days \(2026-12-01\)$/m);
    expect(raw).toContain('Expiring on 2026-12-01.');
    expect(channel.description).toBe(`email via ${sendmail} to ops@example.com, root@localhost`);
  });

  it.each([
    ['exits 75 (queue full)', 'echo "sendmail: fatal: queue file write error" >&2; exit 75', /sendmail exited with status 75: sendmail: fatal: queue file write error$/],
    ['hangs', 'sleep 30', /sendmail did not finish within 1s \(stopped\)$/],
  ])('sendmail %s: fails with what it said', async (_what, script, error) => {
    const dir = tmp();
    const channel = await emailChannel(dir, { sendmail: fakeSendmail(dir, script), timeout: '1s' });

    await expect(channel.send(message)).rejects.toThrow(error);
  });

  it('no MTA installed: says so', async () => {
    const dir = tmp();
    const channel = await emailChannel(dir, { sendmail: join(dir, 'no-such-sendmail') });

    await expect(channel.send(message)).rejects.toThrow(/cannot run .*no-such-sendmail: ENOENT \(no local MTA: install one/);
  });
});
