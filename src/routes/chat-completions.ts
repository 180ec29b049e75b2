// POST /v1/chat/completions: validate -> translate -> call the upstream -> translate back (or stream).
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, ProxyError } from '../errors.ts';
import { upstreamWaitFor } from '../http/lifecycle.ts';
import { accessLogFields } from '../http/request-context.ts';
import { OPENAI_API } from '../http/route-policy.ts';
import { streamReply } from '../http/stream-writer.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../schemas/chat.ts';
import { openAIErrorRef } from '../schemas/common.ts';
import { translateChatRequest, type ChatTranslationRules, type TranslatedChatRequest } from '../translate/openai-chat/request.ts';
import { chatCompletionFrom } from '../translate/openai-chat/response.ts';
import { ChatSseTranslator } from '../translate/openai-chat/stream-translator.ts';
import { openAIResponseHeaders } from '../translate/response-headers.ts';
import { errorInBodyToOpenAI, upstreamErrorToOpenAI } from '../translate/upstream-error.ts';
import type { UpstreamResponse } from '../upstream/client.ts';
import { upstreamHeadersFor } from '../upstream/request-headers.ts';
import { relayedResponseHeaders } from '../upstream/response-headers.ts';
import type { AnthropicResponse } from '../wire/anthropic.ts';
import type { ChatCompletionRequest } from '../wire/openai-chat.ts';

export interface ChatCompletionRouteOptions {
  /** Unix milliseconds; tests pass a fixed clock. */
  now?: () => number;
}

async function routes(app: FastifyInstance, options: ChatCompletionRouteOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const { config } = app;
  const rules: ChatTranslationRules = {
    modelMap: config.modelMap,
    autoTextModel: config.autoTextModel,
    autoVisionModel: config.autoVisionModel,
    defaultMaxTokens: config.defaultMaxTokens,
    reasoningBudgets: config.reasoningBudgets,
  };

  /** Reads a body to the end, mapping failures (idle or total timeout, client gone) like the request did. */
  async function readText(upstream: UpstreamResponse, signal: AbortSignal): Promise<string> {
    try {
      return await upstream.body.text();
    } catch (error) {
      throw app.upstream.failureOf(error, signal, 'response');
    }
  }

  async function handle(request: FastifyRequest, reply: FastifyReply, translated: TranslatedChatRequest): Promise<unknown> {
    const model = translated.body.model;
    const log = accessLogFields(request, { model, stream: translated.stream });
    const wait = upstreamWaitFor(app.lifecycle, reply.raw);
    const { signal } = wait;
    const upstream = await app.upstream.request({
      path: '/v1/messages',
      headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
      body: JSON.stringify(translated.body),
      signal,
    });
    log.upstreamStatus = upstream.statusCode;
    const relayed = relayedResponseHeaders(upstream.headers);
    if (upstream.statusCode < 200 || upstream.statusCode >= 300) {
      throw upstreamErrorToOpenAI(upstream.statusCode, await readText(upstream, signal), relayed);
    }
    reply.headers(openAIResponseHeaders(relayed));
    if (translated.stream) {
      const transform = new ChatSseTranslator({
        created: Math.floor(now() / 1000),
        includeUsage: translated.includeUsage,
        responseFormatTool: translated.responseFormatTool,
        legacyFunctions: translated.legacyFunctions,
        fallbackId: `chatcmpl-${request.id}`,
        fallbackModel: model,
      });
      await streamReply({ request, reply, upstream, wait, transform, model });
      return reply;
    }
    const text = await readText(upstream, signal);
    let answer: AnthropicResponse;
    try {
      answer = JSON.parse(text) as AnthropicResponse;
    } catch {
      throw new ProxyError('upstream_invalid_response', `The upstream ${app.upstream.host} answered with a body that is not JSON`);
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      throw new ProxyError('upstream_invalid_response', `The upstream ${app.upstream.host} answered with JSON that is not a message`);
    }
    // Some compatible upstreams report an error in a 200 body: it is an error for the client too.
    if ((answer as { type?: unknown }).type === 'error') throw errorInBodyToOpenAI(text, relayed);
    app.metrics.recordUsage(model, answer.usage);
    return chatCompletionFrom(answer, {
      created: Math.floor(now() / 1000),
      fallbackId: request.id,
      fallbackModel: model,
      responseFormatTool: translated.responseFormatTool,
      legacyFunctions: translated.legacyFunctions,
    });
  }

  app.post('/v1/chat/completions', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'Create a chat completion (OpenAI-compatible; translated to the upstream Messages API)',
      body: chatCompletionRequestSchema,
      response: { 200: chatCompletionSchema, '4xx': openAIErrorRef, '5xx': openAIErrorRef },
    },
  }, async (request, reply) => {
    const translated = translateChatRequest(request.body as ChatCompletionRequest, rules);
    try {
      return await handle(request, reply, translated);
    } catch (error) {
      if (!(error instanceof ClientGoneError)) throw error;
      // No one is left to answer; the upstream request was aborted with the connection.
      request.log.info({ model: translated.body.model }, 'client closed the connection before the answer');
      return reply.hijack();
    }
  });
}

export const chatCompletionRoutes = fp(routes, {
  name: 'chat-completions-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['lifecycle', 'metrics', 'error-handler'],
  decorators: { fastify: ['config', 'upstream'] },
});
