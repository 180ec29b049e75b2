// Anthropic-native passthrough: POST /v1/messages and /v1/messages/count_tokens reach UPSTREAM_BASE with the
// service's key, header and model rules applied. The body goes upstream as the client sent it (the raw bytes
// when the model needs no rewrite); answers come back unchanged, streams byte for byte.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, invalidRequest, type ProxyError } from '../errors.ts';
import { lastUsageIn } from '../count/usage-sniff.ts';
import { estimateInputTokens } from '../count/token-estimate.ts';
import { lazyTokenizer } from '../count/tokenizer.ts';
import { AnthropicRelay } from '../http/anthropic-relay.ts';
import type { ProxyLogInfo } from '../http/decorations.ts';
import { upstreamWaitFor } from '../http/lifecycle.ts';
import { accessLogFields, recordAnswerUsage } from '../http/request-context.ts';
import { ANTHROPIC_API } from '../http/route-policy.ts';
import { boundedJsonParser } from '../http/json-limits.ts';
import { withoutKeyParams } from '../http/secrets.ts';
import { streamReply } from '../http/stream-writer.ts';
import { anthropicErrorRef } from '../schemas/common.ts';
import { countTokensBodySchema, countTokensResponseSchema, messageResponseSchema, messagesBodySchema } from '../schemas/messages.ts';
import { anthropicBodyHasImage, resolveModel, type ModelRules } from '../translate/model.ts';
import type { UpstreamResponse } from '../upstream/client.ts';
import { headerValue } from '../upstream/header-value.ts';
import { upstreamHeadersFor } from '../upstream/request-headers.ts';
import { relayedResponseHeaders } from '../upstream/response-headers.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';

type Body = Record<string, unknown>;

// Usage is the last field of a Messages answer: this many bytes from the end hold it.
const USAGE_TAIL_BYTES = 2048;

/**
 * The upstream path for this route, keeping the client's query string (Claude Code sends `?beta=true`)
 * but not its key-like parameters (`?key=`, `?api_key=`): keys go upstream only as x-api-key.
 */
function upstreamPath(request: FastifyRequest, path: string): string {
  const query = request.url.indexOf('?');
  if (query === -1) return path;
  const kept = withoutKeyParams(request.url).url;
  const keptQuery = kept.indexOf('?');
  return keptQuery === -1 ? path : path + kept.slice(keptQuery);
}

/** The body to send: the client's bytes when the model stays, else the body re-serialized with the new model. */
function upstreamPayload(request: FastifyRequest, body: Body, model: string): string | Buffer {
  if (body.model === model && request.rawBody) return request.rawBody;
  return JSON.stringify({ ...body, model });
}

function requireObject(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object');
  }
  return body as Body;
}

/** The body as an object, and the upstream model it goes to (the model rules). */
function bodyAndModel(request: FastifyRequest, rules: ModelRules): { body: Body; model: string } {
  const body = requireObject(request.body);
  return { body, model: resolveModel(body.model, anthropicBodyHasImage(body.messages), rules) };
}

function isEventStream(upstream: UpstreamResponse): boolean {
  return (headerValue(upstream.headers, 'content-type') ?? '').includes('text/event-stream');
}

/** A whole (non-streaming) answer: read at once and sent as one buffer with its length, no stream piping. */
async function relayWhole(
  app: FastifyInstance,
  reply: FastifyReply,
  upstream: UpstreamResponse,
  signal: AbortSignal,
  onUsage?: (usage: AnthropicUsage) => void,
): Promise<FastifyReply> {
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await upstream.body.arrayBuffer());
  } catch (error) {
    const failure = app.upstream.failureOf(error, signal, 'response');
    if (failure instanceof ClientGoneError) return reply.hijack();
    throw failure;
  }
  if (onUsage && upstream.statusCode < 300) {
    // Usage is near the end of a message; a cut multi-byte character there does not matter to the search.
    const usage = lastUsageIn(bytes.toString('utf8', Math.max(0, bytes.length - USAGE_TAIL_BYTES)));
    if (usage) onUsage(usage);
  }
  return reply
    .code(upstream.statusCode)
    .headers(relayedResponseHeaders(upstream.headers))
    .header('content-type', headerValue(upstream.headers, 'content-type') ?? 'application/json')
    .send(bytes);
}

