// The OpenAI Responses API in front of the upstream Messages API:
//   POST   /v1/responses                   resolve state -> translate -> call the upstream -> translate back (or stream)
//   GET    /v1/responses/{id}              a stored response
//   DELETE /v1/responses/{id}
//   GET    /v1/responses/{id}/input_items  the input items a stored response was made from
//   POST   /v1/responses/input_tokens      the upstream count (or the local estimate) of a request's input
// State lives behind the ResponsesStore interface, scoped to a hash of the client's credential.
import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, ProxyError, invalidRequest } from '../errors.ts';
import { estimateInputTokens } from '../count/token-estimate.ts';
import { lazyTokenizer } from '../count/tokenizer.ts';
import { upstreamWaitFor } from '../http/lifecycle.ts';
import { messagesExchange, whileClientWaits } from '../http/messages-exchange.ts';
import { accessLogFields } from '../http/request-context.ts';
import { OPENAI_API } from '../http/route-policy.ts';
import { streamReply } from '../http/stream-writer.ts';
import { openAIErrorRef } from '../schemas/common.ts';
import {
  deletedResponseSchema,
  inputItemsListSchema,
  inputItemsQuerySchema,
  inputTokensSchema,
  responseIdParamsSchema,
  responseObjectSchema,
  responsesRequestSchema,
} from '../schemas/responses.ts';
import { ownerOf, resolveInput, responseNotFound, type ResolvedInput } from '../state/history.ts';
import type { ResponsesStore, StoredInputItem } from '../state/responses-store.ts';
import { responseEcho } from '../translate/openai-responses/echo.ts';
import { ResponsesSseTranslator } from '../translate/openai-responses/pipeline.ts';
import { translateResponsesRequest, type ResponsesTranslationRules, type TranslatedResponsesRequest } from '../translate/openai-responses/request.ts';
import { responseFromMessage } from '../translate/openai-responses/response.ts';
import type { ResponsesStreamOptions } from '../translate/openai-responses/stream.ts';
import { upstreamErrorToOpenAI } from '../translate/upstream-error.ts';
import type { UpstreamResponse } from '../upstream/client.ts';
import { clientKeyOf } from '../upstream/client-key.ts';
import { upstreamHeadersFor } from '../upstream/request-headers.ts';
import { relayedResponseHeaders } from '../upstream/response-headers.ts';
import type { ResponseObject, ResponsesRequest } from '../wire/openai-responses.ts';

export interface ResponsesRouteOptions {
  store: ResponsesStore;
  /** Unix milliseconds; tests pass a fixed clock. */
  now?: () => number;
  /** `resp_` + 32 hex digits; random unless a test fixes it. */
  newResponseId?: () => string;
}

const randomResponseId = () => `resp_${randomBytes(16).toString('hex')}`;
const STORED_STATUSES: ReadonlySet<string> = new Set(['completed', 'incomplete']);

