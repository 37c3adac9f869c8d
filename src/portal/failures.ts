import { PortalError } from '../errors.js';
import { formatDuration } from '../core/duration.js';
import { safeLine } from '../core/safe-text.js';
import { ErrorBody } from './schema.js';

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** `https://portal.example/api/v1/...` without credentials or query: safe to print. */
export function describeUrl(base: string, path: string): string {
  const url = new URL(path.split('?')[0]!, base.endsWith('/') ? base : `${base}/`);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Turns a transport failure into a PortalError; never copies the request (it holds the token). */
export function classifyNetworkError(err: unknown, where: string, timeoutMs: number): PortalError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const message = e.message ?? '';
  const retryHint = 'The last good answer is kept; the next check retries.';
  if (code === 'ECONNREFUSED') return new PortalError(`cannot connect to ${where}: connection refused`, `Is the portal up and portal.url right? ${retryHint}`, 'unreachable');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new PortalError(`cannot resolve the portal's host name (${where})`, `Check portal.url and the host's DNS. ${retryHint}`, 'unreachable');
  if (code === 'ECONNECTTIMEOUT') return new PortalError(`cannot connect to ${where}: no answer to the connection attempt`, `Check the network path and firewall to the portal. ${retryHint}`, 'timeout');
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || /timeout/i.test(message) || e.constructor?.name === 'CanceledError') {
    return new PortalError(`${where} did not answer within ${formatDuration(timeoutMs)}`, `The portal is slow or hanging; raise portal.timeout if it is merely slow. ${retryHint}`, 'timeout');
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) {
    return new PortalError(`${where} closed the connection without answering`, retryHint, 'unreachable');
  }
  if (code === 'ERR_FR_TOO_MANY_REDIRECTS') return new PortalError(`${where} redirected too many times (a redirect loop)`, 'Fix portal.url to point at the API itself.', 'redirect');
  if (code === 'ECROSSORIGIN' || /cross-origin redirect refused/.test(message)) return new PortalError(`${where} redirected to another host; the token is not sent there`, 'Set portal.url to the final address.', 'redirect');
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(message)) {
    return new PortalError(`${where} sent more than 1 MiB; the answer was refused`, 'The portal or a proxy is misbehaving; nothing was applied.', 'too-large');
  }
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(message)) {
    return new PortalError(`the portal's TLS certificate was not accepted (${code || 'TLS error'})`, 'For a private portal, set portal.caFile to its CA certificate (PEM). Verification is never turned off.', 'tls');
  }
  return new PortalError(`request to ${where} failed (${code || 'network error'})`, retryHint, 'unreachable');
}

export function errorFromStatus(status: number, body: string, where: string, retryAfter: number | null): PortalError & { retryAfterMs?: number | null } {
  const detail = serverMessage(body);
  const said = detail ? `: ${detail}` : '';
  const comeBack = retryAfter !== null ? `; it asks to come back in ${formatDuration(retryAfter)}` : '';
  let err: PortalError;
  if (status === 401) err = new PortalError(`the portal refused the token (401)${said}`, 'Check the token in portal.tokenFile (or the portal-token credential); it may have been revoked.', 'unauthorized', status);
  else if (status === 403) err = new PortalError(`the token may not see this deployment (403)${said}`, 'Ask the portal operator to grant the token access to this deployment.', 'forbidden', status);
  else if (status === 404) err = new PortalError(`the portal does not know this deployment (404)${said}`, 'Check deploymentId in the config and the deployment id the PBX reports (status).', 'unknown-deployment', status);
  else if (status === 429) {
    err = new PortalError(
      `the portal is rate-limiting this agent (429)${comeBack}`,
      'The next check retries; reduce how often you run check if this persists.',
      'rate-limited',
      status,
    );
  } else if (status >= 500) err = new PortalError(`${where} failed with HTTP ${status}${said}${comeBack}`, 'The portal has a problem; the last good answer is kept and the next check retries.', 'server-error', status);
  else if (status === 400) err = new PortalError(`the portal rejected the request (400)${said}`, 'Report this as a bug with the agent version.', 'bad-request', status);
  else err = new PortalError(`${where} answered with unexpected HTTP ${status}`, 'Check portal.url; nothing was applied.', 'bad-response', status);
  return Object.assign(err, { retryAfterMs: retryAfter });
}

/**
 * Retry-After as delta-seconds or an HTTP date, in milliseconds from now (a
 * date in the past is 0); null when absent or unreadable. The caller compares
 * it with portal.retryMax whatever the status.
 */
export function retryAfterMs(value: unknown, now: number): number | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function serverMessage(body: string): string | null {
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(body));
    return parsed.success ? safeLine(parsed.data.error.message, 200) : null;
  } catch {
    return null;
  }
}
