// Every upstream call of every route passes here, once: the chat and Responses translations, the /v1/messages
// passthrough, both token counts, and whatever comes next. Given the request, the path, the body and whether
// it streams, it first admits the call under the client key's models and limits (client-limits.ts; settled
// with the real usage when the call is over), then picks the target, applies the key and header rules (the
// client handles retries and timeouts), moves on to the next key or target when an attempt fails before any byte reached the client, and
// fills the request's call record, which the access line and the metrics read. What a route
// keeps is its own translation before and after, and the shape of its errors.
//
// A client that leaves is decided here too: the upstream request is aborted with the connection, the error
// that surfaces is ClientGoneError, and serveClient turns it into "no one to answer" (the only reply.hijack()
// of the routes, with the one of a stream that takes the response over).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, ProxyError } from '../errors.ts';
import type { StreamTransform } from '../stream/stream-transform.ts';
import { retryAfterMs, whenBodyOver, type UpstreamClient, type UpstreamResponse } from '../upstream/client.ts';
import type { KeySlot } from '../upstream/key-slot.ts';
import type { PromptCacheOverride, UpstreamTarget } from '../routing.ts';
import { upstreamKeyFor } from '../upstream/client-key.ts';
import { headerValue } from '../upstream/header-value.ts';
import { upstreamHeadersFor } from '../upstream/request-headers.ts';
import { relayedResponseHeaders } from '../upstream/response-headers.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';
import { upstreamWaitFor, type UpstreamWait } from './lifecycle.ts';
import { streamReply } from './stream-writer.ts';
import { traceAttempt, traceQueueWait, type AttemptOutcome, type AttemptSpan } from './tracing.ts';
import { admitClient, applyLimitHeaders, finishClientCall } from './client-limits.ts';

/**
 * One request's exchange with its upstream, as the access line, the metrics (and tracing) read it. Started by
 * the route with the models (a request answered locally has one too), completed by the call.
 */
export interface CallRecord {
  /** The model the client asked for (null when it named none), and the model sent upstream. */
  modelAsked: string | null;
  /** The model name routed (after the model rules); the upstream's own id for it, once a target is chosen. */
  model: string;
  sentModel: string | null;
  stream: boolean;
  /** The target that answered (or failed last), by name; the service key's name when one of ours was used. */
  upstream: string | null;
  keyName: string | null;
  /** Attempts on that target (1 without retries); 0 when no call was made. */
  attempts: number;
  /** The upstream's status, or null when no answer came. */
  status: number | null;
  usage: AnthropicUsage | null;
  stopReason: string | null;
  /** Wall clock at the start (Unix ms); time to the upstream's response headers and to the end of its answer. */
  startedAt: number;
  headersMs: number | null;
  durationMs: number | null;
  /** Time spent waiting for a free upstream key. */
  queueMs: number;
  /** The error code the call ended with, if any. */
  error: string | null;
  /** The OpenAI fields the target model could not take (capability profile), for the access line at debug level. */
  dropped: readonly string[];
  /** Attempts that failed before the answer and moved on, in order. */
  fallbacks: Array<{ upstream: string; keyName: string | null; reason: string }>;
}

/** Opens the request's call record (the access line reads it whether or not an upstream call follows). */
export function startCallRecord(request: FastifyRequest, models: { asked: unknown; sent: string; stream?: boolean }): CallRecord {
  const record: CallRecord = {
    modelAsked: typeof models.asked === 'string' ? models.asked : null,
    model: models.sent,
    sentModel: null,
    stream: models.stream === true,
    upstream: null,
    keyName: null,
    attempts: 0,
    status: null,
    usage: null,
    stopReason: null,
    startedAt: Date.now(),
    headersMs: null,
    durationMs: null,
    queueMs: 0,
    error: null,
    dropped: [],
    fallbacks: [],
  };
  request.callRecord = record;
  return record;
}

export interface CallSpec {
  /** Path below the target's base URL, with the query string the upstream should see. */
  path: string;
  /**
   * The body for one attempt: with the model id the target knows the model by, and without replayed thinking
   * when the target is not the conversation's home (its signatures would be refused there).
   */
  body(attempt: { model: string; home: boolean; target: UpstreamTarget; capabilities?: Readonly<Record<string, unknown>>; promptCache?: PromptCacheOverride }): string | Buffer;
  /** The answer streams (its body is read as it arrives), else it is read whole. */
  stream: boolean;
  /** What keeps a conversation on one upstream key (affinity.ts); default: none, any healthy key. */
  affinity?: string;
  /**
   * A message call: the local estimate of its input tokens, which its client key's limits reserve before the
   * call; such calls also count in the usage records. Absent for token counts.
   */
  estimate?: () => number;
}

/**
 * An upstream answer, whatever its status, with the ways a route reads it. Reading failures (idle or total
 * timeout, a connection broken mid-answer, the client gone) are mapped as the client does.
 */
