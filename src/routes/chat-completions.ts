// POST /v1/chat/completions: validate -> translate -> call the upstream -> translate back (or stream).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError } from '../errors.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../schemas/chat.ts';
import { openAIErrorRef } from '../schemas/common.ts';
import { streamChatCompletion } from '../http/chat-stream-writer.ts';
import { translateChatRequest, type ChatTranslationRules } from '../translate/openai-chat/request.ts';
import { chatCompletionFrom } from '../translate/openai-chat/response.ts';
import { openAIResponseHeaders } from '../translate/response-headers.ts';
import type { AnthropicResponse, ChatCompletionRequest } from '../translate/types.ts';
import { statusOfErrorInBody, upstreamErrorToOpenAI } from '../translate/upstream-error.ts';
import { upstreamWaitFor } from '../http/lifecycle.ts';
import { ClientGoneError, type UpstreamResponse } from '../upstream/client.ts';
import { upstreamHeadersFor } from '../upstream/headers.ts';

export interface ChatCompletionRouteOptions {
  /** Unix milliseconds; tests pass a fixed clock. */
  now?: () => number;
}

export async function chatCompletionRoutes(app: FastifyInstance, options: ChatCompletionRouteOptions = {}): Promise<void> {
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

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const translated = translateChatRequest(request.body as ChatCompletionRequest, rules);
    const model = translated.body.model;
    request.proxyLog = { model, stream: translated.stream };
    const wait = upstreamWaitFor(app.lifecycle, reply.raw);
    const { signal } = wait;
    const upstream = await app.upstream.request({
      path: '/v1/messages',
      headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
      body: JSON.stringify(translated.body),
      signal,
    });
    request.proxyLog.upstreamStatus = upstream.statusCode;
    if (upstream.statusCode < 200 || upstream.statusCode >= 300) {
      throw upstreamErrorToOpenAI(upstream.statusCode, await readText(upstream, signal), upstream.headers);
    }
    reply.headers(openAIResponseHeaders(upstream.headers));
    if (translated.stream) {
      wait.streaming();
      await streamChatCompletion({
        request,
        reply,
        upstream,
        signal,
        created: Math.floor(now() / 1000),
        includeUsage: translated.includeUsage,
        responseFormatTool: translated.responseFormatTool,
        legacyFunctions: translated.legacyFunctions,
      });
      return reply;
    }
    const text = await readText(upstream, signal);
    let answer: AnthropicResponse;
    try {
      answer = JSON.parse(text) as AnthropicResponse;
    } catch {
      throw new ProxyError(502, `The upstream ${app.upstream.host} answered with a body that is not JSON`, { code: 'upstream_invalid_response' });
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      throw new ProxyError(502, `The upstream ${app.upstream.host} answered with JSON that is not a message`, { code: 'upstream_invalid_response' });
    }
    // Some compatible upstreams report an error in a 200 body: it is an error for the client too.
    if ((answer as { type?: unknown }).type === 'error') throw upstreamErrorToOpenAI(statusOfErrorInBody(text), text, upstream.headers);
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
    schema: {
      tags: ['openai'],
      summary: 'Create a chat completion (OpenAI-compatible; translated to the upstream Messages API)',
      body: chatCompletionRequestSchema,
      response: { 200: chatCompletionSchema, '4xx': openAIErrorRef, '5xx': openAIErrorRef },
    },
  }, async (request, reply) => {
    try {
      return await handle(request, reply);
    } catch (error) {
      if (!(error instanceof ClientGoneError)) throw error;
      // No one is left to answer; the upstream request was aborted with the connection.
      request.log.info({ model: request.proxyLog?.model }, 'client closed the connection before the answer');
      return reply.hijack();
    }
  });
}
