// POST /v1/chat/completions: validate -> translate -> call the upstream -> translate back (or stream).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { lazyTokenizer } from '../count/tokenizer.ts';
import { messagesExchange } from '../http/messages-exchange.ts';
import { OPENAI_API } from '../http/route-policy.ts';
import { serveClient } from '../http/upstream-call.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../schemas/chat.ts';
import { openAIErrorRef } from '../schemas/common.ts';
import { translateChatRequest, type ChatTranslationRules } from '../translate/openai-chat/request.ts';
import { reasoningByToolUseId } from '../translate/openai-chat/input.ts';
import { chatCompletionFrom } from '../translate/openai-chat/response.ts';
import { ChatSseTranslator } from '../translate/openai-chat/sse-translator.ts';
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
  const tokenizer = lazyTokenizer();

  app.post('/v1/chat/completions', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'Create a chat completion (OpenAI-compatible; translated to the upstream Messages API)',
      body: chatCompletionRequestSchema,
      response: { 200: chatCompletionSchema, '4xx': openAIErrorRef, '5xx': openAIErrorRef },
    },
  }, async (request, reply) => {
    const body = request.body as ChatCompletionRequest;
    const translated = translateChatRequest(body, rules);
    const model = translated.body.model;
    return serveClient(request, reply, async () => {
      // Loads while the upstream answers: it estimates reasoning_tokens when the upstream does not count them.
      const counting = tokenizer();
      // Awaited once the upstream has answered; a failed upstream call must not leave its rejection unhandled.
      counting.catch(() => undefined);
      const { call, message } = await messagesExchange(request, reply, translated.body, {
        surface: 'chat',
        reasoningEffort: body.reasoning_effort,
        reasoningByToolUseId: reasoningByToolUseId(body.messages),
      });
      const created = Math.floor(now() / 1000);
      const answer = { created, responseFormatTool: translated.responseFormatTool, legacyFunctions: translated.legacyFunctions, customTools: translated.customTools, countTokens: await counting };
      if (!translated.stream) return chatCompletionFrom(await message(), { ...answer, fallbackId: request.id, fallbackModel: model });
      const transform = new ChatSseTranslator({ ...answer, includeUsage: translated.includeUsage, fallbackId: `chatcmpl-${request.id}`, fallbackModel: model });
      return call.stream(transform);
    });
  });
}

export const chatCompletionRoutes = fp(routes, {
  name: 'chat-completions-routes',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['lifecycle', 'metrics', 'error-handler'],
  decorators: { fastify: ['config', 'upstreams'] },
});
