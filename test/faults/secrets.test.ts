import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import { updateState } from '../../src/sandbox/state.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { cycleWorld, editConfig } from '../helpers/cycle.js';
import { rsaPrivateKey } from '../helpers/keys.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { deadPort } from '../helpers/tcp.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * Secret hygiene: every command, at debug and trace level, with a known portal
 * token, SMTP password, webhook URL and SSH key passphrase configured. None of
 * them may appear in any output, log line, error message or --json output.
 */
const SECRETS = {
  token: 'tok-SECRET-portal-7c1e9a',
  smtpPassword: 'smtp-SECRET-pass-5b2d8f',
  webhookPath: 'hook-SECRET-url-3a9f0c',
  passphrase: 'ssh-SECRET-passphrase-8e4b1d',
};
const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const tmp = useTmpDirs();

let smtp: SMTPServer;
let smtpPort: number;
let receiver: Receiver;

beforeAll(async () => {
  smtp = new SMTPServer({
    key: readFileSync(join(TLS, 'localhost.key')),
    cert: readFileSync(join(TLS, 'localhost.crt')),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    // Refuses every login: the password is sent, and the failure is what must not repeat it.
    onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  receiver = await startReceiver(`/${SECRETS.webhookPath}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await receiver.stop();
});

/** A sandbox with every kind of secret configured, and a fleet inventory whose key needs a passphrase. */
async function secretWorld() {
  const world = await cycleWorld(join(tmp(), 'w'));
  world.store.close();
  const dir = world.sandbox.dir;
  updateState(dir, (s) => void (s.portal.token = SECRETS.token));
  writeFileSync(join(dir, 'portal-token'), `${SECRETS.token}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'smtp-password'), `${SECRETS.smtpPassword}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'fleet.key'), rsaPrivateKey(SECRETS.passphrase), { mode: 0o600 });
  writeFileSync(join(dir, 'fleet.pass'), `${SECRETS.passphrase}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, 'fleet.json'),
    JSON.stringify({
      defaults: { user: 'asterisk', privateKeyFile: 'fleet.key', passphraseFile: 'fleet.pass' },
      hosts: [{ name: 'gone', address: '127.0.0.1', port: await deadPort(), hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    }),
  );
  editConfig(world.sandbox.config, (c) => {
    c.alerts = {
      retryAfter: '1s',
      channels: [
        { type: 'webhook', name: 'hook', url: `${receiver.url.replace(/\/[^/]*$/, '')}/${SECRETS.webhookPath}` },
        { type: 'webhook', name: 'dead', url: `http://127.0.0.1:1/${SECRETS.webhookPath}`, timeout: '1s' },
        {
          type: 'email',
          name: 'smtp',
          to: ['ops@example.com'],
          timeout: '5s',
          smtp: { host: '127.0.0.1', port: smtpPort, username: 'alerts', passwordFile: join(dir, 'smtp-password'), caFile: join(TLS, 'localhost.crt') },
        },
      ],
    };
    c.fleet = { inventory: join(dir, 'fleet.json'), jitter: 0, connectTimeout: '2s' };
  });
  return { dir, config: world.sandbox.config };
}

function assertClean(label: string, text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    expect(text.includes(secret), `${label} leaks the ${name}`).toBe(false);
  }
}

describe('no secret appears in any output', () => {
  it('every command, at debug and trace level, clean or failing', async () => {
    const { dir, config } = await secretWorld();
    recordPurchase(dir, { module: 'broadcast', until: '2027-12-31' });
    const commands: string[][] = [
      ['check', '--dry-run'],
      ['check'],
      ['check', '--json'],
      ['status'],
      ['status', '--json'],
      ['history'],
      ['history', '--json'],
      ['renew', '--force', '--yes'],
      ['renew', '--json', '--yes'],
      ['alerts', 'test'],
      ['alerts', 'test', '--json'],
      ['alerts', 'list'],
      ['alerts', 'list', '--json'],
      ['alerts', 'run', '--json'],
      ['doctor'],
      ['doctor', '--json'],
      ['config', 'check'],
      ['config', 'check', '--json'],
      ['fleet', 'check', '--json'],
      ['fleet', 'status', '--json'],
      ['fleet', 'renew', 'gone'],
      ['fleet', 'trust', 'gone', '--yes'],
    ];
    const outputs: Array<[string, CliResult]> = [];

    for (const level of ['debug', 'trace']) {
      for (const args of commands) outputs.push([`${args.join(' ')} (${level})`, await runCli([...args, '--log-level', level, '--config', config])]);
    }
    // The failing paths: the portal refusing the token, then garbage, then a broken config naming a secret file.
    updateState(dir, (s) => void (s.portal.fault = 'unauthorized'));
    outputs.push(['check (portal refuses the token)', await runCli(['check', '--log-level', 'trace', '--config', config])]);
    updateState(dir, (s) => void (s.portal.fault = 'bad-schema'));
    outputs.push(['check (portal garbage)', await runCli(['check', '--json', '--log-level', 'trace', '--config', config])]);
    updateState(dir, (s) => void (s.portal.fault = 'none'));
    writeFileSync(join(dir, 'portal-token'), `${SECRETS.token}\n`, { mode: 0o644 });
    outputs.push(['check (token file readable by others)', await runCli(['check', '--log-level', 'trace', '--config', config])]);

    expect(outputs.some(([, r]) => r.code === 0)).toBe(true);
    for (const [label, result] of outputs) assertClean(label, `${result.stdout}\n${result.stderr}`);
    // Nor does the store keep any (the outbox, run errors, the portal's last answer).
    for (const file of ['agent.db', 'agent.db-wal'].filter((f) => existsSync(join(dir, f)))) {
      assertClean(file, readFileSync(join(dir, file)).toString('latin1'));
    }
  }, 300_000);

  it('the daemon, at trace level, through a scheduled cycle and alert run', async () => {
    const { config } = await secretWorld();
    editConfig(config, (c) => void (c.schedule = { check: '*/2 * * * * *' }));
    const child = spawn(process.execPath, [BIN, 'run', '--log-level', 'trace', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));

    const deadline = Date.now() + 30_000;
    while ((output.match(/scheduled check finished/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));

    expect(output).toMatch(/scheduled check finished/);
    assertClean('run', output);
  }, 60_000);
});
