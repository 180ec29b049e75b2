// The OpenAI Responses API in front of the upstream Messages API:
//   GET    /v1/responses (Upgrade)         WebSocket mode: response.create events, answered as over SSE (responses-websocket.ts)
//   POST   /v1/responses                   resolve state -> translate -> call the upstream -> translate back (or stream)
//   GET    /v1/responses/{id}              a stored response
//   DELETE /v1/responses/{id}
//   GET    /v1/responses/{id}/input_items  the input items a stored response was made from
//   POST   /v1/responses/input_tokens      the upstream count (or the local estimate) of a request's input
//   POST   /v1/responses/compact           the history summarised by the routed model into a compaction item
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
  compactedResponseSchema,
  deletedResponseSchema,
  inputItemsListSchema,
  inputItemsQuerySchema,
  inputTokensSchema,
  responseIdParamsSchema,
  responseObjectSchema,
  responsesRequestSchema,
} from '../schemas/responses.ts';
import { invalidRequest, ProxyError } from '../errors.ts';
import { ownerOf, resolveInput, responseNotFound, type ResolvedInput } from '../state/history.ts';
import { pageOf, type PageQuery } from '../state/paging.ts';
import { DEFAULT_WEBSOCKET_LIMITS, ResponsesSocket, type WebSocketLimits } from './responses-websocket.ts';
import type { ResponsesStore } from '../state/responses-store.ts';
import { compactedItems, compactedResponse, compactionAnswer, compactionRequestItems, compactThreshold, hasCompactionTrigger, summaryOf, withoutTriggers } from '../translate/openai-responses/compaction.ts';
import { responseEcho } from '../translate/openai-responses/echo.ts';
import { outputItemId } from '../translate/openai-responses/ids.ts';
import { encodeResponsesEvent, ResponsesSseTranslator } from '../translate/openai-responses/sse-translator.ts';
import { translateResponsesRequest, type ResponsesTranslationRules, type TranslatedResponsesRequest } from '../translate/openai-responses/request.ts';
import { responseFromMessage } from '../translate/openai-responses/response.ts';
import type { ResponsesStreamOptions } from '../translate/openai-responses/stream.ts';
import { clientKeyOf } from '../upstream/client-key.ts';
import type { StoredInputItem } from '../state/responses-store.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';
import type { InputItem, ResponseObject, ResponsesRequest } from '../wire/openai-responses.ts';

export interface ResponsesRouteOptions {
  store: ResponsesStore;
  /** Unix milliseconds; tests pass a fixed clock. */
  now?: () => number;
  /** `resp_` + 32 hex digits; random unless a test fixes it. */
  newResponseId?: () => string;
  /** WebSocket mode's idle and total time per connection (tests shorten them). */
  websocket?: Partial<WebSocketLimits>;
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
    if (hasCompactionTrigger(job.resolved.own)) return compactionTriggered(job);
    // Loads while the upstream answers: it estimates reasoning_tokens when the upstream does not count them.
    const counting = tokenizer();
    // Awaited once the upstream has answered; a failed upstream call must not leave its rejection unhandled.
    counting.catch(() => undefined);
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

  /**
   * The history summarised by the routed upstream model (the request's model, instructions and reasoning; no
   * tools called, no structured output), as OpenAI's compacted items: the user messages, then one compaction item.
   */
  async function compactHistory(request: FastifyRequest, reply: FastifyReply, body: ResponsesRequest, history: readonly InputItem[], responseId: string): Promise<{ items: InputItem[]; usage: AnthropicUsage | null | undefined }> {
    const summarising: ResponsesRequest = { ...body, stream: false, tool_choice: 'none', text: null, previous_response_id: null, store: false };
    const translated = translateResponsesRequest(summarising, compactionRequestItems(history), rules);
    const { message } = await messagesExchange(request, reply, translated.body, { surface: 'responses', reasoningEffort: body.reasoning?.effort });
    const answer = await message();
    const summary = summaryOf(answer);
    if (summary === '') throw new ProxyError('upstream_invalid_response', 'The upstream model wrote no summary for the compaction');
    return { items: compactedItems(history, summary, outputItemId(responseId, 'cmp', 0)), usage: answer.usage };
  }

  /** Automatic compaction (context_management): the resolved input, compacted first when it passes the threshold. */
  async function withinThreshold(job: ResponseJob): Promise<ResponseJob> {
    const threshold = compactThreshold(job.body.context_management);
    if (threshold === null) return job;
    if (estimateInputTokens(job.translated.body as unknown as Record<string, unknown>, await tokenizer()) <= threshold) return job;
    const { items } = await compactHistory(job.request, job.reply, job.body, job.resolved.items, job.responseId);
    // Stored as this response's input: the compaction item cuts the chain there, so continuing from it works.
    const resolved: ResolvedInput = { items, own: items as StoredInputItem[] };
    return { ...job, resolved, translated: translateResponsesRequest(job.body, items, rules) };
  }

  /**
   * A compaction_trigger item (remote compaction v2: Codex with `remote_compaction = "v2"`): the history before
   * it is compacted, and the response's one output item is the compaction item (streamed as its events too).
   */
  async function compactionTriggered(job: ResponseJob): Promise<unknown> {
    const { request, reply } = job;
    const { items, usage } = await compactHistory(request, reply, job.body, withoutTriggers(job.resolved.items), job.responseId);
    const { response, events } = compactionAnswer({
      responseId: job.responseId,
      createdAt: Math.floor(now() / 1000),
      echo: responseEcho(job.body),
      fallbackModel: job.translated.body.model,
      responseFormatTool: null,
    }, items.at(-1)!, usage);
    await keep(job, response);
    if (!job.translated.stream) return response;
    reply.header('cache-control', 'no-cache').type('text/event-stream');
    return reply.send(events.map(encodeResponsesEvent).join(''));
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
    return serveClient(request, reply, async () => answer(await withinThreshold({ request, reply, body, owner, responseId, resolved, translated })));
  });

  app.post('/v1/responses/compact', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'Compact a conversation: the routed model summarises it into a compaction item to send back as input',
      body: responsesRequestSchema,
      response: { 200: compactedResponseSchema, ...errors },
    },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as ResponsesRequest;
    if (typeof body.model !== 'string' || body.model === '') throw invalidRequest("'model' is required", 'model');
    const responseId = newResponseId();
    const resolved = await resolveInput(body, store, ownerFor(request), responseId);
    return serveClient(request, reply, async () => {
      const { items, usage } = await compactHistory(request, reply, body, resolved.items, responseId);
      return compactedResponse({ id: responseId, createdAt: Math.floor(now() / 1000), output: items, usage });
    });
  });

  const websocketLimits: WebSocketLimits = { ...DEFAULT_WEBSOCKET_LIMITS, ...options.websocket };
  app.route({
    method: 'GET',
    url: '/v1/responses',
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'WebSocket mode (Upgrade: websocket): response.create events, answered with the streamed server events',
      response: { 101: { description: 'Switching Protocols: the connection is a WebSocket from here on', type: 'null' }, ...errors },
    },
    // A plain GET (no Upgrade) has nothing to answer.
    handler: async () => {
      throw invalidRequest('GET /v1/responses is the WebSocket mode of the Responses API: open it with "Upgrade: websocket", or POST /v1/responses');
    },
    wsHandler: (socket, request) => {
      new ResponsesSocket(socket, request, websocketLimits);
    },
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
