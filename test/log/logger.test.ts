import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with an ISO time and a level name', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', stream: 'stdout', pretty: false, destination });

    log.info({ deploymentId: '631' }, 'hello');

    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', deploymentId: '631', msg: 'hello', time: expect.stringMatching(/Z$/) });
  });

  it('redacts secret-bearing fields at any of the first three levels', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', stream: 'stdout', pretty: false, destination });

    log.info({ token: 'T0KEN', headers: { authorization: 'Bearer T0KEN' }, smtp: { auth: { password: 'PW' } }, channel: { webhookUrl: 'https://hooks/x' } }, 'r');

    const text = lines.join('');
    expect(text).not.toMatch(/T0KEN|PW|hooks\/x/);
    expect(text).toContain('[redacted]');
  });

  it('honours the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', stream: 'stdout', pretty: false, destination });

    log.info({}, 'quiet');
    log.warn({}, 'loud');

    expect(lines).toHaveLength(1);
  });
});
