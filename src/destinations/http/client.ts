import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { logger as rootLogger, type Logger } from '../../logger.js';
import { scrubSecretText } from '../../util/secret-scrub.js';
import { DestinationError, redactPii } from '../errors.js';
import { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter, type RetryPolicy } from './backoff.js';
import type { RateLimiter } from './token-bucket.js';
import { NetworkRefusedError, type NetworkPolicy } from './network.js';
import { ExchangeError, exchange } from './transport.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Relative to the client's base URL, or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is (text or bytes with their own content-type header, or form fields). */
  body?: string | Uint8Array | URLSearchParams;
  /**
   * The vendor's own "try again" signals (e.g. Meta's throttling error codes in a 400), checked
   * before the defaults (408, 429 and 5xx are retried; other statuses are final).
   */
  retry?: (response: HttpResponse) => RetryVerdict | undefined;
  timeoutMs?: number;
}

export type RetryVerdict = { retry: false } | { retry: true; afterMs?: number };

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  url: string;
  /** Attempts it took, the first included. */
  attempts: number;
}

/** No answer at all after every attempt (connection refused or reset, timeout, not HTTP). */
export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network',
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

export interface HttpClientOptions {
  baseUrl?: string;
  headers?: Record<string, string>;
  limiter: RateLimiter;
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  logger?: Logger;
  /** Names the vendor in errors. */
  vendor?: string;
  /** Where requests may go (destinations created over the API); absent: anywhere (reviewed config). */
  network?: NetworkPolicy;
}

/**
 * HTTP for destinations: every attempt takes a token from the account's shared limiter, 429/5xx
 * and timeouts are retried with exponential backoff and jitter, and a Retry-After pauses the whole
 * account. Returns the last response when retries run out (the caller maps its status to rows).
 */
export class HttpClient {
  readonly policy: RetryPolicy;
  private readonly log: Logger;

  constructor(private readonly options: HttpClientOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
    this.log = (options.logger ?? rootLogger).child({ vendor: options.vendor });
  }

  get vendor(): string {
    return this.options.vendor ?? 'destination';
  }

  /** A client for the same account with another base URL or extra headers. */
  with(overrides: { baseUrl?: string; headers?: Record<string, string> }): HttpClient {
    return new HttpClient({
      ...this.options,
      baseUrl: overrides.baseUrl ?? this.options.baseUrl,
      headers: { ...this.options.headers, ...overrides.headers },
    });
  }

  url(path: string, query?: HttpRequest['query']): string {
    let url: URL;
    if (/^https?:\/\//i.test(path)) url = new URL(path);
    else {
      const base = this.options.baseUrl;
      if (!base) throw new DestinationError(`${this.vendor}: no base URL for ${path}`);
      url = new URL(path.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`);
    }
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    return url.toString();
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const url = this.url(request.path, request.query);
    const headers: Record<string, string> = { 'user-agent': 'cdp-sync/0.1', ...this.options.headers, ...request.headers };
    let body: string | Uint8Array | URLSearchParams | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] ??= 'application/json';
    }
    const timeoutMs = request.timeoutMs ?? this.policy.timeoutMs;
    const { limiter } = this.options;
    for (let attempt = 1; ; attempt++) {
      this.options.signal?.throwIfAborted();
      await limiter.acquire();
      let response: HttpResponse | undefined;
      let failure: HttpRequestError | undefined;
      try {
        response = await this.once(url, request.method, headers, body, timeoutMs, attempt);
      } catch (error) {
        if (this.options.signal?.aborted || error instanceof NetworkRefusedError) throw error;
        failure = toRequestError(error, attempt, timeoutMs);
      } finally {
        limiter.release();
      }
      const verdict = response ? (request.retry?.(response) ?? defaultVerdict(response)) : { retry: true as const };
      if (!verdict.retry) return response!;
      const retryAfter = verdict.afterMs;
      if (retryAfter !== undefined) limiter.pauseUntil(Date.now() + Math.min(retryAfter, this.policy.maxRetryAfterMs));
      const giveUp = attempt >= this.policy.maxAttempts || (retryAfter !== undefined && retryAfter > this.policy.maxRetryAfterMs);
      if (giveUp) {
        if (response) return response;
        throw failure!;
      }
      const delay = retryAfter ?? backoffDelay(attempt, this.policy);
      this.log.debug({ status: response?.status, error: failure?.kind, attempt, delayMs: delay }, 'retrying request');
      await sleep(delay, undefined, { signal: this.options.signal });
    }
  }

  private async once(
    url: string,
    method: HttpMethod,
    headers: Record<string, string>,
    body: string | Uint8Array | URLSearchParams | undefined,
    timeoutMs: number,
    attempt: number,
  ): Promise<HttpResponse> {
    const { status, headers: received, text } = await exchange(url, method, headers, body, timeoutMs, this.options.signal, this.options.network);
    // A vendor may echo the request (headers, body, URL) back, often in an error: the answer is
    // scrubbed of every revealed secret before any destination code reads it.
    return { status, headers: received, text: scrubSecretText(text), url, attempts: attempt };
  }
}

function defaultVerdict(response: HttpResponse): RetryVerdict {
  const { status } = response;
  if (status === 429 || status === 408 || status >= 500) {
    return { retry: true, afterMs: parseRetryAfter(response.headers.get('retry-after')) };
  }
  return { retry: false };
}

function toRequestError(error: unknown, attempts: number, timeoutMs: number): HttpRequestError {
  if (error instanceof ExchangeError) {
    return error.kind === 'timeout'
      ? new HttpRequestError(`no answer within ${timeoutMs} ms`, 'timeout', attempts)
      : new HttpRequestError(`request failed: ${error.message}`, 'network', attempts);
  }
  const err = error as { name?: string; message?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new HttpRequestError(`no answer within ${timeoutMs} ms`, 'timeout', attempts);
  }
  return new HttpRequestError(`request failed: ${err.message ?? String(error)}`, 'network', attempts);
}

/**
 * Reads a JSON body and checks it against the vendor's documented shape; anything else is a
 * DestinationError that names the vendor and shows a short, PII-masked excerpt.
 */
export function parseJsonResponse<T>(response: HttpResponse, schema: z.ZodType<T>, vendor: string): T {
  let value: unknown;
  try {
    value = JSON.parse(response.text);
  } catch {
    throw new DestinationError(
      `${vendor} answered HTTP ${response.status} with a body that is not JSON: "${redactPii(response.text, 120)}"`,
      { hint: `check base_url points at the ${vendor} API (${new URL(response.url).origin})` },
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DestinationError(
      `${vendor} answered HTTP ${response.status} with JSON that is not the documented shape (${issue.path.join('.') || 'body'}: ${issue.message})`,
      { hint: `check base_url points at the ${vendor} API (${new URL(response.url).origin})` },
    );
  }
  return parsed.data;
}

/** Short text for a failed response, safe to store: status plus a masked excerpt of the body. */
export function describeResponse(response: HttpResponse): string {
  const excerpt = redactPii(response.text.replace(/\s+/g, ' ').trim(), 200);
  return `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`;
}
