import { DeliveryError, oneLine, redactUrl, scrub, type AlertMessage, type Channel } from './channel.js';
import { timerDelay } from '../core/timer-delay.js';
import { CHANNEL_LIMITS, fitPayload, shortenBody } from './limits.js';

/**
 * Webhooks: generic JSON, Slack and Microsoft Teams incoming webhooks. Uses
 * Node's built-in fetch: one POST with a timeout needs no library, and axios
 * stays the portal client's alone. Redirects are not followed, so an alert
 * (and a URL holding a token) never goes anywhere but the configured host.
 */
export type WebhookFlavour = 'webhook' | 'slack' | 'teams';

const MAX_RESPONSE_SHOWN = 200;

export class WebhookChannel implements Channel {
  readonly description: string;
  /** The URL and its path and query: any of them may carry the token. */
  private readonly secrets: string[];

  constructor(
    readonly id: string,
    readonly type: WebhookFlavour,
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.description = `${type} ${redactUrl(url)}`;
    const { pathname, search } = new URL(url);
    this.secrets = [url, pathname.length > 1 ? pathname : '', search];
  }

  async send(message: AlertMessage): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'pbx-activation-agent', 'idempotency-key': message.uid },
        body: payloadText(this.type, message),
        redirect: 'manual',
        signal: AbortSignal.timeout(timerDelay(this.timeoutMs)),
      });
    } catch (err) {
      throw new DeliveryError(`${this.description}: ${networkProblem(err, this.timeoutMs)}`);
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return;
    const said = text.trim() ? `: ${oneLine(this.redact(text), MAX_RESPONSE_SHOWN)}` : '';
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed; configure the final URL)' : '';
    throw new DeliveryError(`${this.description}: HTTP ${response.status}${redirect}${said}`);
  }

  redact(text: string): string {
    return scrub(text, this.secrets);
  }
}

/** The JSON body each receiver expects, fitted to what it accepts (notify/limits.ts). */
export function payloadText(type: WebhookFlavour, m: AlertMessage): string {
  switch (type) {
    case 'webhook':
      return fitPayload(m, CHANNEL_LIMITS.webhook.payloadBytes, genericPayload);
    case 'slack':
      return JSON.stringify(slackPayload(m));
    case 'teams':
      return fitPayload(m, CHANNEL_LIMITS.teams.payloadBytes, teamsPayload);
  }
}

export function genericPayload(m: AlertMessage): unknown {
  return { version: 1, id: m.uid, kind: m.kind, severity: m.severity, deploymentId: m.deploymentId, title: m.title, text: m.body, createdAt: m.createdAt, data: m.data };
}

/** Incoming webhooks take mrkdwn text; &, < and > must be escaped. The body is shortened until the text fits. */
function slackPayload(m: AlertMessage): { text: string } {
  const head = `${m.severity === 'critical' ? ':rotating_light: ' : ''}*${slackEscape(m.title)}*\n`;
  const max = CHANNEL_LIMITS.slack.textChars;
  for (let chars = m.body.length; ; chars = Math.floor(chars / 2)) {
    const text = `${head}${slackEscape(shortenBody(m.body, chars))}`;
    if (text.length <= max || chars === 0) return { text: text.slice(0, max) };
  }
}

/** An Adaptive Card, which Teams workflows ("When a Teams webhook request is received") and connectors accept. */
function teamsPayload(m: AlertMessage): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', wrap: true, color: m.severity === 'critical' ? 'Attention' : m.severity === 'warning' ? 'Warning' : 'Default' },
            ...m.body.split('\n').map((line) => ({ type: 'TextBlock', text: line === '' ? ' ' : line, wrap: true, spacing: 'None' })),
          ],
        },
      },
    ],
  };
}

function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Why a request got no answer, without the address details fetch puts in its messages. */
function networkProblem(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  const code = e.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the receiver running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name not resolved (${code})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed before an answer';
    case undefined:
      return 'request failed';
    default:
      return code.startsWith('ERR_TLS') || code.includes('CERT') ? `TLS problem (${code})` : `request failed (${code})`;
  }
}
