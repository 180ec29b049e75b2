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
import { estimateInputTokens } from '../count/token-estimate.ts';
import { lazyTokenizer } from '../count/tokenizer.ts';
import { upstreamTokenCount } from '../http/count-tokens.ts';
import { messagesExchange, openAIErrorOf } from '../http/messages-exchange.ts';
import { OPENAI_API } from '../http/route-policy.ts';
import { serveClient, startCallRecord } from '../http/upstream-call.ts';
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
import { pageOf, type PageQuery } from '../state/paging.ts';
import type { ResponsesStore } from '../state/responses-store.ts';
import { responseEcho } from '../translate/openai-responses/echo.ts';
import { ResponsesSseTranslator } from '../translate/openai-responses/sse-translator.ts';
import { translateResponsesRequest, type ResponsesTranslationRules, type TranslatedResponsesRequest } from '../translate/openai-responses/request.ts';
import { responseFromMessage } from '../translate/openai-responses/response.ts';
import type { ResponsesStreamOptions } from '../translate/openai-responses/stream.ts';
import { clientKeyOf } from '../upstream/client-key.ts';
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

/** One POST /v1/responses on its way: the request, its state and its translation. */
interface ResponseJob {
  request: FastifyRequest;
  reply: FastifyReply;
  body: ResponsesRequest;
  /** The stored responses' owner (a hash of the client's credential). */
  owner: string;
  responseId: string;
  resolved: ResolvedInput;
  translated: TranslatedResponsesRequest;
}

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

  /** Keeps a finished response unless the request said store:false; a store failure costs only the state. */
  function keep(job: ResponseJob, response: ResponseObject): Promise<void> {
    if (job.body.store === false || !STORED_STATUSES.has(response.status)) return Promise.resolve();
    return store.put({ owner: job.owner, response, input: job.resolved.own }).catch((error: unknown) => {
      job.request.log.warn({ err: error, responseId: response.id }, 'the response could not be stored');
    });
  }

  /** The upstream exchange and the answer for a resolved, translated request. */
  async function answer(job: ResponseJob): Promise<unknown> {
    const { request, reply, translated } = job;
    // Loads while the upstream answers: it estimates reasoning_tokens when the upstream does not count them.
    const counting = tokenizer();
    const { call, message } = await messagesExchange(request, reply, translated.body, { surface: 'responses', reasoningEffort: job.body.reasoning?.effort });
    const machineOptions: ResponsesStreamOptions = {
      responseId: job.responseId,
      createdAt: Math.floor(now() / 1000),
      now: () => Math.floor(now() / 1000),
      echo: responseEcho(job.body),
      fallbackModel: translated.body.model,
      responseFormatTool: translated.responseFormatTool,
      toolsByUpstreamName: translated.toolsByUpstreamName,
      countTokens: await counting,
    };
    if (translated.stream) {
      // Stored the moment the machine finishes, before its last event is written: a client that continues at
      // once with previous_response_id finds it.
      return call.stream(new ResponsesSseTranslator({ ...machineOptions, onFinish: (response) => void keep(job, response) }));
    }
    const response = responseFromMessage(await message(), machineOptions);
    await keep(job, response);
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
    return serveClient(request, reply, () => answer({ request, reply, body, owner, responseId, resolved, translated }));
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
    const record = await store.get(id, ownerFor(request));
    if (!record) throw responseNotFound(id);
    return pageOf(record.input, request.query as PageQuery);
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
    const counted: Record<string, unknown> = { model: upstreamBody.model, messages: upstreamBody.messages };
    for (const field of ['system', 'tools', 'tool_choice', 'thinking'] as const) if (upstreamBody[field] !== undefined) counted[field] = upstreamBody[field];
    startCallRecord(request, { asked: body.model, sent: upstreamBody.model });
    const answer = (inputTokens: number) => ({ object: 'response.input_tokens', input_tokens: inputTokens });
    return serveClient(request, reply, async () => {
      const count = await upstreamTokenCount(request, reply, ({ model }) => JSON.stringify({ ...counted, model }));
      if (count.kind === 'estimate') {
        reply.header('x-proxy-token-estimate', 'true');
        return answer(estimateInputTokens(counted, await tokenizer()));
      }
      if (count.kind === 'refused') throw await openAIErrorOf(count.call);
      reply.headers(count.headers);
      return answer(count.inputTokens);
    });
  });
}

export const responsesRoutes = fp(routes, {
  name: 'responses-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['lifecycle', 'metrics', 'error-handler'],
  decorators: { fastify: ['config', 'upstreams'] },
});