export class UpstreamCall {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly response: UpstreamResponse;
  readonly record: CallRecord;
  private readonly client: UpstreamClient;
  private readonly wait: UpstreamWait;
  /** performance.now() when the call was sent. */
  private readonly sentAt: number;
  /** The service key sent upstream, or null. */
  private readonly secret: string | null;
  /** The attempt's span, ended when the answer is settled; null while tracing is off. */
  private readonly span: AttemptSpan | null;

  constructor(exchange: { request: FastifyRequest; reply: FastifyReply; response: UpstreamResponse; record: CallRecord; client: UpstreamClient; wait: UpstreamWait; sentAt: number; secret: string | null; span: AttemptSpan | null }) {
    this.secret = exchange.secret;
    this.request = exchange.request;
    this.reply = exchange.reply;
    this.response = exchange.response;
    this.record = exchange.record;
    this.client = exchange.client;
    this.wait = exchange.wait;
    this.sentAt = exchange.sentAt;
    this.span = exchange.span;
  }

  get status(): number {
    return this.response.statusCode;
  }

  get ok(): boolean {
    return this.response.statusCode >= 200 && this.response.statusCode < 300;
  }

  /** The target's host, for error messages. */
  get host(): string {
    return this.client.host;
  }

  /** The upstream headers every route relays (request-id, retry-after, the rate-limit family). */
  relayedHeaders(): Record<string, string> {
    return relayedResponseHeaders(this.response.headers);
  }

  header(name: string): string | undefined {
    return headerValue(this.response.headers, name);
  }

  isEventStream(): boolean {
    return (this.header('content-type') ?? '').includes('text/event-stream');
  }

  async text(): Promise<string> {
    try {
      return await this.response.body.text();
    } catch (error) {
      throw this.failed(error);
    }
  }

  async bytes(): Promise<Buffer> {
    try {
      return Buffer.from(await this.response.body.arrayBuffer());
    } catch (error) {
      throw this.failed(error);
    }
  }

  /** Drops an answer the route does not read (its connection goes back to the pool). */
  async discard(): Promise<void> {
    await this.response.body.dump().catch(() => undefined);
    this.settle(null, null);
  }

  /**
   * An answer read whole is over: its usage and stop reason complete the record and reach the metrics (and the
   * attempt's span, with the message's id and model when the route read them).
   */
  settle(usage: AnthropicUsage | null | undefined, stopReason: string | null | undefined, answer?: AttemptOutcome['answer']): void {
    if (this.record.durationMs !== null) return;
    this.record.durationMs = Math.round((performance.now() - this.sentAt) * 100) / 100;
    this.record.usage = usage ?? null;
    this.record.stopReason = stopReason ?? null;
    if (usage) this.request.server.metrics.recordUsage(this.record.model, this.record.upstream, usage);
    this.span?.settled({ usage: this.record.usage, stopReason: this.record.stopReason, error: this.record.error, answer });
    finishClientCall(this.request);
  }

  /**
   * Streams a 2xx answer through the route's transform to the client: the response is taken over from
   * fastify here, and written by the one streaming writer. Resolves when the stream is over.
   */
  async stream(transform: StreamTransform, options: { status?: number; contentType?: string } = {}): Promise<FastifyReply> {
    this.reply.hijack();
    applyLimitHeaders(this.request, this.reply);
    await streamReply({
      request: this.request,
      reply: this.reply,
      body: this.response.body,
      wait: this.wait,
      transform,
      secret: this.secret,
      failureOf: (error) => this.client.failureOf(error, this.wait.signal, 'response'),
      onFirstOutput: this.span === null ? undefined : () => this.span!.firstOutput(),
      ...options,
    });
    if (transform.failure) this.record.error = transform.failure.code;
    this.settle(transform.usage, transform.stopReason);
    return this.reply;
  }

  private failed(error: unknown): ProxyError | ClientGoneError {
    const failure = this.client.failureOf(error, this.wait.signal, 'response');
    this.record.error = failure instanceof ClientGoneError ? 'client_gone' : (failure.code ?? 'unknown');
    // The route will not settle an answer it could not read.
    this.span?.failed(this.record.error, null);
    return failure;
  }
}

// Before the first byte reaches the client, these move a request on to the next key or target of its model.
const FALLBACK_STATUS = new Set([429, 500, 502, 503, 504, 529]);
const FALLBACK_ERRORS = new Set(['upstream_unreachable', 'upstream_connect_timeout', 'upstream_headers_timeout', 'upstream_timeout', 'proxy_overloaded']);

/**
 * Calls the upstream for the request's model (the record started by the route): the routes of the model in
 * order (directory.ts), each attempt with its target's key and header rules. A connection failure, a timeout,
 * 429, 500, 502, 503, 504 or 529 cools the key down and moves on to the next key or target; the last one keeps
 * its own retries, and its answer is the client's whatever its status. Throws the ProxyError of a call that got
 * no answer, or ClientGoneError when the client left meanwhile.
 */
