// Anthropic-native passthrough: POST /v1/messages and /v1/messages/count_tokens reach the upstream with the
// service's key, header and model rules applied. The body goes upstream as the client sent it (the raw bytes
// when the model needs no rewrite); answers come back unchanged, streams byte for byte.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidRequest } from '../errors.ts';
import { lastUsageIn } from '../translate/anthropic/usage-tap.ts';
import { estimateInputTokens, quickCount } from '../count/token-estimate.ts';
import { lazyTokenizer } from '../count/tokenizer.ts';
import { AnthropicRelay } from '../translate/anthropic/relay.ts';
import { affinityKeyOf } from '../http/affinity.ts';
import { upstreamTokenCount } from '../http/count-tokens.ts';
import { ANTHROPIC_API } from '../http/route-policy.ts';
import { boundedJsonParser } from '../http/json-limits.ts';
import { withoutKeyParams } from '../http/secrets.ts';
import { callUpstream, serveClient, startCallRecord, type CallSpec, type UpstreamCall } from '../http/upstream-call.ts';
import { anthropicErrorRef } from '../schemas/common.ts';
import { countTokensBodySchema, countTokensResponseSchema, messageResponseSchema, messagesBodySchema } from '../schemas/messages.ts';
import { withoutThinkingHistory } from '../translate/anthropic/thinking-history.ts';
import { anthropicBodyHasImage, resolveModel, type ModelRules } from '../translate/openai-common/model.ts';

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

/**
 * The body of one attempt: the client's bytes when the model stays and the target is the conversation's home,
 * else the body re-serialized with the target's model id (and without replayed thinking away from home).
 */
function upstreamPayload(request: FastifyRequest, body: Body): CallSpec['body'] {
  return ({ model, home }) => {
    if (!home) return JSON.stringify(withoutThinkingHistory({ ...body, model }));
    if (body.model === model && request.rawBody) return request.rawBody;
    return JSON.stringify({ ...body, model });
  };
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

/** A whole answer, relayed as it came: read at once and sent as one buffer with its length, no stream piping. */
async function relayWhole(reply: FastifyReply, call: UpstreamCall): Promise<FastifyReply> {
  const bytes = await call.bytes();
  // Usage is near the end of a message; a cut multi-byte character there does not matter to the search.
  const usage = call.ok ? lastUsageIn(bytes.toString('utf8', Math.max(0, bytes.length - USAGE_TAIL_BYTES))) : null;
  call.settle(usage, null);
  return reply
    .code(call.status)
    .headers(call.relayedHeaders())
    .header('content-type', call.header('content-type') ?? 'application/json')
    .send(bytes);
}

async function routes(app: FastifyInstance): Promise<void> {
  const config = app.config;
  const tokenizer = lazyTokenizer();

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
    startCallRecord(request, { asked: body.model, sent: model, stream: streaming });
    return serveClient(request, reply, async () => {
      const call = await callUpstream(request, reply, {
        path: upstreamPath(request, '/v1/messages'),
        body: upstreamPayload(request, body),
        stream: streaming,
        affinity: affinityKeyOf(request.headers, undefined, body),
        estimate: () => estimateInputTokens(body, quickCount),
      });
      if (streaming && call.ok && call.isEventStream()) {
        reply.headers(call.relayedHeaders());
        return call.stream(new AnthropicRelay(), { status: call.status, contentType: 'text/event-stream; charset=utf-8' });
      }
      return relayWhole(reply, call);
    });
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
    startCallRecord(request, { asked: body.model, sent: model });
    const answer = (inputTokens: number, estimated: boolean) => {
      if (estimated) reply.header('x-proxy-token-estimate', 'true');
      if (!config.countShapeCompat) return { input_tokens: inputTokens };
      return { input_tokens: inputTokens, token_count: inputTokens, input_token_count: inputTokens, ...(estimated ? { proxy_estimate: true } : {}) };
    };
    return serveClient(request, reply, async () => {
      const count = await upstreamTokenCount(request, reply, upstreamPayload(request, body), upstreamPath(request, '/v1/messages/count_tokens'));
      if (count.kind === 'estimate') return answer(estimateInputTokens(body, await tokenizer()), true);
      if (count.kind === 'refused') return relayWhole(reply, count.call);
      reply.headers(count.headers);
      return config.countShapeCompat ? { ...count.answer, ...answer(count.inputTokens, false) } : count.answer;
    });
  });
}

export const messagesRoutes = fp(routes, {
  name: 'messages-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['lifecycle', 'metrics', 'error-handler'],
  decorators: { fastify: ['config', 'upstreams'] },
});
