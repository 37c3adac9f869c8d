import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { timerDelay } from '../core/timer-delay.js';
import type { AxiosInstance, AxiosResponse, AxiosStatic } from 'axios';
import type { z } from 'zod';
import { deadline, rejectOnAbort, whyStopped } from '../clock/deadline.js';
import { formatDuration } from '../core/duration.js';
import { parseJson } from '../core/strict-json.js';
import { PortalError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { CachedAnswer } from '../store/portal-cache.js';
import { connectTimeoutAgents } from './connect-timeout.js';
import { portalPollBoundMs } from './poll-bound.js';
import { classifyNetworkError, describeUrl, errorFromStatus, retryAfterMs } from './failures.js';
import { ChangeFeed, Entitlements } from './schema.js';

export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * axios's single-file CommonJS build, loaded on the first request: its ES
 * module tree is some 175 files, which every scheduled check would pay for.
 */
const loadAxios = (): AxiosStatic => createRequire(import.meta.url)('axios') as AxiosStatic;

export interface PortalClientOptions {
  /** Base URL; validated by the config schema (https, or http on loopback). */
  readonly url: string;
  readonly token: string;
  readonly ca?: Buffer | undefined;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly userAgent: string;
}

/** Where the last good answer is kept (the store's portal_cache table). */
export interface PortalCache {
  get(deploymentId: string): CachedAnswer | null;
  put(answer: CachedAnswer): void;
  touch(deploymentId: string, at: string): void;
}

export interface PortalAnswer<T> {
  readonly value: T;
  /** 304: the stored copy is still current. */
  readonly notModified: boolean;
  /** The server's Date header, to check our clock against. */
  readonly serverDate: Date | null;
  readonly durationMs: number;
  readonly attempts: number;
}

/** The port the cycle uses; the sandbox and tests talk to real HTTP servers through it. */
export interface Portal {
  entitlements(deploymentId: string, signal?: AbortSignal): Promise<PortalAnswer<Entitlements>>;
  changesSince(cursor: string, signal?: AbortSignal): Promise<PortalAnswer<ChangeFeed>>;
}

/** The portal contract over HTTP (docs/portal-api.md). The only module that imports axios. */
export class PortalClient implements Portal {
  private http: AxiosInstance | null = null;

  constructor(
    private readonly options: PortalClientOptions,
    private readonly cache: PortalCache,
    private readonly log: Logger,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = (ms, signal) => delay(timerDelay(ms), undefined, { signal }),
    private readonly random: () => number = Math.random,
  ) {}

  async entitlements(deploymentId: string, signal?: AbortSignal): Promise<PortalAnswer<Entitlements>> {
    const cached = this.cache.get(deploymentId);
    const answer = await this.get(`v1/deployments/${encodeURIComponent(deploymentId)}/entitlements`, Entitlements, signal, cached?.etag ?? null);
    if (answer.notModified) {
      if (!cached) throw new PortalError('the portal answered 304 Not Modified but no earlier answer is stored', 'Report this to the portal operator.', 'bad-response', 304);
      this.cache.touch(deploymentId, new Date().toISOString());
      return { ...answer, value: this.parse(Entitlements, cached.body, 'stored answer') };
    }
    const value = answer.value!;
    if (value.deployment.id !== deploymentId) {
      throw new PortalError(
        `the portal answered for deployment ${value.deployment.id} when asked about ${deploymentId}`,
        'Report this to the portal operator; nothing was applied.',
        'bad-response',
        200,
      );
    }
    this.cache.put({ deploymentId, etag: answer.etag, body: answer.raw!, fetchedAt: new Date().toISOString() });
    return { ...answer, value };
  }

  async changesSince(cursor: string, signal?: AbortSignal): Promise<PortalAnswer<ChangeFeed>> {
    const answer = await this.get(`v1/changes?since=${encodeURIComponent(cursor)}`, ChangeFeed, signal, null);
    return { ...answer, value: answer.value! };
  }

  private client(): AxiosInstance {
    if (this.http) return this.http;
    const base = this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`;
    const origin = new URL(base).origin;
    this.http = loadAxios().create({
      baseURL: base,
      ...connectTimeoutAgents(this.options.connectTimeoutMs, this.options.ca),
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: MAX_RESPONSE_BYTES,
      maxRedirects: 3,
      // The token must never follow a redirect to someone else.
      beforeRedirect: (options: Record<string, unknown>) => {
        const target = `${String(options.protocol)}//${String(options.hostname)}${options.port ? `:${String(options.port)}` : ''}`;
        if (new URL(target).origin !== origin) throw Object.assign(new Error('cross-origin redirect refused'), { code: 'ECROSSORIGIN' });
      },
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      proxy: false,
      headers: {
        Accept: 'application/json',
        'User-Agent': this.options.userAgent,
        Authorization: `Bearer ${this.options.token}`,
      },
    });
    return this.http;
  }

  /**
   * Up to 1 + retries attempts, each ended by its own timer at portal.timeout
   * whatever the server does (slow headers, a trickled body, a stalled TLS
   * handshake), and the whole poll by portalPollBoundMs as a backstop.
   */
  private async get<S extends z.ZodType>(
    path: string,
    schema: S,
    signal: AbortSignal | undefined,
    etag: string | null,
  ): Promise<{ value: z.output<S> | null; raw: string | null; etag: string | null; notModified: boolean; serverDate: Date | null; durationMs: number; attempts: number }> {
    const started = performance.now();
    const where = describeUrl(this.options.url, path);
    const boundMs = portalPollBoundMs(this.options);
    const poll = deadline(boundMs, signal);
    const stopped = (attempts: number) =>
      poll.expired
        ? new PortalError(`${where} gave no usable answer within ${formatDuration(boundMs)} (${attempts} attempts)`, 'The portal is slow or hanging; the last good answer is kept and the next check retries.', 'timeout')
        : new PortalError(`request to ${where} was cancelled: ${whyStopped(signal)}`, 'The next check retries.', 'timeout');
    let lastError: PortalError | null = null;
    try {
      for (let attempt = 0; attempt <= this.options.retries; attempt++) {
        if (attempt > 0) {
          const wait = this.backoff(attempt, lastError);
          this.log.warn({ attempt, of: this.options.retries, waitMs: Math.round(wait), reason: lastError?.reason }, 'portal request failed; retrying');
          await this.sleep(wait, poll.signal).catch(() => undefined);
          if (poll.signal.aborted) throw stopped(attempt);
        }
        let res: AxiosResponse<string>;
        try {
          res = await this.attempt(path, etag, poll.signal);
        } catch (err) {
          if (poll.signal.aborted) throw stopped(attempt + 1);
          lastError = classifyNetworkError(err, where, this.options.timeoutMs);
          if (!isRetriable(lastError)) throw lastError;
          continue;
        }
        const base = {
          serverDate: parseDate(res.headers.date),
          durationMs: performance.now() - started,
          attempts: attempt + 1,
          etag: typeof res.headers.etag === 'string' ? res.headers.etag : null,
        };
        if (res.status === 304) return { ...base, value: null, raw: null, notModified: true };
        if (res.status === 200) return { ...base, value: this.parse(schema, res.data, where), raw: res.data, notModified: false };
        lastError = errorFromStatus(res.status, res.data, where, retryAfterMs(res.headers['retry-after'], Date.now()));
        if (!isRetriable(lastError)) throw lastError;
        // Whatever the status: a server asking for more patience than portal.retryMax ends the attempts.
        if ((lastError.retryAfterMs ?? 0) > this.options.retryMaxMs) throw lastError;
      }
      throw lastError!;
    } finally {
      poll.dispose();
    }
  }

  /**
   * One request, ended at portal.timeout by our own timer (axios's `timeout`
   * only notices an idle socket). Aborting makes axios destroy the request and
   * its socket; the race ends the wait even if a response stream never settles.
   */
  private async attempt(path: string, etag: string | null, poll: AbortSignal): Promise<AxiosResponse<string>> {
    const limit = deadline(this.options.timeoutMs, poll);
    const stop = rejectOnAbort(limit.signal);
    try {
      const request = this.client().get<string>(path, { headers: etag ? { 'If-None-Match': etag } : {}, signal: limit.signal });
      return await Promise.race([request, stop.promise]);
    } finally {
      stop.dispose();
      limit.dispose();
    }
  }

  /** Full jitter: random(0, min(max, base * 2^attempt)), but never sooner than the server's Retry-After. */
  private backoff(attempt: number, last: PortalError | null): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempt - 1));
    const jitter = this.random() * ceiling;
    return Math.max(jitter, last?.retryAfterMs ?? 0);
  }

  private parse<S extends z.ZodType>(schema: S, text: string, where: string): z.output<S> {
    const json = parseJson(text);
    if (!json.ok && json.kind === 'syntax') {
      throw new PortalError(`${where} answered with a body that is not JSON`, 'The portal or a proxy in front of it is misbehaving; the last good answer is kept and the next check retries.', 'bad-response', 200);
    }
    if (!json.ok) {
      // JSON.parse would take the last of the two silently; a renewal must not be applied on a guess.
      throw new PortalError(
        `${where} answered with JSON that contradicts itself: ${json.problem}`,
        'Report this to the portal operator; nothing was applied, the last good answer is kept and the next check retries.',
        'bad-response',
        200,
      );
    }
    const parsed = schema.safeParse(json.value);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
      throw new PortalError(
        `${where} answered with JSON that does not follow the portal contract: ${problems.join('; ')}`,
        'Check that portal.url points at a portal speaking docs/portal-api.md version 1; nothing was applied.',
        'bad-response',
        200,
      );
    }
    return parsed.data;
  }
}

function isRetriable(err: PortalError): boolean {
  return err.reason === 'unreachable' || err.reason === 'timeout' || err.reason === 'server-error' || err.reason === 'rate-limited';
}

function parseDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}