async function routes(app: FastifyInstance): Promise<void> {
  const config = app.config;
  const tokenizer = lazyTokenizer();

  /** Sends the request upstream with the key, header and model rules; null when the client has gone. */
  async function forward(request: FastifyRequest, log: ProxyLogInfo, path: string, body: Body, model: string, signal: AbortSignal): Promise<UpstreamResponse | null> {
    try {
      const upstream = await app.upstream.request({
        path: upstreamPath(request, path),
        headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
        body: upstreamPayload(request, body, model),
        signal,
        whole: body.stream !== true,
      });
      log.upstreamStatus = upstream.statusCode;
      return upstream;
    } catch (error) {
      if (error instanceof ClientGoneError) return null;
      throw error;
    }
  }

  // Keep the raw bytes next to the parsed body, so an unchanged body is forwarded without re-serializing.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, boundedJsonParser(parseJson, (request, raw) => {
    request.rawBody = raw;
  }));

  app.post('/v1/messages', {
    config: { policy: ANTHROPIC_API },
    schema: {
      tags: ['anthropic'],
      summary: 'Anthropic Messages API passthrough (streaming and non-streaming)',
      body: messagesBodySchema,
      response: { 200: messageResponseSchema, '4xx': anthropicErrorRef, '5xx': anthropicErrorRef },
    },
  }, async (request, reply) => {
    const { body, model } = bodyAndModel(request, config);
    const streaming = body.stream === true;
    const log = accessLogFields(request, { model, stream: streaming });
    const wait = upstreamWaitFor(app.lifecycle, reply.raw);
    const upstream = await forward(request, log, '/v1/messages', body, model, wait.signal);
    if (upstream === null) return reply.hijack();
    if (streaming && upstream.statusCode < 300 && isEventStream(upstream)) {
      reply.headers(relayedResponseHeaders(upstream.headers));
      await streamReply({ request, reply, upstream, wait, transform: new AnthropicRelay(), model, status: upstream.statusCode, contentType: 'text/event-stream; charset=utf-8' });
      return reply;
    }
    return relayWhole(app, reply, upstream, wait.signal, (usage) => recordAnswerUsage(request, model, usage));
  });

  app.post('/v1/messages/count_tokens', {
    config: { policy: ANTHROPIC_API },
    schema: {
      tags: ['anthropic'],
      summary: 'Count input tokens: forwarded upstream, or estimated locally (marked) when the upstream cannot answer',
      body: countTokensBodySchema,
      response: { 200: countTokensResponseSchema, '4xx': anthropicErrorRef, '5xx': anthropicErrorRef },
    },
  }, async (request, reply) => {
    const { body, model } = bodyAndModel(request, config);
    const log = accessLogFields(request, { model });
    const answer = (inputTokens: number, estimated: boolean) => {
      if (estimated) reply.header('x-proxy-token-estimate', 'true');
      if (!config.countShapeCompat) return { input_tokens: inputTokens };
      return { input_tokens: inputTokens, token_count: inputTokens, input_token_count: inputTokens, ...(estimated ? { proxy_estimate: true } : {}) };
    };
    const estimate = async () => answer(estimateInputTokens(body, await tokenizer()), true);
    if (!config.forwardCountToUpstream) return estimate();

    const { signal } = upstreamWaitFor(app.lifecycle, reply.raw);
    let upstream: UpstreamResponse | null;
    try {
      upstream = await forward(request, log, '/v1/messages/count_tokens', body, model, signal);
    } catch (error) {
      request.log.warn({ code: (error as ProxyError).code }, 'count_tokens upstream failed; answering with a local estimate');
      return estimate();
    }
    if (upstream === null) return reply.hijack();
    // Anthropic-compatible upstreams do not all have this endpoint: a missing one or a failing one is
    // answered locally, an answer about the request itself (400, 401, 429...) is the client's to see.
    if (upstream.statusCode === 404 || upstream.statusCode === 405 || upstream.statusCode === 501 || upstream.statusCode >= 500) {
      await upstream.body.dump().catch(() => undefined);
      return estimate();
    }
    if (upstream.statusCode >= 300) return relayWhole(app, reply, upstream, signal);
    const text = await upstream.body.text();
    let counted: unknown;
    try {
      counted = JSON.parse(text);
    } catch {
      counted = null;
    }
    const inputTokens = (counted as { input_tokens?: unknown } | null)?.input_tokens;
    if (typeof inputTokens !== 'number') {
      request.log.warn('count_tokens upstream answered without input_tokens; answering with a local estimate');
      return estimate();
    }
    reply.headers(relayedResponseHeaders(upstream.headers));
    return config.countShapeCompat ? { ...(counted as object), ...answer(inputTokens, false) } : counted;
  });
}

export const messagesRoutes = fp(routes, {
  name: 'messages-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['lifecycle', 'metrics', 'error-handler'],
  decorators: { fastify: ['config', 'upstream'] },
});