async function routes(app: FastifyInstance, options: ResponsesRouteOptions): Promise<void> {
  const { config } = app;
  const { store } = options;
  const now = options.now ?? Date.now;
  const newResponseId = options.newResponseId ?? randomResponseId;
  const tokenizer = lazyTokenizer();
  const rules: ResponsesTranslationRules = {
    modelMap: config.modelMap,
    autoTextModel: config.autoTextModel,
    autoVisionModel: config.autoVisionModel,
    defaultMaxTokens: config.defaultMaxTokens,
    reasoningBudgets: config.reasoningBudgets,
    webSearch: config.responsesWebSearch,
  };
  const ownerFor = (request: FastifyRequest) => ownerOf(clientKeyOf(request.headers)?.key ?? null);

  async function readText(upstream: UpstreamResponse, signal: AbortSignal): Promise<string> {
    try {
      return await upstream.body.text();
    } catch (error) {
      throw app.upstream.failureOf(error, signal, 'response');
    }
  }

  /** Keeps a finished response unless the request said store:false; a store failure costs only the state. */
  function keep(request: FastifyRequest, body: ResponsesRequest, owner: string, response: ResponseObject, input: StoredInputItem[]): Promise<void> {
    if (body.store === false || !STORED_STATUSES.has(response.status)) return Promise.resolve();
    return store.put({ owner, response, input }).catch((error: unknown) => {
      request.log.warn({ err: error, responseId: response.id }, 'the response could not be stored');
    });
  }

  /** The upstream exchange and the answer for a resolved, translated request. */
  async function answer(request: FastifyRequest, reply: FastifyReply, body: ResponsesRequest, owner: string, responseId: string, resolved: ResolvedInput, translated: TranslatedResponsesRequest): Promise<unknown> {
    const model = translated.body.model;
    const { upstream, wait, message } = await messagesExchange(request, reply, translated.body);
    const machineOptions: ResponsesStreamOptions = {
      responseId,
      createdAt: Math.floor(now() / 1000),
      now: () => Math.floor(now() / 1000),
      echo: responseEcho(body),
      fallbackModel: model,
      responseFormatTool: translated.responseFormatTool,
      toolsByUpstreamName: translated.toolsByUpstreamName,
    };
    if (translated.stream) {
      // Stored the moment the machine finishes, before its last event is written: a client that continues at
      // once with previous_response_id finds it.
      const transform = new ResponsesSseTranslator({
        ...machineOptions,
        onFinish: (response) => void keep(request, body, owner, response, resolved.own),
      });
      await streamReply({ request, reply, upstream, wait, transform, model });
      return reply;
    }
    const response = responseFromMessage(await message(), machineOptions);
    await keep(request, body, owner, response, resolved.own);
    return response;
  }

  const errors = { '4xx': openAIErrorRef, '5xx': openAIErrorRef };

  app.post('/v1/responses', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'Create a response (OpenAI Responses API; translated to the upstream Messages API; stream: true for events)',
      body: responsesRequestSchema,
      response: { 200: responseObjectSchema, ...errors },
    },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as ResponsesRequest;
    const owner = ownerFor(request);
    const responseId = newResponseId();
    const resolved = await resolveInput(body, store, owner, responseId);
    const translated = translateResponsesRequest(body, resolved.items, rules);
    return whileClientWaits(request, reply, translated.body.model, () => answer(request, reply, body, owner, responseId, resolved, translated));
  });

  app.get('/v1/responses/:id', {
    config: { policy: OPENAI_API },
    schema: { tags: ['openai'], summary: 'Retrieve a stored response', params: responseIdParamsSchema, response: { 200: responseObjectSchema, ...errors } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const record = await store.get(id, ownerFor(request));
    if (!record) throw responseNotFound(id);
    return record.response;
  });

  app.delete('/v1/responses/:id', {
    config: { policy: OPENAI_API },
    schema: { tags: ['openai'], summary: 'Delete a stored response', params: responseIdParamsSchema, response: { 200: deletedResponseSchema, ...errors } },
  }, async (request) => {
    const { id } = request.params as { id: string };
    if (!(await store.delete(id, ownerFor(request)))) throw responseNotFound(id);
    return { id, object: 'response.deleted', deleted: true };
  });

  app.get('/v1/responses/:id/input_items', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'List the input items of a stored response',
      params: responseIdParamsSchema,
      querystring: inputItemsQuerySchema,
      response: { 200: inputItemsListSchema, ...errors },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const query = request.query as { limit?: string; order: 'asc' | 'desc'; after?: string; before?: string };
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (limit < 1 || limit > 100) throw invalidRequest(`'limit' must be from 1 to 100 (got ${query.limit})`, 'limit');
    const record = await store.get(id, ownerFor(request));
    if (!record) throw responseNotFound(id);
    let items = query.order === 'asc' ? record.input : [...record.input].reverse();
    if (query.after !== undefined) {
      const at = items.findIndex((item) => item.id === query.after);
      items = at < 0 ? [] : items.slice(at + 1);
    }
    if (query.before !== undefined) {
      const at = items.findIndex((item) => item.id === query.before);
      items = at < 0 ? [] : items.slice(0, at);
    }
    const data = items.slice(0, limit);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: items.length > data.length };
  });

  app.post('/v1/responses/input_tokens', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'Count the input tokens of a Responses request: the upstream count, or the local estimate',
      body: responsesRequestSchema,
      response: { 200: inputTokensSchema, ...errors },
    },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as ResponsesRequest;
    const resolved = await resolveInput(body, store, ownerFor(request), newResponseId());
    const { body: upstreamBody } = translateResponsesRequest({ ...body, stream: false }, resolved.items, rules);
    const count: Record<string, unknown> = { model: upstreamBody.model, messages: upstreamBody.messages };
    for (const field of ['system', 'tools', 'tool_choice', 'thinking'] as const) if (upstreamBody[field] !== undefined) count[field] = upstreamBody[field];
    const log = accessLogFields(request, { model: upstreamBody.model });
    const answer = (inputTokens: number) => ({ object: 'response.input_tokens', input_tokens: inputTokens });
    const estimate = async () => {
      reply.header('x-proxy-token-estimate', 'true');
      return answer(estimateInputTokens(count, await tokenizer()));
    };
    if (!config.forwardCountToUpstream) return estimate();
    const { signal } = upstreamWaitFor(app.lifecycle, reply.raw);
    let upstream: UpstreamResponse;
    try {
      upstream = await app.upstream.request({
        path: '/v1/messages/count_tokens',
        headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
        body: JSON.stringify(count),
        signal,
        whole: true,
      });
    } catch (error) {
      if (error instanceof ClientGoneError) return reply.hijack();
      request.log.warn({ code: (error as ProxyError).code }, 'count_tokens upstream failed; answering with a local estimate');
      return estimate();
    }
    log.upstreamStatus = upstream.statusCode;
    // As for /v1/messages/count_tokens: an upstream without the endpoint, or failing, is answered locally;
    // an answer about the request itself (400, 401, 429...) is the client's to see.
    if (upstream.statusCode === 404 || upstream.statusCode === 405 || upstream.statusCode === 501 || upstream.statusCode >= 500) {
      await upstream.body.dump().catch(() => undefined);
      return estimate();
    }
    const text = await readText(upstream, signal);
    const relayed = relayedResponseHeaders(upstream.headers);
    if (upstream.statusCode >= 300) throw upstreamErrorToOpenAI(upstream.statusCode, text, relayed);
    let inputTokens: unknown;
    try {
      inputTokens = (JSON.parse(text) as { input_tokens?: unknown } | null)?.input_tokens;
    } catch {
      inputTokens = undefined;
    }
    if (typeof inputTokens !== 'number') return estimate();
    reply.headers(relayed);
    return answer(inputTokens);
  });
}

export const responsesRoutes = fp(routes, {
  name: 'responses-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['lifecycle', 'metrics', 'error-handler'],
  decorators: { fastify: ['config', 'upstream'] },
});
