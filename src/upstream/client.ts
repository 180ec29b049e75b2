// The only module that talks to the upstream: one keep-alive undici Pool per app, timeouts for connect,
// response headers, stream idle time and total time, retries before any byte reached the client, and the
// mapping of network failures to 502/504 errors that name the upstream host (never the key).
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { Config } from '../config.ts';
import { ClientGoneError, ProxyError } from '../errors.ts';
import { headerValue } from './header-value.ts';
import { ACCEPT_ENCODING, contentCodings, decodedBody, isDecodeError, undecodableCoding } from './content-encoding.ts';

type UpstreamBody = Dispatcher.ResponseData['body'];

interface UpstreamRequest {
  /** Path below UPSTREAM_BASE, with its query string: `/v1/messages?beta=true`. */
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
  /** How many attempts it took (1 without retries). */
  attempts: number;
}

/** Hooks for metrics; all optional. */
export interface UpstreamObserver {
  attemptDone?(info: { statusCode: number | null; errorType: string | null; durationMs: number }): void;
  /** An answer that had begun failed while its body was read (idle or total timeout, a broken connection). */
  responseFailed?(info: { errorType: string }): void;
  retry?(info: { attempt: number; reason: string; delayMs: number }): void;
}

export interface UpstreamClientOptions {
  /** First retry delay; doubles per attempt up to retryCapMs, with jitter. */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** A retry-after longer than this is not waited for: the answer goes back to the client. */
  maxRetryAfterMs?: number;
  random?: () => number;
  observer?: UpstreamObserver;
}

const RETRYABLE_STATUS = new Set([429, 503, 529]);
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);

export class UpstreamClient {
  readonly host: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly config: Config;
  private readonly options: Required<Omit<UpstreamClientOptions, 'observer'>> & { observer: UpstreamObserver };
  /** Upstream requests holding a slot: from sending until their body is consumed or dropped. */
  private active = 0;

