import type { AlertMessage } from './channel.js';

/**
 * What each channel accepts, and how an alert is fitted to it. Alerts are
 * already summarised and bounded when written to the outbox (alerts/messages.ts);
 * these are the last guard, per transport, so that no alert can fail forever
 * for being too large.
 */
export const CHANNEL_LIMITS = {
  /**
   * Hook environment variables. Linux refuses one `NAME=value` string over
   * MAX_ARG_STRLEN (128 KiB) and argv plus environment over ARG_MAX (2 MiB by
   * default) with E2BIG; these stay far below both, together about 100 KiB.
   */
  command: { subjectBytes: 1024, bodyBytes: 32 * 1024, jsonBytes: 64 * 1024 },
  /** Slack truncates `text` beyond 40,000 characters and advises at most 4,000 for readable messages. */
  slack: { textChars: 4000 },
  /** Teams refuses a webhook message over 28 KB; a margin is kept for its own wrapping. */
  teams: { payloadBytes: 24 * 1024 },
  /** Our generic JSON webhook: at most 64 KiB (docs in the README, "Alerts"). */
  webhook: { payloadBytes: 64 * 1024 },
  /** E-mail: nodemailer folds headers and encodes long body lines (SMTP allows 998 per line); the body is bounded all the same. */
  email: { bodyBytes: 256 * 1024 },
} as const;

const SHORTENED = '\n[... shortened to fit this channel; `pbx-activation-agent alerts list` and `status` show everything]';

/** At most `maxBytes` of UTF-8, cut on a character boundary, with `…` when cut. */
export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  // Decoding a cut buffer turns a split character into U+FFFD: dropped with the rest.
  const cut = Buffer.from(text).subarray(0, Math.max(0, maxBytes - 3)).toString('utf8').replace(/\uFFFD+$/, '');
  return `${cut}…`;
}

/** The body shortened to `maxChars`, saying it was. */
export function shortenBody(body: string, maxChars: number): string {
  if (body.length <= maxChars) return body;
  return `${body.slice(0, Math.max(0, maxChars - SHORTENED.length))}${SHORTENED}`;
}

/**
 * The JSON text of a channel's payload, at most `maxBytes`: the message as
 * it is; else with `data` reduced to its plain fields (`truncated: true`); else
 * with the body shortened step by step. The title alone always fits.
 */
export function fitPayload(message: AlertMessage, maxBytes: number, build: (m: AlertMessage) => unknown): string {
  const fits = (m: AlertMessage): string | null => {
    const text = JSON.stringify(build(m));
    return Buffer.byteLength(text) <= maxBytes ? text : null;
  };
  const whole = fits(message);
  if (whole !== null) return whole;
  const slim: AlertMessage = { ...message, data: slimData(message.data) };
  for (let chars = message.body.length; chars > 0; chars = Math.floor(chars / 2)) {
    const text = fits({ ...slim, body: shortenBody(message.body, chars) });
    if (text !== null) return text;
  }
  return JSON.stringify(build({ ...slim, body: '' }));
}

/** Plain fields only: lists (items, modules) are what grows. */
function slimData(data: AlertMessage['data']): AlertMessage['data'] {
  return { ...Object.fromEntries(Object.entries(data).filter(([, v]) => typeof v !== 'object' || v === null)), truncated: true };
}
