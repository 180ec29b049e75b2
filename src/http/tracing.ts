// OpenTelemetry traces (docs/tracing.md): one server span per request, a GenAI client span per upstream attempt
// and the queue wait as its own span. Off unless the OTEL_* settings name an endpoint: then no hook is
// installed, request.requestTrace stays null, and every call below returns at its first line.
//
// No global state: the tracer provider is built here from the config (or given by tests) and shut down with the
// app; contexts are passed explicitly (no context manager), and the W3C propagator is used directly, not through
// the API's global propagation.
//
// The server span is one hook of ours rather than @fastify/otel: that instrumentation brings
// @opentelemetry/instrumentation, takes the global tracer provider unless told otherwise, and opens a span per
// hook and handler, several per request where one is wanted.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider as SdkTracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
import {
  ATTR_CLIENT_ADDRESS, ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ATTR_URL_PATH, ATTR_URL_SCHEME, ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.ts';
import type { UpstreamTarget } from '../routing.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';
import { routeUrlOf } from './route-policy.ts';

/** What a provider must offer the app: spans, and a shutdown that flushes them (the SDK's TracerProvider has both). */
export interface OwnedTracerProvider {
  getTracer(name: string, version?: string): Tracer;
  shutdown(): Promise<void>;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Prompt and completion content on the GenAI spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
  readonly captureMessageContent: boolean;
  shutdown(): Promise<void>;
}

/** The request's server span, and the number of upstream attempts made under it. */
export interface RequestTrace {
  readonly tracing: Tracing;
  readonly span: Span;
  /** The server span's context: the parent of the attempts and of the queue wait. */
  readonly context: Context;
  attempts: number;
}

const propagator = new W3CTraceContextPropagator();

export function tracingFrom(provider: OwnedTracerProvider, options: { captureMessageContent?: boolean; version?: string } = {}): Tracing {
  return {
    tracer: provider.getTracer('anthropic-proxy', options.version),
    captureMessageContent: options.captureMessageContent === true,
    shutdown: () => provider.shutdown(),
  };
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return ratio;
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: ratio });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** The provider of the OTEL_* settings: OTLP/HTTP (JSON) to the traces URL, spans batched. */
export function tracingFromConfig(config: TracingConfig, version: string): Tracing {
  const provider = new SdkTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: version }),
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.tracesUrl }) })],
  });
  return tracingFrom(provider, { captureMessageContent: config.captureMessageContent, version });
}

/** Starts the server span of each request (continuing an incoming traceparent) and ends it when the response closes. */
export const tracingPlugin = fp(
  async (app: FastifyInstance, { tracing }: { tracing: Tracing }) => {
    app.addHook('onRequest', (request, reply, done) => {
      startServerSpan(tracing, request, reply);
      done();
    });
    app.addHook('onClose', async () => tracing.shutdown());
  },
  { name: 'tracing', fastify: '5.x', dependencies: ['route-policy'] },
);