  constructor(config: Config, options: UpstreamClientOptions = {}) {
    const base = new URL(config.upstreamBase);
    this.config = config;
    this.host = base.host;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.options = {
      retryBaseMs: options.retryBaseMs ?? 250,
      retryCapMs: options.retryCapMs ?? 4000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 20_000,
      random: options.random ?? Math.random,
      observer: options.observer ?? {},
    };
    this.pool = new Pool(base.origin, {
      connections: config.maxConcurrentUpstream,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: config.upstreamConnectTimeoutMs },
      headersTimeout: config.upstreamHeadersTimeoutMs,
      bodyTimeout: config.streamIdleTimeoutMs,
    });
  }

  /**
   * Sends a request, retrying connection failures and 429/503/529 answers (nothing has reached the client
   * yet). Resolves with the final response, whatever its status; its body must be consumed or destroyed.
   */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (this.active >= this.config.maxConcurrentUpstream) {
      throw new ProxyError('proxy_overloaded', `The proxy already has MAX_CONCURRENT_UPSTREAM (${this.config.maxConcurrentUpstream}) upstream requests in flight; retry shortly`, {
        headers: { 'retry-after': '1' },
      });
    }
    this.active++;
    // One controller and one timer per request, cleared (with the slot released) as soon as the answer's body
    // is closed. (Measured: AbortSignal.timeout + AbortSignal.any kept every request's signals and timer
    // alive for UPSTREAM_TIMEOUT_MS, 15 minutes by default, so memory grew with the request rate under load.)
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(new DOMException(`The upstream request took longer than ${this.config.upstreamTimeoutMs} ms`, 'TimeoutError'));
    }, this.config.upstreamTimeoutMs);
    timer.unref();
    const clientSignal = request.signal;
    const onClientGone = () => controller.abort(clientSignal!.reason);
    if (clientSignal?.aborted) onClientGone();
    else clientSignal?.addEventListener('abort', onClientGone, { once: true });
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.active--;
      clearTimeout(timer);
      clientSignal?.removeEventListener('abort', onClientGone);
    };
    try {
      const response = await this.attempts(request, controller.signal);
      if (response.body.destroyed) settle();
      else response.body.once('close', settle);
      return response;
    } catch (error) {
      settle();
      throw error;
    }
  }

  /** Upstream requests in flight (for metrics and tests). */
  get inFlight(): number {
    return this.active;
  }

  private async attempts(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let response: Dispatcher.ResponseData;
      try {
        response = await this.pool.request({
          path: this.basePath + request.path,
          method: 'POST',
          headers: { ...request.headers, 'accept-encoding': ACCEPT_ENCODING },
          body: request.body,
          signal,
        });
      } catch (error) {
        const failure = this.failureOf(error, signal);
        this.options.observer.attemptDone?.({ statusCode: null, errorType: failure instanceof ProxyError ? (failure.code ?? 'unknown') : 'client_gone', durationMs: performance.now() - started });
        if (failure instanceof ProxyError && this.isRetryableError(error) && attempt <= this.config.maxRetries) {
          const delay = this.backoff(attempt);
          this.options.observer.retry?.({ attempt, reason: failure.code ?? 'unknown', delayMs: delay });
          await this.wait(delay, signal);
          continue;
        }
        throw failure;
      }
      this.options.observer.attemptDone?.({ statusCode: response.statusCode, errorType: null, durationMs: performance.now() - started });
      if (RETRYABLE_STATUS.has(response.statusCode) && attempt <= this.config.maxRetries) {
        const delay = this.retryDelay(response.headers, attempt);
        if (delay !== null) {
          await response.body.dump().catch(() => undefined);
          this.options.observer.retry?.({ attempt, reason: `status_${response.statusCode}`, delayMs: delay });
          await this.wait(delay, signal);
          continue;
        }
      }
      return { statusCode: response.statusCode, headers: response.headers, body: this.decoded(response), attempts: attempt };
    }
  }

  /** The body as the routes read it: decoded when the upstream compressed it (content-encoding.ts). */
  private decoded(response: Dispatcher.ResponseData): UpstreamBody {
    const codings = contentCodings(response.headers['content-encoding']);
    if (codings.length === 0) return response.body;
    const unknown = undecodableCoding(codings);
    if (unknown !== null) {
      void response.body.dump().catch(() => undefined);
      throw new ProxyError('upstream_invalid_response', `The upstream ${this.host} answered with content-encoding ${JSON.stringify(unknown)}, which the proxy cannot decode`);
    }
    return decodedBody(response.body, codings);
  }

  /**
   * Maps an error to what the client is told: while sending the request (`request`) or while reading the
   * response body (`response`: stream idle time, total time, a connection broken mid-answer).
   */
  failureOf(error: unknown, signal?: AbortSignal, during: 'request' | 'response' = 'request'): ProxyError | ClientGoneError {
    const failure = this.mapFailure(error, signal, during);
    // Failures before the answer are counted per attempt; these only here (each caller maps a failure once).
    if (during === 'response' && failure instanceof ProxyError && failure.code !== 'shutting_down') {
      this.options.observer.responseFailed?.({ errorType: failure.code ?? 'unknown' });
    }
    return failure;
  }

  private mapFailure(error: unknown, signal: AbortSignal | undefined, during: 'request' | 'response'): ProxyError | ClientGoneError {
    if (error instanceof ClientGoneError) return error;
    const reason = signal?.aborted ? signal.reason : undefined;
    // A request ended on purpose (the client went away, a drain ran out of time) says so itself.
    if (reason instanceof ClientGoneError || reason instanceof ProxyError) return reason;
    if (isDecodeError(error)) {
      return new ProxyError('upstream_invalid_response', `The upstream ${this.host} sent a ${error.contentEncoding} body that cannot be decoded: ${error.message}`, { cause: error });
    }
    const code = (error as { code?: string } | null)?.code;
    const name = (reason as { name?: string } | undefined)?.name ?? (error as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || (signal?.aborted && !(reason instanceof ClientGoneError))) {
      return new ProxyError('upstream_timeout', `The upstream ${this.host} did not finish within UPSTREAM_TIMEOUT_MS (${this.config.upstreamTimeoutMs} ms)`, { cause: error });
    }
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new ProxyError('upstream_connect_timeout', `Connecting to the upstream ${this.host} timed out after ${this.config.upstreamConnectTimeoutMs} ms`, { cause: error });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new ProxyError('upstream_headers_timeout', `The upstream ${this.host} sent no response within UPSTREAM_HEADERS_TIMEOUT_MS (${this.config.upstreamHeadersTimeoutMs} ms)`, { cause: error });
      case 'UND_ERR_BODY_TIMEOUT':
        return new ProxyError('upstream_idle_timeout', `The upstream ${this.host} sent nothing for STREAM_IDLE_TIMEOUT_MS (${this.config.streamIdleTimeoutMs} ms)`, { cause: error });
      default: {
        const detail = code ?? (error as Error | null)?.message ?? 'unknown error';
        if (during === 'response') {
          return new ProxyError('upstream_broken', `The upstream ${this.host} broke off its answer: ${detail}`, { cause: error });
        }
        return new ProxyError('upstream_unreachable', `Cannot reach the upstream ${this.host}: ${detail}`, { cause: error });
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private isRetryableError(error: unknown): boolean {
    const code = (error as { code?: string } | null)?.code ?? '';
    return CONNECTION_ERRORS.has(code) || error instanceof undiciErrors.SocketError;
  }

  /** Capped exponential backoff with full jitter in [50%, 100%]. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.retryCapMs, this.options.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling * (0.5 + this.options.random() / 2));
  }

  /** The delay before retrying an answer, or null when its retry-after is too long to wait for. */
  private retryDelay(headers: UpstreamResponse['headers'], attempt: number): number | null {
    const text = (name: string) => headerValue(headers, name);
    let asked: number | null = null;
    const ms = Number(text('retry-after-ms'));
    const after = text('retry-after');
    if (Number.isFinite(ms) && ms >= 0 && text('retry-after-ms') !== undefined) asked = ms;
    else if (after !== undefined) {
      const seconds = Number(after);
      asked = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(after) - Date.now());
      if (!Number.isFinite(asked)) asked = null;
    }
    if (asked === null) return this.backoff(attempt);
    return asked > this.options.maxRetryAfterMs ? null : asked;
  }

  private async wait(delayMs: number, signal: AbortSignal): Promise<void> {
    try {
      await sleep(delayMs, undefined, { signal });
    } catch (error) {
      throw this.failureOf(error, signal);
    }
  }
}
