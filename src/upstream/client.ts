// The only module that talks to an upstream: one keep-alive undici Pool per target, the target's timeouts for
// connect, response headers, stream idle time and total time, retries before any byte reached the client,
// and the mapping of network failures to 502/504 errors that name the upstream host (never the key).
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { ClientGoneError, ProxyError } from '../errors.ts';
import { headerValue } from './header-value.ts';
import { ACCEPT_ENCODING, contentCodings, decodedBody, isDecodeError, undecodableCoding, type BodyMethods } from './content-encoding.ts';
import { DeadlineList, type Deadline } from './deadlines.ts';
import { WholeAnswer, type AnswerStart } from './whole-answer.ts';
import type { UpstreamTarget } from '../routing.ts';

/** An upstream body: read whole with the body methods, or chunk by chunk (streamed answers). */
export interface UpstreamBody extends BodyMethods, AsyncIterable<Buffer> {
  readonly destroyed: boolean;
  destroy(): unknown;
}

interface UpstreamRequest {
  /** Path below the target's base URL, with its query string: `/v1/messages?beta=true`. */
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /** Retries on this target before the answer goes back (default: the target's maxRetries; 0 when another target or key can take over). */
  maxRetries?: number;
  /**
   * The answer is read whole (a non-streaming request): collected as it arrives, up to BODY_LIMIT_BYTES
   * (larger is a 502 upstream_invalid_response), with undici's dispatch API. Otherwise its body is a stream.
   */
  whole?: boolean;
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
  /** The largest whole answer read (BODY_LIMIT_BYTES); larger is a 502. Default 32 MiB. */
  bodyLimitBytes?: number;
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

/** What an exchange ends when it is ended from outside: the attempt in flight, the body being read, a wait. */
interface Abortable {
  abort(reason: Error): void;
}

/**
 * One request's exchange with the upstream, over all its attempts and its body: the concurrency slot, the
 * total time (UPSTREAM_TIMEOUT_MS, in the client's DeadlineList) and the client's signal. One object per
 * request, which is also the signal's listener and the deadline entry: no timer of its own, and no
 * AbortController for a whole answer (a streamed one still gives undici one). Measured: two AbortControllers, a
 * timer and two listeners per request were part of the wrapper's cost; the entry leaves the list as soon as the
 * body is read or dropped, so nothing of a request lives on for UPSTREAM_TIMEOUT_MS.
 */
class Exchange implements Deadline {
  deadline = 0;
  previousDeadline: Deadline | null = null;
  nextDeadline: Deadline | null = null;
  /** Why the exchange was ended from outside (client gone, drain, total time), or null. */
  reason: Error | null = null;
  /** What runs now and ends with the exchange. */
  current: Abortable | null = null;
  private settled = false;
  private readonly client: UpstreamClient;
  readonly signal: AbortSignal | undefined;

  constructor(client: UpstreamClient, signal: AbortSignal | undefined) {
    this.client = client;
    this.signal = signal;
  }

  /** The total time passed (DeadlineList). */
  expire(): void {
    this.end(new DOMException(`The upstream request took longer than ${this.client.totalTimeoutMs} ms`, 'TimeoutError'));
  }

  /** The client's signal aborted (the client went away, a drain ran out of time). */
  handleEvent(): void {
    this.end(this.signal!.reason as Error);
  }

  end(reason: Error): void {
    if (this.reason !== null || this.settled) return;
    this.reason = reason;
    this.current?.abort(reason);
  }

  /** Releases the slot, the deadline and the listener; once. */
  readonly settle = (): void => {
    if (this.settled) return;
    this.settled = true;
    this.current = null;
    this.client.release(this);
  };
}

export class UpstreamClient {
  readonly host: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  readonly target: UpstreamTarget;
  private readonly options: Required<Omit<UpstreamClientOptions, 'observer'>> & { observer: UpstreamObserver };
  private readonly deadlines: DeadlineList;
  /** Upstream requests holding a slot: from sending until their body is consumed or dropped. */
  private active = 0;

  constructor(target: UpstreamTarget, options: UpstreamClientOptions = {}) {
    const base = new URL(target.baseUrl);
    this.target = target;
    this.host = base.host;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.options = {
      retryBaseMs: options.retryBaseMs ?? 250,
      retryCapMs: options.retryCapMs ?? 4000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 20_000,
      bodyLimitBytes: options.bodyLimitBytes ?? 32 * 1024 * 1024,
      random: options.random ?? Math.random,
      observer: options.observer ?? {},
    };
    const { timeouts } = target;
    this.deadlines = new DeadlineList(timeouts.totalMs);
    this.pool = new Pool(base.origin, {
      connections: target.maxConcurrent,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.streamIdleMs,
    });
  }

