import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandChannel, hookEnvironment } from '../../src/notify/command.js';
import { CHANNEL_LIMITS, fitBytes, fitPayload } from '../../src/notify/limits.js';
import { payloadText } from '../../src/notify/webhook.js';
import { runProcess, SpawnError } from '../../src/process/run-process.js';
import { sampleMessage } from '../helpers/alert-message.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/** Larger than any channel takes: 300,000 characters of CJK (900 KB of UTF-8) and 10,000 data items. */
const huge = sampleMessage({
  title: 'PBX 631: 10,000 items expire in 3 days',
  body: `Expiring:\n${'期限切れ '.repeat(60_000)}`,
  data: { kind: 'expiry', deploymentId: '631', items: Array.from({ length: 10_000 }, (_, i) => ({ item: `license:m${i}`, label: `m${i} licence` })) },
});

describe('fitting an alert to a channel', () => {
  it('fitBytes cuts on a character boundary and marks the cut', () => {
    expect(fitBytes('abc', 3)).toBe('abc');
    expect(fitBytes('ééééé', 7)).toBe('éé…');
    expect(Buffer.byteLength(fitBytes('期'.repeat(1000), 100))).toBeLessThanOrEqual(100);
    expect(fitBytes('期'.repeat(1000), 100)).not.toContain('\uFFFD');
  });

  it('fitPayload keeps a message that fits whole, then drops lists from data, then shortens the body', () => {
    const build = (m: typeof huge) => ({ title: m.title, text: m.body, data: m.data });
    const small = sampleMessage({ data: { kind: 'expiry', items: [1, 2] } });

    expect(JSON.parse(fitPayload(small, 10_000, build))).toEqual({ title: small.title, text: small.body, data: small.data });
    const onlyData = JSON.parse(fitPayload({ ...huge, body: 'short' }, 10_000, build)) as { text: string; data: Record<string, unknown> };
    expect(onlyData).toEqual({ title: huge.title, text: 'short', data: { kind: 'expiry', deploymentId: '631', truncated: true } });
    const both = fitPayload(huge, 10_000, build);
    expect(Buffer.byteLength(both)).toBeLessThanOrEqual(10_000);
    expect((JSON.parse(both) as { text: string }).text).toMatch(/^Expiring:\n期限切れ[\s\S]*shortened to fit this channel/);
  });

  it.each([
    ['webhook', CHANNEL_LIMITS.webhook.payloadBytes],
    ['teams', CHANNEL_LIMITS.teams.payloadBytes],
  ] as const)('%s payloads stay within %i bytes', (type, max) => {
    expect(Buffer.byteLength(payloadText(type, huge))).toBeLessThanOrEqual(max);
  });

  it("slack text stays within Slack's advised 4,000 characters, its mrkdwn escapes intact", () => {
    const text = (JSON.parse(payloadText('slack', { ...huge, body: '<b> & '.repeat(5000) })) as { text: string }).text;

    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text).toMatch(/^:rotating_light: \*PBX 631: 10,000 items expire in 3 days\*\n(&lt;b&gt; &amp; )+/);
    expect(text).toContain('shortened to fit this channel');
  });

  it("a hook's variables stay far below the kernel's 128 KiB per string, whatever the alert", () => {
    const env = hookEnvironment(huge);

    expect(Buffer.byteLength(env.ALERT_SUBJECT!)).toBeLessThanOrEqual(CHANNEL_LIMITS.command.subjectBytes);
    expect(Buffer.byteLength(env.ALERT_BODY!)).toBeLessThanOrEqual(CHANNEL_LIMITS.command.bodyBytes);
    expect(Buffer.byteLength(env.ALERT_JSON!)).toBeLessThanOrEqual(CHANNEL_LIMITS.command.jsonBytes);
    expect(JSON.parse(env.ALERT_JSON!)).toMatchObject({ title: huge.title, data: { truncated: true } });
  });

  it('a real hook gets a huge alert (it used to fail with E2BIG on every attempt)', async () => {
    const dir = tmp();
    const script = join(dir, 'hook.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$ALERT_SUBJECT" > ${join(dir, 'got')}\n`);
    chmodSync(script, 0o755);

    await new CommandChannel('hook', [script], 5000).send(huge);

    expect(readFileSync(join(dir, 'got'), 'utf8')).toBe(huge.title);
  });

  it('E2BIG from the command line itself says so, with the right fix', async () => {
    const err = (await new CommandChannel('hook', ['/bin/true', 'x'.repeat(200 * 1024)], 5000).send(sampleMessage()).catch((e: unknown) => e)) as Error;

    expect(err.message).toMatch(/cannot start it \(E2BIG\): its arguments and environment are more than the system accepts; shorten the arguments/);
    expect(err.message).not.toMatch(/check the path/);
  });

  it('runProcess reports a start refused at once (E2BIG) as a SpawnError like any other', async () => {
    const err = await runProcess(['/bin/true'], { timeoutMs: 5000, env: { BIG: 'x'.repeat(200 * 1024) } }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SpawnError);
    expect(err).toMatchObject({ code: 'E2BIG', argv: ['/bin/true'] });
  });
});
