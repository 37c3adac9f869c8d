import { safeLine } from '../core/safe-text.js';
import type { Severity } from '../store/outbox.js';

/** An alert as channels see it. */
export interface AlertMessage {
  /** Stable across attempts: receivers can drop a repeat (Message-ID, Idempotency-Key, ALERT_ID). */
  readonly uid: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly deploymentId: string | null;
  readonly title: string;
  readonly body: string;
  /** An HTML alternative of the body (the digest's table), for channels that can show one (e-mail). */
  readonly html?: string | undefined;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export type ChannelType = 'email' | 'webhook' | 'slack' | 'teams' | 'command';

/** Somewhere alerts go. `send` resolves once the other side accepted the alert, and throws otherwise. */
export interface Channel {
  /** Identity in the outbox (config `name`, else the type). */
  readonly id: string;
  readonly type: ChannelType;
  /** For people: what and where, with secrets left out (`slack https://hooks.slack.com`). */
  readonly description: string;
  send(message: AlertMessage): Promise<void>;
  /** Removes this channel's secrets (URL, password) from a text before it is logged or stored. */
  redact(text: string): string;
}

/** The other side did not accept the alert; the message never holds a secret. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

/** A URL as it may be shown: scheme and host only (paths and queries of webhooks carry tokens). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '[invalid URL]';
  }
}

/** Replaces every occurrence of the given secrets (and their URL-encoded forms) with [redacted]. */
export function scrub(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), encodeURI(secret)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

/** The common shape of a channel failure: what a receiver, a hook or an MTA said, as one safe line (no controls, no bidi overrides), shortened. */
export function oneLine(text: string, max = 300): string {
  return safeLine(text, max);
}