  get totalTimeoutMs(): number {
    return this.target.timeouts.totalMs;
  }

  /**
   * Sends a request, retrying connection failures and 429/503/529 answers (nothing has reached the client
   * yet). Resolves with the final response, whatever its status; its body must be consumed or destroyed.
   */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (this.active >= this.target.maxConcurrent) {
      throw new ProxyError('proxy_overloaded', `The proxy already has MAX_CONCURRENT_UPSTREAM (${this.target.maxConcurrent}) upstream requests in flight; retry shortly`, {
        headers: { 'retry-after': '1' },
      });
    }
    this.active++;
    const exchange = new Exchange(this, request.signal);
    this.deadlines.add(exchange);
    const clientSignal = request.signal;
    if (clientSignal?.aborted) exchange.handleEvent();
    else clientSignal?.addEventListener('abort', exchange, { once: true });
    try {
      const response = await this.attempts(request, exchange);
      // The slot is held until the body is read whole, fails or is dropped.
      whenBodyOver(response.body, exchange.settle);
      return response;
    } catch (error) {
      exchange.settle();
      throw error;
    }
  }

  /** Upstream requests in flight (for metrics and tests). */
  get inFlight(): number {
    return this.active;
  }

  /** An exchange is over: its slot, deadline and listener are released (Exchange.settle). */
  release(exchange: Exchange): void {
    this.active--;
    this.deadlines.remove(exchange);
    exchange.signal?.removeEventListener('abort', exchange);
  }

