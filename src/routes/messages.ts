// Anthropic-native passthrough: POST /v1/messages and /v1/messages/count_tokens reach UPSTREAM_BASE with the
// service's key, header and model rules applied. The body goes upstream as the client sent it (the raw bytes
// when the model needs no rewrite); answers come back unchanged, streams byte for byte.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError, invalidRequest } from '../errors.ts';
import { anthropicErrorRef } from '../schemas/common.ts';
import { countTokensBodySchema, countTokensResponseSchema, messagesBodySchema } from '../schemas/messages.ts';
import { estimateInputTokens } from '../translate/token-estimate.ts';
import { lazyTokenizer } from '../translate/tokenizer.ts';
import { anthropicBodyHasImage, resolveModel } from '../translate/model.ts';
import type { AnthropicUsage } from '../translate/usage.ts';
import { ClientGoneError, clientGoneSignal, type UpstreamResponse } from '../upstream/client.ts';
import { relayedResponseHeaders, upstreamHeadersFor } from '../upstream/headers.ts';
import { UsageTap, relayAnthropicStream } from '../upstream/relay.ts';

type Body = Record<string, unknown>;

/** The upstream path for this route, keeping the client's query string (Claude Code sends `?beta=true`). */
function upstreamPath(request: FastifyRequest, path: string): string {
  const query = request.url.indexOf('?');
  return query === -1 ? path : path + request.url.slice(query);
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

function isEventStream(upstream: UpstreamResponse): boolean {
  const type = upstream.headers['content-type'];
  return (Array.isArray(type) ? type[0] : type ?? '').includes('text/event-stream');
}

function relayWhole(reply: FastifyReply, upstream: UpstreamResponse, onUsage?: (usage: AnthropicUsage) => void): FastifyReply {
  const type = upstream.headers['content-type'];
  if (onUsage && upstream.statusCode < 300) {
    const tap = new UsageTap();
    upstream.body.on('data', (chunk: Buffer) => tap.observe(chunk));
    upstream.body.once('end', () => {
      const usage = tap.usage();
      if (usage) onUsage(usage);
    });
  }
  reply.code(upstream.statusCode).headers(relayedResponseHeaders(upstream.headers));
  reply.header('content-type', (Array.isArray(type) ? type[0] : type) ?? 'application/json');
  return reply.send(upstream.body);
}

function relayStream(app: FastifyInstance, reply: FastifyReply, upstream: UpstreamResponse, signal: AbortSignal, model: string): FastifyReply {
  let cutReason: string | null = null;
  const openStream = {
    cut(reason: string) {
      cutReason = reason;
      upstream.body.destroy();
    },
  };
  app.lifecycle.openStreams.add(openStream);
  const events = relayAnthropicStream(upstream.body, {
    failureOf: (error) => app.upstream.failureOf(error, signal, 'response'),
    cutReason: () => cutReason,
    onUsage: (usage) => app.metrics.recordUsage(model, usage),
  });
  const stream = Readable.from(events, { objectMode: false });
  stream.once('close', () => app.lifecycle.openStreams.delete(openStream));
  reply
    .code(upstream.statusCode)
    .headers(relayedResponseHeaders(upstream.headers))
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no');
  return reply.send(stream);
}

export async function messagesRoutes(app: FastifyInstance): Promise<void> {
  const config = app.config;
  const tokenizer = lazyTokenizer();

  // Keep the raw bytes next to the parsed body, so an unchanged body is forwarded without re-serializing.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    request.rawBody = raw as Buffer;
    parseJson(request, (raw as Buffer).toString('utf8'), done);
  });

  app.post('/v1/messages', {
    schema: {
      tags: ['anthropic'],
      summary: 'Anthropic Messages API passthrough (streaming and non-streaming)',
      body: messagesBodySchema,
      response: { '4xx': anthropicErrorRef, '5xx': anthropicErrorRef },
    },
  }, async (request, reply) => {
    const body = requireObject(request.body);
    const model = resolveModel(body.model, anthropicBodyHasImage(body.messages), config);
    const streaming = body.stream === true;
    request.proxyLog = { model, stream: streaming };
    const signal = clientGoneSignal(reply.raw);
    let upstream: UpstreamResponse;
    try {
      upstream = await app.upstream.request({
        path: upstreamPath(request, '/v1/messages'),
        headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
        body: upstreamPayload(request, body, model),
        signal,
      });
    } catch (error) {
      if (error instanceof ClientGoneError) return reply.hijack();
      throw error;
    }
    request.proxyLog.upstreamStatus = upstream.statusCode;
    if (streaming && upstream.statusCode < 300 && isEventStream(upstream)) return relayStream(app, reply, upstream, signal, model);
    return relayWhole(reply, upstream, (usage) => app.metrics.recordUsage(model, usage));
  });

  app.post('/v1/messages/count_tokens', {
    schema: {
      tags: ['anthropic'],
      summary: 'Count input tokens: forwarded upstream, or estimated locally (marked) when the upstream cannot answer',
      body: countTokensBodySchema,
      response: { 200: countTokensResponseSchema, '4xx': anthropicErrorRef, '5xx': anthropicErrorRef },
    },
  }, async (request, reply) => {
    const body = requireObject(request.body);
    const model = resolveModel(body.model, anthropicBodyHasImage(body.messages), config);
    request.proxyLog = { model };
    const answer = (inputTokens: number, estimated: boolean) => {
      if (estimated) reply.header('x-proxy-token-estimate', 'true');
      if (!config.countShapeCompat) return { input_tokens: inputTokens };
      return { input_tokens: inputTokens, token_count: inputTokens, input_token_count: inputTokens, ...(estimated ? { proxy_estimate: true } : {}) };
    };
    const estimate = async () => answer(estimateInputTokens(body, await tokenizer()), true);
    if (!config.forwardCountToUpstream) return estimate();

    let upstream: UpstreamResponse;
    try {
      upstream = await app.upstream.request({
        path: upstreamPath(request, '/v1/messages/count_tokens'),
        headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
        body: upstreamPayload(request, body, model),
        signal: clientGoneSignal(reply.raw),
      });
    } catch (error) {
      if (error instanceof ClientGoneError) return reply.hijack();
      request.log.warn({ code: (error as ProxyError).code }, 'count_tokens upstream failed; answering with a local estimate');
      return estimate();
    }
    request.proxyLog.upstreamStatus = upstream.statusCode;
    // Anthropic-compatible upstreams do not all have this endpoint: a missing one or a failing one is
    // answered locally, an answer about the request itself (400, 401, 429...) is the client's to see.
    if (upstream.statusCode === 404 || upstream.statusCode === 405 || upstream.statusCode === 501 || upstream.statusCode >= 500) {
      await upstream.body.dump().catch(() => undefined);
      return estimate();
    }
    if (upstream.statusCode >= 300) return relayWhole(reply, upstream);
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
