import { isIP } from 'node:net';
import { z } from 'zod';
import { MODULE_KEY } from '../core/items.js';
import { WEEKDAYS } from '../core/zoned-time.js';
import { durationWithin } from './duration-schema.js';
import { keyedMap } from './keyed-map.js';

/**
 * The `alerts` section: when to warn (thresholds, repeats, health limits) and
 * where to send (channels). Problems are reported with their path only: a
 * webhook URL may carry a token, so its value never appears in a message.
 */

const Days = z.number().int().min(0).max(3650);
/** Days before expiry; stored most distant first, without repeats. */
const Thresholds = z.array(Days).transform((days) => [...new Set(days)].sort((a, b) => b - a));

/** `user@host` (a single-label host such as `localhost` is fine for the local MTA); no display names. */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~][A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const EmailAddress = z.string().regex(EMAIL, 'is not an e-mail address (user@example.com)');
const ChannelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be letters, digits, - and _ (at most 32)');
const Timeout = durationWithin('1s', '5m');
const FilePath = z.string().min(1);

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

const HttpUrl = z.string().refine(isHttpUrl, 'is not an http(s) URL (credentials go in the path or query, not user:password@)');

const WebhookFields = {
  name: ChannelName.optional(),
  /** Where to POST; may hold a token, so `urlFile` (a file holding the URL, mode 0600) is preferred. */
  url: HttpUrl.optional(),
  urlFile: FilePath.optional(),
  timeout: Timeout.prefault('10s'),
};

function oneUrl(channel: { url?: string | undefined; urlFile?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((channel.url === undefined) === (channel.urlFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'set exactly one of url and urlFile' });
  }
}

export const WebhookChannel = z.strictObject({ type: z.literal('webhook'), ...WebhookFields }).superRefine(oneUrl);
export const SlackChannel = z.strictObject({ type: z.literal('slack'), ...WebhookFields }).superRefine(oneUrl);
export const TeamsChannel = z.strictObject({ type: z.literal('teams'), ...WebhookFields }).superRefine(oneUrl);

export const SmtpSettings = z
  .strictObject({
    host: z.string().refine((h) => HOST_NAME.test(h) || isIP(h) !== 0, 'is not a host name or IP address'),
    /** Default: 465 for `tls`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** `starttls` (required, the default), `tls` (implicit, port 465) or `none` (local relays only). */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    username: z.string().min(1).optional(),
    /** File holding the password (mode 0600); else the systemd credential `smtp-password`. */
    passwordFile: FilePath.optional(),
    /** PEM file with the CA that signed the server's certificate, for private CAs. */
    caFile: FilePath.optional(),
  })
  .superRefine((smtp, ctx) => {
    if (smtp.username !== undefined && smtp.security === 'none') {
      ctx.addIssue({ code: 'custom', path: ['security'], message: 'a password is never sent unencrypted: use starttls or tls with username' });
    }
    if (smtp.passwordFile !== undefined && smtp.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'passwordFile needs username' });
    }
  });

export const EmailChannel = z.strictObject({
  type: z.literal('email'),
  name: ChannelName.optional(),
  to: z.array(EmailAddress).min(1, 'needs at least one recipient'),
  /** Default: pbx-activation-agent@<host name>. */
  from: EmailAddress.optional(),
  /** The local MTA's sendmail interface; used unless `smtp` is set. */
  sendmail: FilePath.default('/usr/sbin/sendmail'),
  smtp: SmtpSettings.optional(),
  timeout: Timeout.prefault('30s'),
});

export const CommandChannel = z.strictObject({
  type: z.literal('command'),
  name: ChannelName.optional(),
  /** argv: the executable and its arguments (no shell). The alert is in ALERT_* environment variables. */
  command: z.array(z.string().min(1)).min(1, 'needs the executable to run'),
  timeout: Timeout.prefault('30s'),
});

export const ChannelSettings = z.discriminatedUnion('type', [EmailChannel, WebhookChannel, SlackChannel, TeamsChannel, CommandChannel]);

/** The weekly digest: sent once a week at this weekday and time (in `timeZone`) through the channels. */
export const DigestSettings = z.strictObject({
  weekday: z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour), e.g. "08:00"'),
});

export const AlertSettings = z.strictObject({
  /** Days before expiry at which to warn, once each per expiry value. */
  thresholds: Thresholds.prefault([60, 30, 14, 7, 3, 1]),
  /** Licence key -> its own thresholds (licence and maintenance of that module); [] silences it. */
  perModule: keyedMap(z.string().regex(MODULE_KEY, 'must be a licence key such as "zulu"'), Thresholds, '{"zulu": [30, 7]}').default(() => new Map()),
  /** An expired item is announced again this often, never more: at least 1h. */
  expiredRepeat: durationWithin('1h', '365d').prefault('7d'),
  /** Warn when every check has failed for longer than this. */
  failingFor: durationWithin('0s', '365d').prefault('12h'),
  /** Warn when no check has succeeded for this long (the agent stopped checking). */
  deadManAfter: durationWithin('0s', '365d').prefault('36h'),
  /** A channel that failed is tried again after this, doubling up to retryMax. */
  retryAfter: durationWithin('0s', '1d').prefault('1m'),
  retryMax: durationWithin('0s', '7d').prefault('1h'),
  /** The weekly digest (what expires within 90 days, what changed last week); null: off. */
  digest: DigestSettings.nullable().default(null),
  channels: z
    .array(ChannelSettings)
    .default([])
    .superRefine((channels, ctx) => {
      const seen = new Set<string>();
      channels.forEach((c, i) => {
        const id = channelId(c, i, channels);
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another channel is already called "${id}"; give each a different name` });
        seen.add(id);
      });
    }),
});

export type AlertSettings = z.output<typeof AlertSettings>;
export type ChannelSettings = z.output<typeof ChannelSettings>;
export type DigestSettings = z.output<typeof DigestSettings>;
export type EmailChannelSettings = z.output<typeof EmailChannel>;
export type SmtpSettings = z.output<typeof SmtpSettings>;

/**
 * A channel's identity in the outbox: its `name`, else its type (numbered when
 * several share a type). Naming channels keeps identity stable when the list is reordered.
 */
export function channelId(channel: { type: string; name?: string | undefined }, index: number, all: ReadonlyArray<{ type: string; name?: string | undefined }>): string {
  if (channel.name !== undefined) return channel.name;
  const sameType = all.filter((c) => c.type === channel.type && c.name === undefined);
  if (sameType.length === 1) return channel.type;
  return `${channel.type}-${sameType.indexOf(all[index]!) + 1}`;
}

/** Relative file paths in the alerts section are relative to the configuration file. */
export function resolveAlertPaths(alerts: AlertSettings, abs: (path: string) => string): AlertSettings {
  const file = (p: string | undefined) => (p === undefined ? undefined : abs(p));
  const program = (p: string) => (p.includes('/') ? abs(p) : p);
  return {
    ...alerts,
    channels: alerts.channels.map((c): ChannelSettings => {
      switch (c.type) {
        case 'email':
          return {
            ...c,
            sendmail: program(c.sendmail),
            smtp: c.smtp && { ...c.smtp, passwordFile: file(c.smtp.passwordFile), caFile: file(c.smtp.caFile) },
          };
        case 'command':
          return { ...c, command: [program(c.command[0]!), ...c.command.slice(1)] };
        default:
          return { ...c, urlFile: file(c.urlFile) };
      }
    }),
  };
}