  private async attempts(request: UpstreamRequest, exchange: Exchange): Promise<UpstreamResponse> {
    const signal = exchange.signal;
    const maxRetries = request.maxRetries ?? this.target.maxRetries;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let response: AnswerStart | Dispatcher.ResponseData;
      try {
        if (exchange.reason !== null) throw exchange.reason;
        response = request.whole === true ? await this.whole(request, exchange) : await this.streamed(request, exchange);
      } catch (error) {
        const failure = this.failureOf(error, signal);
        this.options.observer.attemptDone?.({ statusCode: null, errorType: failure instanceof ProxyError ? (failure.code ?? 'unknown') : 'client_gone', durationMs: performance.now() - started });
        if (failure instanceof ProxyError && this.isRetryableError(error) && attempt <= maxRetries) {
          const delay = this.backoff(attempt);
          this.options.observer.retry?.({ attempt, reason: failure.code ?? 'unknown', delayMs: delay });
          await this.wait(delay, exchange);
          continue;
        }
        throw failure;
      }
      this.options.observer.attemptDone?.({ statusCode: response.statusCode, errorType: null, durationMs: performance.now() - started });
      if (RETRYABLE_STATUS.has(response.statusCode) && attempt <= maxRetries) {
        const delay = this.retryDelay(response.headers, attempt);
        if (delay !== null) {
          await response.body.dump().catch(() => undefined);
          this.options.observer.retry?.({ attempt, reason: `status_${response.statusCode}`, delayMs: delay });
          await this.wait(delay, exchange);
          continue;
        }
      }
      return { statusCode: response.statusCode, headers: response.headers, body: this.decoded(response), attempts: attempt };
    }
  }

  /** One attempt whose answer is read whole: undici's dispatch API with a collecting handler (whole-answer.ts). */
  private whole(request: UpstreamRequest, exchange: Exchange): Promise<AnswerStart> {
    return new Promise((resolve, reject) => {
      const answer = new WholeAnswer({ resolve, reject }, this.options.bodyLimitBytes, this.tooLarge);
      exchange.current = answer;
      this.pool.dispatch(
        { path: this.basePath + request.path, method: 'POST', headers: { ...request.headers, 'accept-encoding': ACCEPT_ENCODING }, body: request.body },
        answer,
      );
    });
  }

  /** One attempt whose answer is streamed: `pool.request`, its body a Readable read as the client takes it. */
  private streamed(request: UpstreamRequest, exchange: Exchange): Promise<Dispatcher.ResponseData> {
    // undici takes an AbortSignal here: the exchange aborts it (client gone, drain, total time).
    const controller = new AbortController();
    exchange.current = controller;
    return this.pool.request({
      path: this.basePath + request.path,
      method: 'POST',
      headers: { ...request.headers, 'accept-encoding': ACCEPT_ENCODING },
      body: request.body,
      signal: controller.signal,
    });
  }

  /** The error for a whole body over BODY_LIMIT_BYTES (made only when one is). */
  private readonly tooLarge = (): ProxyError => {
    return new ProxyError('upstream_invalid_response', `The upstream ${this.host} answered with a body larger than BODY_LIMIT_BYTES (${this.options.bodyLimitBytes} bytes)`);
  };

  /** The body as the routes read it: decoded when the upstream compressed it (content-encoding.ts). */
  private decoded(response: AnswerStart | Dispatcher.ResponseData): UpstreamBody {
    const codings = contentCodings(response.headers['content-encoding']);
    if (codings.length === 0) return response.body;
    const unknown = undecodableCoding(codings);
    if (unknown !== null) {
      void response.body.dump().catch(() => undefined);
      throw new ProxyError('upstream_invalid_response', `The upstream ${this.host} answered with content-encoding ${JSON.stringify(unknown)}, which the proxy cannot decode`);
    }
    // A whole answer decodes itself once complete (whole-answer.ts).
    if (response.body instanceof WholeAnswer) return response.body;
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
    // The proxy's own verdict on an answer (a whole body over BODY_LIMIT_BYTES) is already the client's error.
    if (error instanceof ProxyError) return error;
    if (isDecodeError(error)) {
      return new ProxyError('upstream_invalid_response', `The upstream ${this.host} sent a ${error.contentEncoding} body that cannot be decoded: ${error.message}`, { cause: error });
    }
    const code = (error as { code?: string } | null)?.code;
    const { timeouts } = this.target;
    const name = (reason as { name?: string } | undefined)?.name ?? (error as { name?: string } | null)?.name;
    if (name === 'TimeoutError' || (signal?.aborted && !(reason instanceof ClientGoneError))) {
      return new ProxyError('upstream_timeout', `The upstream ${this.host} did not finish within ${timeouts.settings.total} (${timeouts.totalMs} ms)`, { cause: error });
    }
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new ProxyError('upstream_connect_timeout', `Connecting to the upstream ${this.host} timed out after ${timeouts.connectMs} ms`, { cause: error });
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new ProxyError('upstream_headers_timeout', `The upstream ${this.host} sent no response within ${timeouts.settings.headers} (${timeouts.headersMs} ms)`, { cause: error });
      case 'UND_ERR_BODY_TIMEOUT':
        return new ProxyError('upstream_idle_timeout', `The upstream ${this.host} sent nothing for ${timeouts.settings.streamIdle} (${timeouts.streamIdleMs} ms)`, { cause: error });
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
    const asked = retryAfterMs(headers);
    if (asked === null) return this.backoff(attempt);
    return asked > this.options.maxRetryAfterMs ? null : asked;
  }

  /** The pause before a retry; it ends early, failing, when the exchange is ended from outside. */
  private async wait(delayMs: number, exchange: Exchange): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        if (exchange.reason !== null) {
          reject(exchange.reason);
          return;
        }
        const timer = setTimeout(() => {
          exchange.current = null;
          resolve();
        }, delayMs);
        exchange.current = {
          abort(reason) {
            clearTimeout(timer);
            reject(reason);
          },
        };
      });
    } catch (error) {
      throw this.failureOf(error, exchange.signal);
    }
  }
}

/** What an answer's retry-after-ms or retry-after (seconds or an HTTP date) asks for, in ms, or null. */
export function retryAfterMs(headers: UpstreamResponse['headers'], now = Date.now()): number | null {
  const exact = headerValue(headers, 'retry-after-ms');
  const ms = Number(exact);
  if (exact !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const after = headerValue(headers, 'retry-after');
  if (after === undefined) return null;
  const seconds = Number(after);
  const asked = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(after) - now);
  return Number.isFinite(asked) ? asked : null;
}

/** Calls `done` once an answer's body is read whole, has failed or was dropped. */
export function whenBodyOver(body: UpstreamBody, done: () => void): void {
  if (body.destroyed) done();
  else if (body instanceof WholeAnswer) body.whenOver(done);
  else (body as unknown as NodeJS.ReadableStream).once('close', done);
}