function startServerSpan(tracing: Tracing, request: FastifyRequest, reply: FastifyReply): void {
  const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
  const route = routeUrlOf(request);
  const [host, port] = hostAndPort(request.headers.host);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: request.method,
    [ATTR_URL_PATH]: request.url.split('?', 1)[0],
    [ATTR_URL_SCHEME]: request.protocol,
    [ATTR_CLIENT_ADDRESS]: request.ip,
  };
  if (route !== null) attributes[ATTR_HTTP_ROUTE] = route;
  if (host !== '') attributes[ATTR_SERVER_ADDRESS] = host;
  if (port !== null) attributes[ATTR_SERVER_PORT] = port;
  const agent = request.headers['user-agent'];
  if (agent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = agent;
  const span = tracing.tracer.startSpan(route === null ? request.method : `${request.method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent);
  const requestTrace: RequestTrace = { tracing, span, context: trace.setSpan(parent, span), attempts: 0 };
  request.requestTrace = requestTrace;
  // 'close' comes for every response, streamed, hijacked or cut by the client.
  reply.raw.once('close', () => {
    const status = reply.raw.statusCode;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (!reply.raw.writableFinished) span.setAttribute(ATTR_ERROR_TYPE, 'client_gone');
    else if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    // The attempt spans end on their own (failed, or settled): a stream's answer may still be read to its end.
    span.end();
  });
}

function hostAndPort(header: string | undefined): [string, number | null] {
  if (header === undefined) return ['', null];
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(header);
  if (!match) return [header, null];
  return [match[1]!, match[2] === undefined ? null : Number(match[2])];
}

/** The time a request waited for a free upstream key, as its own span under the server span. */
export function traceQueueWait(request: FastifyRequest, waitedMs: number, model: string): void {
  const requestTrace = request.requestTrace;
  if (requestTrace === null || waitedMs <= 0) return;
  const now = Date.now();
  requestTrace.tracing.tracer
    .startSpan('proxy.queue_wait', { kind: SpanKind.INTERNAL, startTime: now - waitedMs, attributes: { 'gen_ai.request.model': model } }, requestTrace.context)
    .end(now);
}

export interface AttemptStart {
  target: UpstreamTarget;
  keyName: string | null;
  /** The model id sent to the target. */
  model: string;
  /** The upstream request's headers: the attempt's traceparent is added to them. */
  headers: Record<string, string>;
}

/**
 * Opens the GenAI client span of one upstream attempt and sends its context upstream (traceparent); null when
 * tracing is off. The request's own body supplies max_tokens and temperature (OpenAI and Anthropic name them alike).
 */
export function traceAttempt(request: FastifyRequest, start: AttemptStart): AttemptSpan | null {
  const requestTrace = request.requestTrace;
  if (requestTrace === null) return null;
  requestTrace.attempts++;
  const body = (request.body ?? {}) as Record<string, unknown>;
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': start.target.profile,
    'gen_ai.request.model': start.model,
    'proxy.upstream': start.target.name,
    'proxy.attempt': requestTrace.attempts,
  };
  if (start.keyName !== null) attributes['proxy.key_name'] = start.keyName;
  const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens;
  if (typeof maxTokens === 'number') attributes['gen_ai.request.max_tokens'] = maxTokens;
  if (typeof body.temperature === 'number') attributes['gen_ai.request.temperature'] = body.temperature;
  if (typeof body.top_p === 'number') attributes['gen_ai.request.top_p'] = body.top_p;
  if (requestTrace.tracing.captureMessageContent) {
    const messages = body.messages ?? body.input;
    if (messages !== undefined) attributes['gen_ai.input.messages'] = JSON.stringify(messages);
    const system = body.system ?? body.instructions;
    if (system !== undefined) attributes['gen_ai.system_instructions'] = JSON.stringify(system);
  }
  const span = requestTrace.tracing.tracer.startSpan(`chat ${start.model}`, { kind: SpanKind.CLIENT, attributes }, requestTrace.context);
  propagator.inject(trace.setSpan(requestTrace.context, span), start.headers, defaultTextMapSetter);
  return new AttemptSpan(span, requestTrace.tracing.captureMessageContent);
}

/** What a settled answer tells the attempt span. */
export interface AttemptOutcome {
  usage: AnthropicUsage | null;
  stopReason: string | null;
  error: string | null;
  /** The message's id, model and content, when the route read them (whole answers). */
  answer?: { id?: unknown; model?: unknown; content?: unknown };
}

export class AttemptSpan {
  private readonly span: Span;
  private readonly captureMessageContent: boolean;
  private firstToken = false;
  private ended = false;

  constructor(span: Span, captureMessageContent: boolean) {
    this.span = span;
    this.captureMessageContent = captureMessageContent;
  }

  /** The upstream's status, once its response headers came. */
  answered(status: number): void {
    this.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 400) this.span.setAttribute(ATTR_ERROR_TYPE, String(status));
  }

  /** The attempt failed before the answer; `fallbackReason` when the request moved on to another key or target. */
  failed(errorType: string, fallbackReason: string | null): void {
    if (this.ended) return;
    this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (fallbackReason !== null) this.span.setAttribute('proxy.fallback_reason', fallbackReason);
    this.span.setStatus({ code: SpanStatusCode.ERROR });
    this.end();
  }

  /** The first content of a streamed answer reached the client. */
  firstOutput(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.span.addEvent('first_token');
  }

  /** The answer is over: usage, finish reason, and the error it ended with, if any. */
  settled(outcome: AttemptOutcome): void {
    if (this.ended) return;
    const { usage, stopReason, answer } = outcome;
    const attributes: Attributes = {};
    if (usage) {
      if (typeof usage.input_tokens === 'number') attributes['gen_ai.usage.input_tokens'] = usage.input_tokens;
      if (typeof usage.output_tokens === 'number') attributes['gen_ai.usage.output_tokens'] = usage.output_tokens;
      if (typeof usage.cache_read_input_tokens === 'number') attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cache_read_input_tokens;
      if (typeof usage.cache_creation_input_tokens === 'number') attributes['gen_ai.usage.cache_creation.input_tokens'] = usage.cache_creation_input_tokens;
    }
    if (stopReason !== null) attributes['gen_ai.response.finish_reasons'] = [stopReason];
    if (typeof answer?.id === 'string') attributes['gen_ai.response.id'] = answer.id;
    if (typeof answer?.model === 'string') attributes['gen_ai.response.model'] = answer.model;
    if (this.captureMessageContent && answer?.content !== undefined) attributes['gen_ai.output.messages'] = JSON.stringify([{ role: 'assistant', content: answer.content }]);
    this.span.setAttributes(attributes);
    if (outcome.error !== null) {
      this.span.setAttribute(ATTR_ERROR_TYPE, outcome.error);
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }
}