export async function callUpstream(request: FastifyRequest, reply: FastifyReply, spec: CallSpec): Promise<UpstreamCall> {
  const app = request.server;
  const record = request.callRecord ?? startCallRecord(request, { asked: null, sent: 'unknown', stream: spec.stream });
  // The client key's models and limits: a refused request never reaches the upstream.
  await admitClient(request, record, spec.estimate);
  const wait = upstreamWaitFor(app.lifecycle, reply.raw);
  const directory = app.upstreams;
  const candidates = directory.candidatesFor(record.model, spec.affinity ?? request.id);
  const slotCount = candidates.reduce((count, candidate) => count + candidate.slots.length, 0);
  const tried = new Set<KeySlot>();
  const started = performance.now();
  let lastFailure: unknown = new ProxyError('upstream_unreachable', `No upstream is configured for the model ${JSON.stringify(record.model)}`);
  const fail = (error: unknown): never => {
    record.error = error instanceof ClientGoneError ? 'client_gone' : ((error as ProxyError).code ?? 'unknown');
    finishClientCall(request);
    throw error;
  };
  for (;;) {
    const lease = await directory.acquire(candidates, tried, wait.signal).catch(fail);
    if (lease === null) return fail(lastFailure);
    if (lease.waitedMs > 0) {
      record.queueMs += lease.waitedMs;
      app.metrics.queueWaited(lease.waitedMs / 1000);
      traceQueueWait(request, lease.waitedMs, record.model);
    }
    tried.add(lease.slot);
    const last = tried.size >= slotCount;
    const { target } = lease.client;
    const key = upstreamKeyFor(request.headers, target, lease.slot.key ?? undefined);
    record.upstream = target.name;
    record.keyName = key.name ?? null;
    record.sentModel = lease.model;
    const headers = upstreamHeadersFor(request.headers, target, { key: key.key, requestId: request.id });
    const span = traceAttempt(request, { target, keyName: record.keyName, model: lease.model, headers });
    let response: UpstreamResponse;
    try {
      response = await lease.client.request({
        path: spec.path,
        headers,
        body: spec.body({ model: lease.model, home: lease.home, target, capabilities: lease.capabilities, promptCache: lease.promptCache }),
        signal: wait.signal,
        whole: !spec.stream,
        // Another key or target takes over at once: no retry on this one first.
        maxRetries: last ? undefined : 0,
      });
    } catch (error) {
      lease.release();
      record.attempts++;
      const code = error instanceof ProxyError ? error.code : null;
      const moves = code !== null && FALLBACK_ERRORS.has(code) && !last;
      span?.failed(error instanceof ClientGoneError ? 'client_gone' : (code ?? 'unknown'), moves ? code : null);
      if (code === null || !FALLBACK_ERRORS.has(code)) return fail(error);
      if (code !== 'proxy_overloaded') lease.slot.failed(Date.now(), null);
      app.metrics.upstreamAttempt(target.name, lease.slot.name, code);
      if (last) return fail(error);
      moveOn(request, record, lease.slot, code);
      lastFailure = error;
      continue;
    }
    record.attempts += response.attempts;
    app.metrics.upstreamAttempt(target.name, lease.slot.name, String(response.statusCode));
    span?.answered(response.statusCode);
    if (FALLBACK_STATUS.has(response.statusCode)) {
      const asked = retryAfterMs(response.headers);
      // z.ai's concurrency answer (code 1302) says the key is busy, not failing (z.ai's API error-code table).
      const text = last ? '' : await response.body.text().catch(() => '');
      if (response.statusCode === 429 && /"code"\s*:\s*"?1302\b/.test(text)) lease.slot.busy(Date.now(), asked);
      else lease.slot.failed(Date.now(), asked);
      if (!last) {
        lease.release();
        span?.failed(String(response.statusCode), `status_${response.statusCode}`);
        moveOn(request, record, lease.slot, `status_${response.statusCode}`);
        continue;
      }
    } else {
      lease.slot.succeeded();
    }
    whenBodyOver(response.body, lease.release);
    record.status = response.statusCode;
    record.headersMs = Math.round((performance.now() - started) * 100) / 100;
    return new UpstreamCall({ request, reply, response, record, client: lease.client, wait, sentAt: started, secret: key.source === 'server' ? key.key : null, span });
  }
}

/** An attempt failed before any byte reached the client: noted, and the request goes on to the next key or target. */
function moveOn(request: FastifyRequest, record: CallRecord, slot: KeySlot, reason: string): void {
  record.fallbacks.push({ upstream: slot.target.name, keyName: slot.name, reason });
  request.server.metrics.fallback(slot.target.name, reason);
  request.log.info({ upstream: slot.target.name, key_name: slot.name ?? undefined, reason }, 'upstream attempt failed; trying the next key or upstream');
}

/**
 * Runs a route's work. When the client has gone meanwhile (the upstream request was aborted with the
 * connection) there is no one left to answer: that is logged, not an error.
 */
export async function serveClient(request: FastifyRequest, reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ClientGoneError)) throw error;
    request.log.info({ model: request.callRecord?.model }, 'client closed the connection before the answer');
    return reply.hijack();
  }
}
