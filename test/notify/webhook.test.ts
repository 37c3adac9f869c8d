import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookChannel } from '../../src/notify/webhook.js';
import { sampleMessage } from '../helpers/alert-message.js';
import { useReceivers } from '../helpers/receiver.js';

const receiver = useReceivers();

const message = sampleMessage({
  body: 'Expiring on 2026-12-01 (5 days left):\n  - broadcast licence <license:broadcast>\n\nWhat to do: renew & run pbx-activation-agent renew --wait 30m',
  data: { items: [{ item: 'license:broadcast' }] },
});

const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('webhook channels against a real HTTP receiver', () => {
  it('generic webhook: JSON with id, kind, severity, title, text and data, and an Idempotency-Key', async () => {
    const r = await receiver();

    await new WebhookChannel('hook', 'webhook', r.url, 2000).send(message);

    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ method: 'POST', path: '/hooks/T0KEN-s3cret-path' });
    expect(r.requests[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': message.uid });
    expect(JSON.parse(r.requests[0]!.body)).toEqual({
      version: 1,
      id: message.uid,
      kind: 'expiry',
      severity: 'critical',
      deploymentId: '631',
      title: message.title,
      text: message.body,
      createdAt: message.createdAt,
      data: message.data,
    });
  });

  it('slack: mrkdwn text with &, < and > escaped', async () => {
    const r = await receiver();

    await new WebhookChannel('slack', 'slack', r.url, 2000).send(message);

    const body = JSON.parse(r.requests[0]!.body) as { text: string };
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/^:rotating_light: \*PBX 631: broadcast licence expires in 5 days \(2026-12-01\)\*\n/);
    expect(body.text).toContain('&lt;license:broadcast&gt;');
    expect(body.text).toContain('renew &amp; run');
  });

  it('teams: an Adaptive Card message, title bold, one text block per line', async () => {
    const r = await receiver();

    await new WebhookChannel('teams', 'teams', r.url, 2000).send(message);

    const body = JSON.parse(r.requests[0]!.body) as { type: string; attachments: Array<{ contentType: string; content: { type: string; version: string; body: Array<{ text: string; weight?: string; color?: string }> } }> };
    expect(body.type).toBe('message');
    expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0]!.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ text: message.title, weight: 'Bolder', color: 'Attention' });
    expect(card.body.slice(1).map((b) => b.text)).toEqual(message.body.split('\n').map((l) => l || ' '));
  });

  it.each([
    ['500 echoing the URL', 500, /^webhook http:\/\/127\.0\.0\.1:\d+: HTTP 500: failure 500 at \[redacted\]$/],
    ['404', 404, /: HTTP 404: /],
  ])('%s: fails with the status, never the URL path', async (_what, status, error) => {
    const r = await receiver();
    r.mode = status;

    const sent = new WebhookChannel('hook', 'webhook', r.url, 2000).send(message);

    await expect(sent).rejects.toThrow(error);
    await expect(sent).rejects.not.toThrow(/T0KEN/);
  });

  it('a receiver that never answers: fails at the timeout', async () => {
    const r = await receiver();
    r.mode = 'hang';
    const started = Date.now();

    await expect(new WebhookChannel('hook', 'webhook', r.url, 1000).send(message)).rejects.toThrow(/^webhook http:\/\/127\.0\.0\.1:\d+: no answer within 1s$/);

    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a closed port: connection refused', async () => {
    const r = await receiver();
    await r.stop();

    await expect(new WebhookChannel('hook', 'slack', r.url, 1000).send(message)).rejects.toThrow(/^slack http:\/\/127\.0\.0\.1:\d+: connection refused/);
  });

  it('a redirect is not followed: the alert and the URL go nowhere else', async () => {
    const elsewhere = await receiver('/elsewhere');
    const server = createServer((_req, res) => res.writeHead(307, { location: elsewhere.url }).end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0KEN`;

    await expect(new WebhookChannel('hook', 'webhook', url, 2000).send(message)).rejects.toThrow(/HTTP 307 \(redirects are not followed/);

    expect(elsewhere.requests).toEqual([]);
  });

  it('describes itself by scheme and host only', () => {
    expect(new WebhookChannel('hook', 'slack', 'https://hooks.slack.com/services/T000/B000/XXXX?x=1', 1000).description).toBe('slack https://hooks.slack.com');
  });
});
